#!/usr/bin/env python3
"""Doxygen input filter for the course's Markdown files (FILTER_PATTERNS *.md).

    python3 tools/doxygen_md_filter.py FILE.md > filtered.md

Doxygen runs it on every .md file it reads (docs/Doxyfile, FILTER_PATTERNS)
and parses what it prints instead of the file. It turns the Markdown that
GitHub renders into Markdown that Doxygen 1.9 renders the same way:

* Math. ``$x$`` becomes ``\\f$x\\f$`` and a ``$$ ... $$`` block (``$$`` on
  its own lines, or ``$$x$$`` on one line) becomes ``\\f[ ... \\f]``; Doxygen
  hands both to MathJax. Left alone: fenced code (``` and ~~~), code spans,
  HTML comments, Doxygen's own ``\\f$``/``\\f[``/``\\code`` blocks, an
  escaped ``\\$``, and a dollar that is not math: the closing ``$`` must be on
  the same line, with no space just inside either ``$`` and no digit right
  after the closing one, so "costs $5, or $10" stays prose. Headings keep
  their ``$``: Doxygen shows a heading as plain text.
* Quotes. A ``"`` of the prose becomes ``&quot;``: Doxygen 1.9 renders no
  math, code span or link inside "double quotes" otherwise.
* Links. ``[t](other.md)`` is made absolute (Doxygen otherwise resolves it
  against the folder it runs in before the file's own folder);
  ``[t](other.md#a-heading)`` and ``[t](#a-heading)`` (GitHub's anchors)
  point at the heading, which gets a matching ``{#label}``; ``[t](dir/)``
  goes to dir/README.md; ``[t](file.h)`` to that header's page; a link to
  any other file of the repository (a skeleton .c, a solution) points at the
  file in the checkout, relative to the site folder build/docs/html.

* Headings. Doxygen shows a heading as plain text: code spans and bold marks
  are dropped from it (a code span of symbols only gets quotes, “+=”).
* Bold. ``**x**`` becomes ``<b>x</b>``: Doxygen 1.9 leaves the asterisks when a
  code span follows them.
* Plain words. A word naming a struct of the headers ("an MLP", "a Value")
  gets Doxygen's ``%``, so only a code span (`` `MLP` ``) links to the API page.
* ``<details>`` and ``</details>`` lines pass through as raw HTML (Doxygen 1.9
  cuts such a block at its first paragraph otherwise).
* Navigation (class Course). A hand-written ``[한국어](X.ko.md)`` or
  ``[English](X.md)`` line near the top is replaced by a link under the title;
  each study note ends with previous/next links and one back to its lesson (or
  to the course notes), each lesson README with the previous and next lessons
  (Korean titles from the fourth column of tools/lessons.tsv); and a lesson's
  README (and study_notes/README.md) ends with hidden ``@subpage`` lines that
  nest its Korean twin and its notes under it in the sidebar. A link from a
  Korean page to ``X.md`` goes to ``X.ko.md`` when that exists; a link to an
  ``X.ko.md`` not written yet goes to ``X.md``.
  ``doxygen_md_filter.py --inputs`` prints what Doxygen reads, in sidebar order.

Every output line comes from the input line with the same number, so
Doxygen's warnings name the right line. Problems the filter itself finds (an
unclosed ``$$`` block, a link to a heading that does not exist) are printed
to stderr as ``FILE:LINE: warning: ...``; tools/build_docs.sh fails on them
like on Doxygen's own warnings.

Environment (set by tools/build_docs.sh; the defaults suit a normal build):
  LLMLAB_DOCS_ROOT      the repository root (default: this file's ../)
  LLMLAB_DOCS_INPUT     the top-level entries Doxygen reads, space-separated
                        (default: what --inputs prints, as build_docs.sh)
  LLMLAB_DOCS_HTML_DIR  where the site is written (default: ROOT/build/docs/html)

Python 3 standard library only.
"""

import os
import re
import sys
import traceback
import urllib.parse

# Folders whose files are never part of the site. Keep in sync with
# EXCLUDE_PATTERNS in docs/Doxyfile.
EXCLUDED_DIRS = {"tests", "test", "solutions", "build", "runs", "data", "tools"}
# Files never part of the site (the hints are revealed one tier at a time by make hint-dayN).
EXCLUDED_FILES = {"hints.md", "hints.ko.md"}
# Doxygen labels headings up to this level; a {#label} on a level-6 heading is an error.
MAX_LABEL_LEVEL = 5

