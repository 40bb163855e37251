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
