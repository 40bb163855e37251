"""The Markdown filter that lets Doxygen render the course's $...$ math."""
import unittest

from tools.doxygen_md_filter import filter_text


def convert(text):
    out, warnings = filter_text(text, "study_notes/example.md")
    return out, warnings


class MathFilter(unittest.TestCase):
    def test_inline_and_display_math(self):
        out, warnings = convert("# T\n\nSlope $f'(x) = 2x$ here.\n\n$$\n\\frac{a}{b}\n$$\n")
        self.assertIn("\\f$f'(x) = 2x\\f$", out)
        self.assertIn("\\f[", out)
        self.assertIn("\\f]", out)
        self.assertEqual(warnings, [])

    def test_code_and_prices_are_left_alone(self):
        text = "# T\n\nIt costs $5 and $6 more.\n\n```c\nprintf(\"$x$\");\n```\n\nUse `$a$` literally.\n"
        out, _ = convert(text)
        self.assertNotIn("\\f$", out)
        self.assertIn('printf("$x$");', out)

    def test_line_numbers_are_kept(self):
        text = "# T\n\n$$\na + b\n$$\nlast line\n"
        out, _ = convert(text)
        self.assertEqual(out.count("\n"), text.count("\n"))

    def test_unclosed_display_math_warns(self):
        _, warnings = convert("# T\n\n$$\na + b\n")
        self.assertTrue(any("warning" in w for w in warnings), warnings)


class Links(unittest.TestCase):
    def test_a_link_to_a_missing_file_warns(self):
        _, warnings = convert("# T\n\nSee [the notes](no_such_note.md) and [x](../missing.h).\n")
        self.assertEqual(len(warnings), 2, warnings)
        self.assertIn("no such file", warnings[0])


if __name__ == "__main__":
    unittest.main()


import os
import shutil
import tempfile

from tools import check_docs_html
from tools.doxygen_md_filter import Course, Site, page_name


class Rendering(unittest.TestCase):
    """What Doxygen 1.9 would show wrongly, written so that it shows right."""

    def test_a_heading_keeps_its_words_not_its_code_marks(self):
        out, _ = convert("# T\n\n## Step 1: `gemm_ikj`, **fast**\n\n## The bug: `=` instead of `+=`\n")
        lines = out.split("\n")
        self.assertTrue(lines[2].startswith("## Step 1: gemm_ikj, fast {#"), lines[2])
        self.assertTrue(lines[4].startswith("## The bug: “=” instead of “+=” {#"), lines[4])

    def test_bold_around_code_becomes_html(self):
        out, _ = convert("# T\n\n**`value_node` is public.** And **plain** bold, `a ** b` code.\n")
        self.assertIn("<b>`value_node` is public.</b> And <b>plain</b> bold, `a ** b` code.", out)

    def test_details_pass_through_as_html(self):
        text = ("# T\n\n1. Why?\n   <details><summary>Answer</summary>\n\n   Because $x$.\n\n"
                "   </details>\n")
        out, _ = convert(text)
        self.assertIn("   \\htmlonly<details><summary>Answer</summary>\\endhtmlonly\n", out)
        self.assertIn("   \\htmlonly</details>\\endhtmlonly", out)
        self.assertIn("Because \\f$x\\f$.", out)
        self.assertEqual(out.count("\n"), text.count("\n"))