_FENCE_RE = re.compile(r"^(\s*(?:>\s*)*)(`{3,}|~{3,})(.*)$")
_ATX_RE = re.compile(r"^( {0,3})(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT_RE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_TABLE_DELIM_RE = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_LIST_OR_BLOCK_RE = re.compile(r"^\s*([-*+]\s|\d+[.)]\s|>|#|\||```|~~~)")
_TITLE_ID_RE = re.compile(r"\s*\{#([A-Za-z][\w-]*)\}\s*$")
_REFDEF_RE = re.compile(r"^( {0,3}\[(?!\^)[^\]]+\]:[ \t]*)(<[^>]*>|\S+)(.*)$")
# Doxygen commands whose arguments may be "quoted": their lines keep bare '"'.
_QUOTED_ARG_CMD_RE = re.compile(r"[\\@](ref|image|link|subpage|anchor|cite|page|section"
                                r"|subsection|subsubsection|paragraph|include\w*|snippet\w*)\b")
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# Doxygen commands whose body is copied verbatim: name -> end marker.
_VERBATIM_CMDS = {
    "f$": "f$", "f[": "f]", "f{": "f}", "f(": "f)",
    "code": "endcode", "verbatim": "endverbatim", "htmlonly": "endhtmlonly",
    "latexonly": "endlatexonly", "xmlonly": "endxmlonly", "manonly": "endmanonly",
    "rtfonly": "endrtfonly", "docbookonly": "enddocbookonly", "dot": "enddot",
    "msc": "endmsc", "startuml": "enduml",
}
_WORD_CMD_RE = re.compile(r"[\\@](code|verbatim|htmlonly|latexonly|xmlonly|manonly|rtfonly"
                          r"|docbookonly|dot|msc|startuml)(?![A-Za-z0-9_])")


def repo_root():
    env = os.environ.get("LLMLAB_DOCS_ROOT")
    if env:
        return os.path.realpath(env)
    return os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def _input_entries(root):
    env = os.environ.get("LLMLAB_DOCS_INPUT")
    if env is not None and env.strip():
        return [e.strip("/") for e in env.split()]
    return Course(root).inputs()


def github_slug(text):
    """The anchor GitHub gives a heading with this Markdown text."""
    t = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)       # image -> alt text
    t = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", t)            # link -> its text
    t = re.sub(r"<[^>]+>", "", t)                            # HTML tags
    t = t.strip().lower()
    t = re.sub(r"[^\w\- ]", "", t)
    return t.replace(" ", "-")


def _label_part(s):
    return "".join(c if (c.isascii() and (c.isalnum() or c in "_-")) else "_%x" % ord(c) for c in s)


def heading_label(rel_path, slug):
    """A Doxygen label, unique in the site, for the heading `slug` of file `rel_path`."""
    base = re.sub(r"\.md$", "", rel_path)
    return "md_" + re.sub(r"[^A-Za-z0-9]", "_", base) + "-" + _label_part(slug)


class Site:
    """Which files of the repository are pages or API docs in the site."""

    def __init__(self, root=None, html_dir=None, inputs=None):
        self.root = os.path.realpath(root) if root else repo_root()
        self.html_dir = html_dir or os.environ.get("LLMLAB_DOCS_HTML_DIR") or \
            os.path.join(self.root, "build", "docs", "html")
        self.inputs = inputs if inputs is not None else _input_entries(self.root)
        self._docs = {}
        self._words = None

    def autolink_words(self):
        """Names of the structs and types the headers of the site define: Doxygen links
        such a word anywhere in the prose ("an MLP", "a Value") to its API page."""
        if self._words is None:
            words = set()
            import glob
            for entry in self.inputs:
                full = os.path.join(self.root, entry)
                paths = [full] if full.endswith(".h") else \
                    glob.glob(os.path.join(full, "**", "*.h"), recursive=True)
                for h in paths:
                    if not self.in_site(h):
                        continue
                    try:
                        with open(h, encoding="utf-8", errors="replace") as f:
                            text = f.read()
                    except OSError:
                        continue
                    words.update(re.findall(r"^\}\s*([A-Za-z_]\w*)\s*;", text, re.M))
                    words.update(re.findall(r"\b(?:struct|enum|union)\s+([A-Za-z_]\w*)\s*\{", text))
                    words.update(re.findall(r"\btypedef\s+(?:struct|enum|union)\s+\w+\s+([A-Za-z_]\w*)\s*;", text))
            self._words = words
        return self._words

    def rel(self, path):
        return os.path.relpath(os.path.realpath(path), self.root).replace(os.sep, "/")

    def in_site(self, path):
        if not (path.endswith(".md") or path.endswith(".h")) or not os.path.isfile(path):
            return False
        rel = self.rel(path)
        parts = rel.split("/")
        if parts[0] == ".." or any(p.startswith(".") for p in parts):
            return False
        if any(p in EXCLUDED_DIRS for p in parts[:-1]) or parts[-1] in EXCLUDED_FILES:
            return False
        return any(rel == e or rel.startswith(e + "/") for e in self.inputs)

    def doc(self, path):
        """The parsed file at `path` (for its headings), cached."""
        path = os.path.realpath(path)
        if path not in self._docs:
            with open(path, encoding="utf-8", errors="surrogateescape") as f:
                text = f.read()
            d = MarkdownFile(path, text, self, rewrite_links=False)
            d.convert()
            self._docs[path] = d
        return self._docs[path]


