"""C snippets in the Markdown that claim to be complete files (they #include) compile."""
import os
import tempfile
import unittest

from tools import check_snippets


class Snippets(unittest.TestCase):
    def test_every_complete_snippet_compiles(self):
        self.assertEqual(check_snippets.compile_errors(), [])

    def test_a_broken_snippet_is_caught(self):
        with tempfile.TemporaryDirectory(dir=check_snippets.ROOT) as d:
            with open(os.path.join(d, "t.md"), "w") as f:
                f.write("# T\n\n```c\n#include <stdio.h>\nint main(void) { return undefined_name; }\n```\n")
            errors = check_snippets.compile_errors()
        self.assertEqual(len(errors), 1)
        self.assertIn("t.md:3", errors[0])  # the opening fence


if __name__ == "__main__":
    unittest.main()