class Course_(unittest.TestCase):
    """Navigation and plain words, in a small course in a temporary folder."""

    FILES = {
        "tools/lessons.tsv": "day1\tday01_x\tDay 1 · X\tDay 1 · 엑스\nday2\tday02_y\tDay 2 · Y\n",
        "day01_x/README.md": "# Day 1 · X: long title\n\n[한국어](README.ko.md)\n\nAn MLP and a `MLP`.\n",
        "day01_x/README.ko.md": "[English](README.md)\n\n# Day 1 · 엑스\n\n본문.\n",
        "day01_x/mlp.h": "/** @file */\ntypedef struct {\n    int n;\n} MLP;\n",
        "day01_x/study_notes/README.md": "# Notes\n\nIndex.\n",
        "day01_x/study_notes/01_a.md": "[한국어](01_a.ko.md)\n\n# Note `A`\n\nText.\n",
        "day01_x/study_notes/01_a.ko.md": "[English](01_a.md)\n\n# 노트 A\n\n본문은 [B](02_b.md)로.\n",
        "day01_x/study_notes/02_b.md": "# Note B\n\nSee 01_a.md, `01_a.md` and hints.md.\n",
        "day02_y/README.md": "# Day 2 · Y\n\nText.\n",
    }

    def setUp(self):
        self.root = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.root)
        for rel, text in self.FILES.items():
            path = os.path.join(self.root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        self.site = Site(root=self.root, inputs=["day01_x", "day02_y"])

    def filtered(self, rel):
        from tools.doxygen_md_filter import filter_text
        with open(os.path.join(self.root, rel), encoding="utf-8") as f:
            text = f.read()
        out, warnings = filter_text(text, os.path.join(self.root, rel), self.site)
        self.assertEqual(warnings, [])
        return out

    def test_a_note_links_to_its_neighbours_its_lesson_and_its_twin(self):
        out = self.filtered("day01_x/study_notes/01_a.md")
        lines = out.split("\n")
        self.assertEqual(lines[0], "")                      # the hand-written link is taken out
        self.assertTrue(lines[2].startswith("# Note A"))    # the title, without its backticks
        self.assertIn('<div class="llmlab-lang">[한국어](', lines[3])
        nav = lines[-2]
        self.assertIn("← Previous: [Notes]", nav)
        self.assertIn("↑ Back to the lesson: [Day 1 · X]", nav)
        self.assertIn("Next: [Note B]", nav)

    def test_a_korean_note_links_to_korean_pages(self):
        out = self.filtered("day01_x/study_notes/01_a.ko.md")
        self.assertIn("레슨으로 돌아가기: [Day 1 · 엑스](%s/day01_x/README.ko.md)" % os.path.realpath(self.root), out)
        self.assertIn("[English](%s/day01_x/study_notes/01_a.md)" % os.path.realpath(self.root), out)

    def test_a_lesson_nests_its_pages_and_links_the_next_lesson(self):
        out = self.filtered("day01_x/README.md")
        self.assertIn("Next: [Day 2 · Y]", out)
        subpages = [l.split()[1] for l in out.split("\n") if l.startswith("@subpage ")]
        self.assertEqual(subpages, [page_name(r) for r in (
            "day01_x/README.ko.md", "day01_x/study_notes/README.md", "day01_x/study_notes/01_a.md",
            "day01_x/study_notes/01_a.ko.md", "day01_x/study_notes/02_b.md")])

    def test_a_plain_struct_name_is_not_linked(self):
        out = self.filtered("day01_x/README.md")
        self.assertIn("An %MLP and a `MLP`.", out)

    def test_a_markdown_file_named_in_the_prose_links_its_page(self):
        out = self.filtered("day01_x/study_notes/02_b.md")
        target = os.path.realpath(os.path.join(self.root, "day01_x/study_notes/01_a.md"))
        self.assertIn("See [01_a.md](%s), [`01_a.md`](%s) and %%hints.md." % (target, target), out)

    def test_the_site_order(self):
        course = Course(self.root)
        self.assertEqual(course.inputs(), ["day01_x", "day02_y"])
        self.assertEqual(course.lesson_notes("day01_x"), [
            "day01_x/study_notes/README.md", "day01_x/study_notes/01_a.md", "day01_x/study_notes/02_b.md"])


class GeneratedPages(unittest.TestCase):
    """tools/check_docs_html.py finds what Doxygen left unrendered."""

    def finds(self, html, name="md_x.html"):
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        with open(os.path.join(d, name), "w", encoding="utf-8") as f:
            f.write(html)
        return check_docs_html.check_site(d).get(name, [])

    def test_clean_page(self):
        self.assertEqual(self.finds('<h2>Step 1: gemm</h2><p><b>x</b> <code>a ** b</code> '
                                    '<code><a class="el" href="structMLP.html">MLP</a></code></p>'), [])

    def test_artifacts(self):
        found = self.finds('<div class="title">Step: &lt;tt&gt;gemm&lt;/tt&gt;</div>'
                           '<p>**<code>value_node</code> is public.** \\f$x\\f$ [a](b.md)</p>'
                           '<p>an <a class="el" href="structMLP.html">MLP</a></p>'
                           '<details>\n<summary>Answer</summary></details>')
        text = "\n".join(found)
        for what in ("in a heading", "'**'", "'\\f$'", "'](", "API page", "empty <details>"):
            self.assertIn(what, text)

    def test_api_pages_may_show_c(self):
        self.assertEqual(self.finds("<p>float **out</p>", name="nn_8h.html"), [])