class MarkdownFile:
    def __init__(self, path, text, site, rewrite_links=True):
        self.path = os.path.realpath(path)
        self.site = site
        self.rewrite_links = rewrite_links
        self.text = text
        self.lines = text.split("\n")
        self.lines = [l[:-1] if l.endswith("\r") else l for l in self.lines]
        self.warnings = []
        # slug -> (label or None, level); label None: link to the page itself
        self.anchors = {}
        self._slug_count = {}
        self.known_anchors = None   # every heading of this file, for links to later ones
        self.out = []

    # ---------------------------------------------------------------- helpers
    def warn(self, lineno, msg):
        self.warnings.append("%s:%d: warning: %s" % (self.path, lineno + 1, msg))

    def _add_anchor(self, slug, label, level):
        n = self._slug_count.get(slug)
        key = slug if n is None else "%s-%d" % (slug, n)
        self._slug_count[slug] = (n or 0) + 1
        while key in self.anchors:                 # GitHub's de-duplication
            n = self._slug_count[slug]
            self._slug_count[slug] = n + 1
            key = "%s-%d" % (slug, n)
        if label is None and level is not None and level <= MAX_LABEL_LEVEL:
            label = heading_label(self.site.rel(self.path), key)
        self.anchors[key] = (label, level)
        return label

    # ------------------------------------------------------------- structure
    def _title_index(self):
        """Index of the heading Doxygen takes as the page title, or -1."""
        for i, line in enumerate(self.lines):
            if not line.strip():
                continue
            m = _ATX_RE.match(line)
            if m and len(m.group(2)) == 1:
                return i
            if i + 1 < len(self.lines) and re.match(r"^ {0,3}=+[ \t]*$", self.lines[i + 1]):
                return i
            return -1
        return -1

    def _table_rows(self):
        """Indexes of lines that belong to a Markdown table."""
        rows = set()
        lines = self.lines
        for i, line in enumerate(lines):
            if "|" in line and "-" in line and _TABLE_DELIM_RE.match(line) and i > 0 \
                    and "|" in lines[i - 1]:
                rows.add(i - 1)
                rows.add(i)
                j = i + 1
                while j < len(lines) and lines[j].strip() and "|" in lines[j]:
                    rows.add(j)
                    j += 1
        return rows

    def _find_display_close(self, start):
        """The line after `start` that closes a $$ block, or -1 (a blank line ends the search)."""
        for j in range(start + 1, len(self.lines)):
            line = self.lines[j]
            if not line.strip() or _FENCE_RE.match(line):
                return -1
            if _find_unescaped(line, "$$", 0) != -1:
                return j
        return -1

    # ------------------------------------------------------------ conversion
    def convert(self):
        if self.rewrite_links and self.known_anchors is None:
            pre = MarkdownFile(self.path, self.text, self.site, rewrite_links=False)
            pre.convert()
            self.known_anchors = pre.anchors
        lines = self.lines
        n = len(lines)
        out = []
        title = self._title_index()
        table_rows = self._table_rows()
        state = None          # None, ("fence", ch, len), ("verbatim", marker), ("comment",), ("display",)
        i = 0
        while i < n:
            line = lines[i]
            if state is not None:
                kind = state[0]
                if kind == "fence":
                    m = _FENCE_RE.match(line)
                    if m and m.group(2)[0] == state[1] and len(m.group(2)) >= state[2] \
                            and not m.group(3).strip():
                        state = None
                    out.append(line)
                elif kind == "display":
                    k = _find_unescaped(line, "$$", 0)
                    if k == -1:
                        out.append(line)
                    else:
                        state = None
                        rest, state = self._inline(line[k + 2:], i, i in table_rows)
                        out.append(line[:k] + "\\f]" + rest)
                else:  # verbatim or comment: copy up to the end marker, go on after it
                    marker = "-->" if kind == "comment" else state[1]
                    k = self._find_end_marker(line, marker, kind)
                    if k == -1:
                        out.append(line)
                    else:
                        state = None
                        rest, state = self._inline(line[k:], i, i in table_rows)
                        out.append(line[:k] + rest)
                i += 1
                continue

            m = _FENCE_RE.match(line)
            if m and not (m.group(2)[0] == "`" and "`" in m.group(3)):
                state = ("fence", m.group(2)[0], len(m.group(2)))
                out.append(line)
                i += 1
                continue

            if self.rewrite_links:
                r = _REFDEF_RE.match(line)
                if r:
                    dest = self._rewrite_dest(r.group(2).strip("<>"), i)
                    out.append(r.group(1) + (dest if dest is not None else r.group(2)) + r.group(3))
                    i += 1
                    continue

            d = _DETAILS_OPEN_RE.match(line) or _DETAILS_CLOSE_RE.match(line)
            if d:                                 # Doxygen 1.9 breaks <details> at each paragraph
                out.append(d.group(1) + "\\htmlonly" + line.strip() + "\\endhtmlonly")
                i += 1
                continue

            h = _ATX_RE.match(line)
            if h:
                out.append(self._heading(line, i, h.group(3) or "", len(h.group(2)), i == title, h))
                i += 1
                continue
            if i + 1 < n and line.strip() and _SETEXT_RE.match(lines[i + 1]) \
                    and not _LIST_OR_BLOCK_RE.match(line) and not _SETEXT_RE.match(line) \
                    and i not in table_rows and (i == 0 or not lines[i - 1].strip()
                                                 or i - 1 == title or _is_heading_line(lines, i - 1)):
                level = 1 if lines[i + 1].strip()[0] == "=" else 2
                out.append(self._heading(line, i, line.strip(), level, i == title))
                out.append(lines[i + 1])
                i += 2
                continue

            # a $$ block: "$$" (or "$$ first line") opening a line, closed on a later line
            stripped = line.lstrip(" \t>")
            if stripped.startswith("$$") and _find_unescaped(stripped, "$$", 2) == -1:
                close = self._find_display_close(i)
                if close == -1:
                    self.warn(i, "'$$' opens display math that no later '$$' closes "
                                 "before a blank line (write \\$ for a dollar sign)")
                    out.append(line)
                else:
                    k = len(line) - len(stripped)
                    out.append(line[:k] + "\\f[" + stripped[2:])
                    state = ("display",)
                i += 1
                continue

            text, state = self._inline(line, i, i in table_rows,
                                       may_open_display="$$" in line and self._find_display_close(i) != -1,
                                       escape_quotes=not _QUOTED_ARG_CMD_RE.search(line))
            out.append(text)
            i += 1

        if state is not None and state[0] == "display":
            self.warn(n - 1, "'$$' display math is not closed at the end of the file")
        assert len(out) == n, "line count changed"
        self.out = out
        return "\n".join(out)

    def _find_end_marker(self, line, marker, kind):
        """Index just past `marker` in `line` (a Doxygen \\end... or -->), or -1."""
        if kind == "comment":
            k = line.find(marker)
            return -1 if k == -1 else k + len(marker)
        for lead in ("\\", "@"):
            k = line.find(lead + marker)
            if k != -1:
                return k + 1 + len(marker)
        return -1

    def _heading(self, line, i, text, level, is_title, atx=None):
        """A heading line, with a {#label} so that GitHub-style anchors can point at it."""
        text = text.rstrip()
        if not text:
            return line
        m = _TITLE_ID_RE.search(text)
        if m:                                     # the author chose a label: keep it
            self._add_anchor(github_slug(text[:m.start()]), m.group(1), level)
            return _plain_heading(line)
        if is_title:                              # the page title: a link to it is a link to the page
            self._add_anchor(github_slug(text), None, None)
            return _plain_heading(_escape_title_math(line), self.site.autolink_words())
        label = self._add_anchor(github_slug(text), None, level)
        if label is None:
            return _plain_heading(line)
        if atx:                                   # "## Text ##" -> "## Text {#label}"
            return atx.group(1) + atx.group(2) + " " + _plain_heading(text) + " {#" + label + "}"
        return _plain_heading(line.rstrip()) + " {#" + label + "}"

    # ------------------------------------------------------------ inline text
    def _inline(self, line, lineno, in_table, may_open_display=False, escape_quotes=False):
        """Convert one line (or the rest of one): returns (text, state left open).

        escape_quotes: write a '"' of the prose as &quot;. Doxygen 1.9 copies
        "a quoted text" (even over one line break) as it is: no math, no code
        span, no link inside it. Quotes of HTML attributes (="...") stay.
        """
        out = []
        brackets = []            # for each open '[': (index in out, is image)
        bold = _bold_marks(line)
        no_link = self.site.autolink_words()
        i = 0
        n = len(line)
        while i < n:
            c = line[i]
            if c == "*" and i in bold:
                out.append(bold[i])
                i += 2
                continue
            if (c.isalnum() or c == "_") and (i == 0 or not (line[i - 1].isalnum()
                                                            or line[i - 1] in "_%#:.\\@-/&")):
                m = _MD_NAME_RE.match(line, i)
                if m and self.rewrite_links:
                    # "see BENCHMARKS.md": Doxygen links it to an empty file page; link the page
                    out.append(self._md_name(m.group(0), bool(brackets)))
                    i = m.end()
                    continue
                word = _WORD_RE.match(line, i).group(0)
                if c.isdigit():                   # a number (or "2D"): no struct name
                    out.append(word)
                    i += len(word)
                    continue
                # a plain word that names a struct: Doxygen would link it to the API page
                # (not in a link's text, which Doxygen neither links nor strips of a '%')
                out.append(("%" if word in no_link and not brackets else "") + word)
                i += len(word)
                continue
            if c in "\\@":
                cmd = self._verbatim_cmd(line, i)
                if cmd:
                    name, end = cmd
                    start = i + 1 + len(name)
                    k = line.find(line[i] + end, start)
                    if k == -1:
                        k2 = line.find(("@" if c == "\\" else "\\") + end, start)
                        k = k2
                    if k == -1:
                        out.append(line[i:])
                        return "".join(out), ("verbatim", end)
                    out.append(line[i:k + 1 + len(end)])
                    i = k + 1 + len(end)
                    continue
                if c == "\\" and i + 1 < n:
                    out.append(line[i:i + 2])
                    i += 2
                    continue
                out.append(c)
                i += 1
                continue
            if c == "`":
                run = len(line[i:]) - len(line[i:].lstrip("`"))
                k = _find_backtick_run(line, i + run, run)
                if k == -1:
                    out.append(line[i:i + run])
                    i += run
                else:
                    span = line[i:k + run]
                    name = line[i + run:k].strip()
                    if self.rewrite_links and not brackets and _MD_NAME_RE.fullmatch(name):
                        # `BENCHMARKS.md`: Doxygen links it to the file's empty page; link the page
                        linked = self._md_name(name, False)
                        if linked.startswith("["):
                            span = "[" + span + linked[linked.index("]"):]
                    out.append(span)
                    i = k + run
                continue
            if c == "<":
                if line.startswith("<!--", i):
                    k = line.find("-->", i + 4)
                    if k == -1:
                        out.append(line[i:])
                        return "".join(out), ("comment",)
                    out.append(line[i:k + 3])
                    i = k + 3
                    continue
                m = re.match(r"<(code|pre|tt)\b[^>]*>", line[i:], re.I)
                if m:
                    k = line.lower().find("</%s>" % m.group(1).lower(), i)
                    if k != -1:
                        out.append(line[i:k])
                        i = k
                        continue
                m = re.match(r"</?[A-Za-z][^<>]*>", line[i:])
                if m:                             # a tag or an autolink: copy as is
                    out.append(m.group(0))
                    i += len(m.group(0))
                    continue
                out.append(c)
                i += 1
                continue
            if c == "$":
                if line.startswith("$$", i):
                    k = _find_unescaped(line, "$$", i + 2)
                    if k != -1 and line[i + 2:k].strip():
                        out.append("\\f[" + line[i + 2:k] + "\\f]")
                        i = k + 2
                        continue
                    if k == -1 and may_open_display and not line[i + 2:].strip():
                        out.append("\\f[")         # "text $$" + lines + "$$": display block
                        return "".join(out), ("display",)
                    out.append("$$")
                    i += 2
                    continue
                k = _inline_math_end(line, i)
                if k == -1:
                    out.append("$")
                    i += 1
                    continue
                math = line[i + 1:k]
                if in_table:                      # a '|' would split the table cell
                    math = re.sub(r"\\\|", r"\\Vert ", math)
                    math = re.sub(r"(?<!\\)\|", r"\\vert ", math)
                out.append("\\f$" + math + "\\f$")
                i = k + 1
                continue
            if c == "[":
                brackets.append((len(out), i > 0 and line[i - 1] == "!"))
                out.append(c)
                i += 1
                continue
            if c == "]" and brackets:
                _, is_image = brackets.pop()
                if i + 1 < n and line[i + 1] == "(":
                    parsed = _parse_link_tail(line, i + 1)
                    if parsed:
                        dest, end = parsed
                        new = None
                        if self.rewrite_links and not is_image:
                            new = self._rewrite_dest(dest, lineno)
                        if new is not None:
                            out.append("](" + new + ")")
                        else:
                            out.append(line[i:end])
                        i = end
                        continue
                out.append(c)
                i += 1
                continue
            if c == '"' and escape_quotes:
                if i > 0 and line[i - 1] == "=":          # an attribute of an HTML tag
                    k = line.find('"', i + 1)
                    k = n - 1 if k == -1 else k
                    out.append(line[i:k + 1])
                    i = k + 1
                    continue
                out.append("&quot;")
                i += 1
                continue
            out.append(c)
            i += 1
        return "".join(out), None

    def _md_name(self, name, in_link):
        """A Markdown file named in the prose: a link to its page, or the name
        escaped so that Doxygen does not link it to the file's empty page."""
        for base in (os.path.dirname(self.path), self.site.root):
            full = os.path.realpath(os.path.join(base, name))
            if os.path.isfile(full):
                if not in_link and full != self.path and self.site.in_site(full):
                    return "[%s](%s)" % (name, full)
                break
        return name if in_link else "%" + name

    @staticmethod
    def _verbatim_cmd(line, i):
        rest = line[i + 1:i + 3]
        if line[i] == "\\" or (line[i] == "@" and (i == 0 or not line[i - 1].isalnum())):
            if rest in _VERBATIM_CMDS:
                return rest, _VERBATIM_CMDS[rest]
            m = _WORD_CMD_RE.match(line, i)
            if m and (line[i] == "\\" or i == 0 or not line[i - 1].isalnum()):
                return m.group(1), _VERBATIM_CMDS[m.group(1)]
        return None

    # ------------------------------------------------------------------ links
    def _rewrite_dest(self, dest, lineno):
        """The new link target for `dest`, or None to leave it as written."""
        if not dest or dest.startswith(("/", "@ref", "\\ref", "//")) or _SCHEME_RE.match(dest):
            return None
        path, _, anchor = dest.partition("#")
        site = self.site
        if not path:                                       # [t](#heading) on this page
            if not anchor:
                return None
            target = self
        else:
            full = os.path.normpath(os.path.join(os.path.dirname(self.path),
                                                 urllib.parse.unquote(path)))
            if os.path.isdir(full):
                readme = os.path.join(full, "README.md")
                if os.path.isfile(readme) and site.in_site(readme):
                    full = readme
                else:
                    return self._checkout_link(full, anchor)
            if not os.path.exists(full) and full.endswith(".ko.md") and os.path.isfile(full[:-6] + ".md"):
                full = full[:-6] + ".md"                   # no Korean twin yet: the English page
            elif self.path.endswith(".ko.md") and full.endswith(".md") and not full.endswith(".ko.md") \
                    and not anchor and os.path.isfile(full[:-3] + ".ko.md") \
                    and os.path.realpath(full) != self.path[:-6] + ".md":
                full = full[:-3] + ".ko.md"                # from a Korean page: its Korean twin
            if not os.path.exists(full):
                self.warn(lineno, "link to '%s': no such file" % dest)
                return None
            full = os.path.realpath(full)
            if not site.in_site(full):
                return self._checkout_link(full, anchor)
            if full.endswith(".h"):
                return "@ref " + site.rel(full)
            if not anchor:
                return full
            target = self if full == self.path else site.doc(full)
        # a heading of a page in the site
        anchors = target.known_anchors if target is self else target.anchors
        anchor = urllib.parse.unquote(anchor)
        label, _level = anchors.get(anchor.lower(), (False, None))
        if label is False:
            self.warn(lineno, "link to '#%s': %s has no heading with that anchor"
                      % (anchor, site.rel(target.path)))
        if label:
            return "@ref " + label
        return target.path                                 # the page itself

    def _checkout_link(self, full, anchor):
        """A link to a file of the checkout that is not in the site, from build/docs/html."""
        if os.path.relpath(full, self.site.root).startswith(".."):
            return None                                    # outside the repository
        rel = os.path.relpath(full, self.site.html_dir).replace(os.sep, "/")
        if os.path.isdir(full):
            rel += "/"
        href = urllib.parse.quote(rel, safe="/-._~")
        # a trailing '#' stops Doxygen from taking a .md target for a page it must find
        return href + "#" + anchor if anchor or href.endswith(".md") else href


