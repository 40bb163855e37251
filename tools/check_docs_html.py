#!/usr/bin/env python3
"""Fail the docs build when Doxygen left Markdown it did not render in the pages.

    python3 tools/check_docs_html.py build/docs/html

tools/build_docs.sh runs it after Doxygen. Doxygen 1.9 prints no warning for
these, so a page can look broken with a clean log; each is caught here:

* a heading showing markup: "<tt>" (a code span in a heading), "**" or "`";
* in a page made from Markdown: "**" left in the prose (bold that Doxygen did
  not take, as before a code span), math that did not reach MathJax ("\\f$",
  "\\f[" or "\\f]" in the text), a Markdown link left as text ("](");
* a <details> block that Doxygen cut at its first paragraph (an empty one);
* a plain word of a Markdown page linked to an API page ("an MLP" linked to
  struct MLP): only a code span (`MLP`) may link there; a file name linked to
  the empty file page of a Markdown file; a '%' (the filter's no-link mark)
  left in the text.

Code (pre, code, fragments) is not looked at. Exit 1 and a list on any find.
Python 3 standard library only.
"""
import html.parser
import os
import re
import sys

HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
CODE = {"pre", "code", "script", "style", "tt", "kbd", "samp"}
PROSE_MARKS = [("**", "'**' (bold Doxygen did not render)"),
               ("\\f$", "'\\f$' (math that did not reach MathJax)"),
               ("\\f[", "'\\f[' (math that did not reach MathJax)"),
               ("\\f]", "'\\f]' (math that did not reach MathJax)"),
               ("](", "'](' (a Markdown link shown as text)"),
               ("<tt>", "'<tt>' shown as text")]
HEADING_MARKS = [("<tt>", "'<tt>' in a heading (a code span in a heading)"),
                 ("<code>", "'<code>' in a heading"),
                 ("**", "'**' in a heading"),
                 ("`", "'`' in a heading")]
EMPTY_DETAILS_RE = re.compile(r"<details>\s*<summary>[^<]*</summary>\s*</details>")


class Page(html.parser.HTMLParser):
    def __init__(self, markdown_page):
        super().__init__(convert_charrefs=True)
        self.markdown_page = markdown_page
        self.stack = []          # (tag, is a code-like or skipped element, is a heading)
        self.heading = None      # text of the heading being read
        self.finds = []

    def _in(self, kind):
        return any(entry[kind] for entry in self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        skip = tag in CODE or "fragment" in cls or "line" in cls or tag == "textarea" \
            or (tag == "div" and ("navpath" in cls or "llmlab-subpages" in cls))
        head = tag in HEADINGS or (tag == "div" and "title" in cls and not self._in(2))
        if tag in ("br", "img", "hr", "input", "meta", "link", "area", "col", "wbr"):
            return                # void elements: nothing inside them
        if tag == "a" and self.markdown_page and "el" in cls and \
                re.match(r"[^#]*_8md\.html", a.get("href") or ""):
            self.finds.append("a link to the empty file page of a Markdown file: %s "
                              "(link the .md file itself)" % a.get("href"))
        if tag == "a" and self.markdown_page and "el" in cls and \
                (a.get("href") or "").startswith(("struct", "union", "enum")) and not self._in(1):
            self.finds.append("a plain word linked to an API page: %s (write it as `code`, "
                              "or the filter escapes it)" % a.get("href"))
        self.stack.append((tag, skip, head))
        if head and self.heading is None:
            self.heading = []

    def handle_endtag(self, tag):
        for k in range(len(self.stack) - 1, -1, -1):
            if self.stack[k][0] == tag:
                was_heading = self.stack[k][2]
                del self.stack[k:]
                if was_heading and not self._in(2) and self.heading is not None:
                    text = "".join(self.heading)
                    for mark, what in HEADING_MARKS:
                        if mark in text:
                            self.finds.append("%s: %r" % (what, text.strip()[:80]))
                    self.heading = None
                return

    def handle_data(self, data):
        if self.heading is not None:
            self.heading.append(data)
        if self._in(1) or not self.markdown_page:
            return                # API pages: "float **out" is C, not a mark
        for mark, what in PROSE_MARKS:
            if mark in data:
                k = data.index(mark)
                self.finds.append("%s: %r" % (what, data[max(0, k - 40):k + 40].strip()))
        m = re.search(r"(?<![\w%])%[A-Za-z_]", data)
        if m:
            self.finds.append("a '%%' Doxygen did not take as its no-link mark: %r"
                              % data[max(0, m.start() - 40):m.start() + 40].strip())


def check_file(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    name = os.path.basename(path)
    page = Page(markdown_page=name.startswith("md_") or name == "index.html")
    page.feed(text)
    page.close()
    finds = list(page.finds)
    for m in EMPTY_DETAILS_RE.finditer(text):
        finds.append("an empty <details> block (Doxygen cut it): %r" % m.group(0)[:80])
    return finds


def check_site(html_dir):
    """{page file name: [finds]} for the pages of the site with artifacts."""
    found = {}
    for name in sorted(os.listdir(html_dir)):
        if not name.endswith(".html"):
            continue
        finds = check_file(os.path.join(html_dir, name))
        if finds:
            found[name] = finds
    return found


def main(argv):
    if len(argv) != 2 or not os.path.isdir(argv[1]):
        sys.stderr.write("usage: check_docs_html.py build/docs/html\n")
        return 2
    found = check_site(argv[1])
    for name, finds in found.items():
        for f in finds:
            sys.stderr.write("check_docs_html: %s: %s\n" % (name, f))
    if found:
        sys.stderr.write("check_docs_html: %d page(s) with artifacts\n" % len(found))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