def _plain_heading(line, no_link=()):
    """A heading as Doxygen can show it: Doxygen prints a heading as plain text,
    so a code span would show as "<tt>x</tt>" and bold as "**x**": keep the words.
    A word of `no_link` gets a '%', or Doxygen links it to an API page (only the
    page title needs it: Doxygen neither links the words of a section heading
    nor takes a '%' out of it)."""
    out = []
    i = 0
    while i < len(line):
        if (line[i].isalpha() or line[i] == "_") and (i == 0 or not (line[i - 1].isalnum()
                                                                    or line[i - 1] in "_%#:.\\@-/&")):
            word = _WORD_RE.match(line, i).group(0)
            out.append(("%" if word in no_link else "") + word)
            i += len(word)
            continue
        if line[i] == "$":                        # math stays as written
            k = _inline_math_end(line, i)
            if k != -1:
                out.append(line[i:k + 1])
                i = k + 1
                continue
        if line[i] == "`":
            run = len(line[i:]) - len(line[i:].lstrip("`"))
            k = _find_backtick_run(line, i + run, run)
            if k != -1:
                code = line[i + run:k].strip()
                # "= instead of +=" reads better as "“=” instead of “+=”"
                out.append(code if any(c.isalnum() for c in code) else "“%s”" % code)
                i = k + run
                continue
            i += run
            continue
        if line.startswith("**", i) or line.startswith("__", i):
            i += 2
            continue
        out.append(line[i])
        i += 1
    return "".join(out)


def _bold_marks(line):
    """{index: "<b>" or "</b>"} for the "**" pairs of `line` outside code spans.
    Doxygen 1.9 leaves "**" as it is when a code span or a quote follows it."""
    marks = {}
    opened = None
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c == "\\":
            i += 2
            continue
        if c == "`":
            run = len(line[i:]) - len(line[i:].lstrip("`"))
            k = _find_backtick_run(line, i + run, run)
            i = i + run if k == -1 else k + run
            continue
        if c == "*":
            run = len(line[i:]) - len(line[i:].lstrip("*"))
            if run == 2:
                if opened is None:
                    if i + 2 < n and not line[i + 2].isspace():
                        opened = i
                elif not line[i - 1].isspace():
                    marks[opened] = "<b>"
                    marks[i] = "</b>"
                    opened = None
            i += run
            continue
        i += 1
    return marks


_WORD_RE = re.compile(r"\w+")
_MD_NAME_RE = re.compile(r"[A-Za-z0-9_][\w./-]*\.md(?![\w/-])")
_DETAILS_OPEN_RE = re.compile(r"^(\s*)(<details>\s*(?:<summary>.*</summary>)?|<summary>.*</summary>)\s*$")
_DETAILS_CLOSE_RE = re.compile(r"^(\s*)</details>\s*$")


def _escape_title_math(line):
    r"""Doxygen parses a page title for commands and warns about \alpha in
    "$\alpha$": double each backslash inside $...$ of the title line."""
    out = []
    i = 0
    while i < len(line):
        k = _inline_math_end(line, i) if line[i] == "$" else -1
        if k == -1:
            out.append(line[i])
            i += 1
            continue
        out.append(re.sub(r"\\", r"\\\\", line[i:k + 1]))
        i = k + 1
    return "".join(out)


def _is_heading_line(lines, i):
    return bool(_ATX_RE.match(lines[i])) or _SETEXT_RE.match(lines[i]) is not None


def _find_unescaped(line, s, start):
    i = start
    while True:
        k = line.find(s, i)
        if k == -1:
            return -1
        b = 0
        while k - b - 1 >= 0 and line[k - b - 1] == "\\":
            b += 1
        if b % 2 == 0:
            return k
        i = k + 1


def _find_backtick_run(line, start, run):
    i = start
    n = len(line)
    while i < n:
        if line[i] == "`":
            j = i
            while j < n and line[j] == "`":
                j += 1
            if j - i == run:
                return i
            i = j
        else:
            i += 1
    return -1


def _inline_math_end(line, i):
    """For a '$' at i: the index of the '$' that closes inline math, or -1 (not math)."""
    n = len(line)
    if i + 1 >= n or line[i + 1].isspace() or line[i + 1] == "$":
        return -1
    j = i + 1
    while j < n:
        c = line[j]
        if c == "\\":
            j += 2
            continue
        if c == "`":
            return -1          # "$5 in `x$`": a code span cannot be inside math
        if c == "$":
            if line[j - 1].isspace():
                return -1      # "$5 and $": the second '$' cannot close; no math here
            if j + 1 < n and line[j + 1].isdigit():
                return -1
            return j
        j += 1
    return -1


def _parse_link_tail(line, i):
    """At '(' after ']': (destination, index past ')') or None."""
    n = len(line)
    j = i + 1
    while j < n and line[j] in " \t":
        j += 1
    if j < n and line[j] == "<":
        k = line.find(">", j)
        if k == -1:
            return None
        dest = line[j + 1:k]
        j = k + 1
    else:
        depth = 0
        start = j
        while j < n:
            c = line[j]
            if c == "\\":
                j += 2
                continue
            if c == "(":
                depth += 1
            elif c == ")":
                if depth == 0:
                    break
                depth -= 1
            elif c in " \t":
                break
            j += 1
        dest = line[start:j]
    while j < n and line[j] in " \t":
        j += 1
    if j < n and line[j] in "\"'(":                      # a title
        close = ")" if line[j] == "(" else line[j]
        k = line.find(close, j + 1)
        if k == -1:
            return None
        j = k + 1
        while j < n and line[j] in " \t":
            j += 1
    if j >= n or line[j] != ")":
        return None
    return dest, j + 1


# ---------------------------------------------------------------- navigation
# The filter writes the site's navigation, so that no note needs a hand edit:
# a link to the page in the other language under each title, previous/next
# and "back to the lesson" links under each note, the previous and next
# lessons under each lesson's README, and, hidden, the \subpage commands that
# nest each lesson's Korean README and its notes under the lesson in the sidebar.

_LANG_LINK_RE = re.compile(r"^\s*\[(?:한국어|English)\]\(([^)\s]+)\)\s*$")
# How far from the top a hand-written link to the other language may stand.
_LANG_LINK_LINES = 5


def _twin_of(rel):
    """The other-language twin's path of `rel` (X.md <-> X.ko.md), existing or not."""
    return rel[:-6] + ".md" if rel.endswith(".ko.md") else rel[:-3] + ".ko.md"


def page_name(rel):
    """Doxygen's name of the page made from the Markdown file `rel` (relative to the root)."""
    return "md_" + re.sub(r"[^A-Za-z0-9]", "_", re.sub(r"\.md$", "", rel))


class Course:
    """The course's pages in reading order, from the files themselves and tools/lessons.tsv."""

    def __init__(self, root):
        self.root = root
        self._titles = {}
        try:
            sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
            import lessons as lesson_list  # tools/lessons.py
            self.lessons = [(folder, title) for _, folder, title in lesson_list.load(root)]
        except OSError:
            self.lessons = []
        self.korean_titles = {}
        try:
            with open(os.path.join(root, "tools", "lessons.tsv"), encoding="utf-8") as f:
                for line in f:
                    parts = line.rstrip("\n").split("\t")
                    if not line.startswith("#") and len(parts) >= 4 and parts[3].strip():
                        self.korean_titles[parts[1]] = parts[3].strip()
        except OSError:
            pass

    def exists(self, rel):
        return os.path.isfile(os.path.join(self.root, rel))

    def lesson_title(self, folder, korean=False):
        for f, title in self.lessons:
            if f == folder:
                return self.korean_titles.get(folder, title) if korean else title
        return folder

    def _notes_in(self, folder):
        d = os.path.join(self.root, folder)
        try:
            names = os.listdir(d)
        except OSError:
            return []
        return sorted(n for n in names if n.endswith(".md") and not n.endswith(".ko.md")
                      and os.path.isfile(os.path.join(d, n)))

    def lesson_notes(self, folder):
        """A lesson's notes: its study_notes/README.md, then the notes by file name."""
        names = self._notes_in(folder + "/study_notes")
        first = ["README.md"] if "README.md" in names else []
        return [folder + "/study_notes/" + n for n in first + [n for n in names if n != "README.md"]]

    def course_notes(self):
        """study_notes/*.md but its README, in the order its README links them."""
        names = [n for n in self._notes_in("study_notes") if n != "README.md"]
        order = []
        try:
            with open(os.path.join(self.root, "study_notes", "README.md"), encoding="utf-8") as f:
                for m in re.finditer(r"\]\(([A-Za-z0-9_.-]+\.md)\)", f.read()):
                    if m.group(1) in names and m.group(1) not in order:
                        order.append(m.group(1))
        except OSError:
            pass
        return ["study_notes/" + n for n in order + [n for n in names if n not in order]]

    def first_notes(self):
        """The course notes the site shows first, right after the front page."""
        return [r for r in ("study_notes/roadmap.md", "study_notes/how_to_work_a_lesson.md")
                if self.exists(r)]

    def with_twins(self, rels):
        out = []
        for r in rels:
            out.append(r)
            if self.exists(_twin_of(r)):
                out.append(_twin_of(r))
        return out

    def inputs(self):
        """What Doxygen reads, in the order the sidebar lists it (tools/build_docs.sh)."""
        out = [r for r in ("README.md", "README.ko.md") if self.exists(r)]
        out += self.with_twins(self.first_notes())
        if os.path.isdir(os.path.join(self.root, "common")):
            out.append("common")
        for folder, _ in self.lessons:
            out.append(folder)
        import glob
        for d in sorted(glob.glob(os.path.join(self.root, "day*")) + glob.glob(os.path.join(self.root, "week*"))):
            name = os.path.basename(d)
            if os.path.isdir(d) and name not in out:
                out.append(name)
        rest = [r for r in self.with_twins(["study_notes/README.md"] + self.course_notes())
                if r not in out and self.exists(r)]
        out += rest
        if os.path.isdir(os.path.join(self.root, "docs")):
            out.append("docs")
        out += [r for r in ("BENCHMARKS.md", "RELIABILITY.md") if self.exists(r)]
        return out

    def title(self, rel):
        """The title of the page `rel`: its first heading, as plain text."""
        if rel not in self._titles:
            title = os.path.basename(rel)
            try:
                with open(os.path.join(self.root, rel), encoding="utf-8") as f:
                    for line in f:
                        if not line.strip() or _LANG_LINK_RE.match(line):
                            continue
                        m = _ATX_RE.match(line)
                        if m and m.group(3):
                            title = _TITLE_ID_RE.sub("", m.group(3)).replace("`", "").strip()
                        break
            except OSError:
                pass
            self._titles[rel] = title
        return self._titles[rel]

    def link(self, rel, korean, here):
        """A Markdown link from the page `here` to `rel` (its Korean twin on a Korean page)."""
        if korean and not rel.endswith(".ko.md") and self.exists(_twin_of(rel)):
            rel = _twin_of(rel)
        href = os.path.relpath(rel, os.path.dirname(here) or ".").replace(os.sep, "/")
        return "[%s](%s)" % (self.title(rel).replace("[", "(").replace("]", ")"), href)

    def navigation(self, rel):
        """(top, bottom, children) for the page `rel`: a line under the title (or None),
        text to append at the end, and the pages to nest under it in the sidebar."""
        korean = rel.endswith(".ko.md")
        english = _twin_of(rel) if korean else rel
        folder, _, name = english.partition("/")
        twin = _twin_of(rel)
        lang = None
        if self.exists(twin):
            lang = "[%s](%s)" % ("English" if korean else "한국어", os.path.basename(twin))
        top = '<div class="llmlab-lang">%s</div>' % lang if lang else None
        links = []
        children = []
        words = {"prev": "이전" if korean else "Previous", "next": "다음" if korean else "Next"}

        def seq_links(seq, back, back_text, back_title=None):
            if english not in seq:
                return
            i = seq.index(english)
            if i > 0:
                links.append("← %s: %s" % (words["prev"], self.link(seq[i - 1], korean, rel)))
            if back:
                link = self.link(back, korean, rel)
                if back_title:
                    link = "[%s](%s)" % (back_title, link.rsplit("](", 1)[1][:-1])
                links.append("↑ %s: %s" % (back_text, link) if back_text else "↑ " + link)
            if i + 1 < len(seq):
                links.append("%s: %s →" % (words["next"], self.link(seq[i + 1], korean, rel)))

        lesson_folders = [f for f, _ in self.lessons]
        if english == "README.md":
            pass
        elif folder in lesson_folders and name == "README.md":
            i = lesson_folders.index(folder)
            if i > 0:
                prev = lesson_folders[i - 1]
                links.append("← %s: [%s](../%s/%s)" % (words["prev"], self.lesson_title(prev, korean),
                                                       prev, os.path.basename(rel)))
            if self.exists("README.md"):
                links.append("↑ [%s](../%s)" % ("과정 전체" if korean else "The course",
                                                "README.ko.md" if korean else "README.md"))
            if i + 1 < len(lesson_folders):
                nxt = lesson_folders[i + 1]
                links.append("%s: [%s](../%s/%s) →" % (words["next"], self.lesson_title(nxt, korean),
                                                       nxt, os.path.basename(rel)))
            if not korean:
                children = self.with_twins([english])[1:] + self.with_twins(self.lesson_notes(folder))
        elif folder in lesson_folders and name.startswith("study_notes/") and name.count("/") == 1:
            seq_links(self.lesson_notes(folder), folder + "/README.md",
                      "레슨으로 돌아가기" if korean else "Back to the lesson",
                      self.lesson_title(folder, korean))
        elif english == "study_notes/README.md":
            seq_links([english] + self.course_notes(), "README.md",
                      "과정 전체" if korean else "The course")
        elif folder == "study_notes" and "/" not in name:
            seq_links(self.course_notes(), "study_notes/README.md", None)
        if english == "study_notes/README.md" and not korean:
            children = [r for r in self.with_twins([english])[1:] +
                        self.with_twins([n for n in self.course_notes() if n not in self.first_notes()])]
        if lang:
            links.append(lang)
        bottom = ""
        if links:
            bottom = "\n\n---\n\n<div class=\"llmlab-nav\">" + " · ".join(links) + "</div>\n"
        return top, bottom, children


def _place_navigation(text, rel, course):
    """`text` with hand-written language links near the top taken out, the generated
    one under the title, and the bottom navigation and hidden subpages appended."""
    top, bottom, children = course.navigation(rel)
    lines = text.split("\n")
    title = -1
    removed = []
    for i, line in enumerate(lines[:_LANG_LINK_LINES + 1]):
        if _LANG_LINK_RE.match(line):
            lines[i] = ""
            removed.append(i)
        elif title == -1 and line.strip():
            m = _ATX_RE.match(line)
            if not m or len(m.group(2)) != 1:
                break
            title = i
    if top and title != -1:
        spot = next((i for i in removed if i > title), None)
        if spot is None and title + 2 < len(lines) and not lines[title + 1].strip():
            after = lines[title + 2]
            if not after.strip() or not _LIST_OR_BLOCK_RE.match(after) or after.lstrip().startswith("#"):
                spot = title + 1
        if spot is not None:
            lines[spot] = top
    text = "\n".join(lines)
    if children:
        bottom += ('\n<div class="llmlab-subpages">\n' +
                   "\n".join("@subpage %s" % page_name(c) for c in children) + "\n</div>\n")
    if bottom and not text.endswith("\n"):
        text += "\n"
    return text + bottom


def filter_text(text, path, site=None):
    """Filter the Markdown `text` of the file `path`: returns (new text, warnings)."""
    site = site or Site()
    rel = os.path.relpath(os.path.realpath(path), site.root).replace(os.sep, "/")
    if not rel.startswith("../"):
        text = _place_navigation(text, rel, Course(site.root))
    doc = MarkdownFile(path, text, site)
    return doc.convert(), doc.warnings


def main(argv):
    if len(argv) == 2 and argv[1] == "--inputs":
        print(" ".join(Course(repo_root()).inputs()))
        return 0
    if len(argv) != 2:
        sys.stderr.write("usage: doxygen_md_filter.py FILE.md  (writes the filtered file to stdout)\n"
                         "       doxygen_md_filter.py --inputs  (what Doxygen reads, in order)\n")
        return 2
    path = argv[1]
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        text = f.read()
    try:
        result, warnings = filter_text(text, path)
    except Exception:                  # never lose the page: print it unfiltered, say why
        result, warnings = text, ["%s:1: warning: doxygen_md_filter.py failed, file not filtered:\n%s"
                                  % (os.path.realpath(path), traceback.format_exc())]
    out = sys.stdout.buffer
    out.write(result.encode("utf-8", errors="surrogateescape"))
    out.flush()
    for w in warnings:
        sys.stderr.write(w + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
