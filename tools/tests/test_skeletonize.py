"""The skeletoniser: derivation rules and its refusal to lose a learner's work."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from tools import skeletonize as sk

REF = """#include "todo.h"

/* BEGIN SOLUTION */
static int helper(int x) { return 2 * x; }
/* END SOLUTION */

int twice(int x) {
    /* TODO(day0): return two times x. */
    /* BEGIN SOLUTION */
    return helper(x);
    /* END SOLUTION */
}
"""


class Derive(unittest.TestCase):
    def test_fence_becomes_stub_and_toplevel_fence_vanishes(self):
        out = sk.derive(REF)
        self.assertIn("    /* TODO(day0): return two times x. */\n    TODO_UNIMPLEMENTED();\n}", out)
        self.assertNotIn("helper", out)
        self.assertNotIn("SOLUTION", out)
        self.assertNotIn("\n\n\n", out)

    def test_errors_name_the_line(self):
        cases = {
            "    /* TODO(x): y */\n    /* BEGIN SOLUTION */\n": "never closed",
            "    /* END SOLUTION */\n": "without BEGIN",
            "int f(void) {\n    /* BEGIN SOLUTION */\n    /* END SOLUTION */\n}\n": "TODO",
            "    /* TODO(x): y */\n    /* BEGIN SOLUTION */ return 1;\n": "alone on its line",
        }
        for text, words in cases.items():
            with self.assertRaises(sk.FenceError) as ctx:
                sk.derive(text, "f.c")
            self.assertIn(words, str(ctx.exception))
            self.assertIn("f.c:", str(ctx.exception))


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


class WriteNeverLosesWork(unittest.TestCase):
    """Run `write` on a copy of a tiny course tree."""

    def setUp(self):
        self.root = tempfile.mkdtemp()
        os.makedirs(os.path.join(self.root, "tools"))
        os.makedirs(os.path.join(self.root, "solutions", "day0"))
        os.makedirs(os.path.join(self.root, "day0"))
        shutil.copy(sk.__file__, os.path.join(self.root, "tools", "skeletonize.py"))
        with open(os.path.join(self.root, "solutions", "day0", "f.c"), "w") as f:
            f.write(REF)

    def tearDown(self):
        shutil.rmtree(self.root)

    def run_tool(self, *args):
        return subprocess.run([sys.executable, os.path.join(self.root, "tools", "skeletonize.py"), *args],
                              capture_output=True, text=True)

    def test_write_check_and_refusal(self):
        self.assertEqual(self.run_tool("write").returncode, 0)
        skel = os.path.join(self.root, "day0", "f.c")
        self.assertIn("TODO_UNIMPLEMENTED();", read(skel))
        self.assertEqual(self.run_tool("check").returncode, 0)
        # the learner edits the skeleton; the developer then changes the reference
        with open(skel, "a") as f:
            f.write("/* my work */\n")
        with open(os.path.join(self.root, "solutions", "day0", "f.c"), "a") as f:
            f.write("/* new */\n")
        p = self.run_tool("write")
        self.assertEqual(p.returncode, 1)
        self.assertIn("not overwritten", p.stderr)
        self.assertIn("/* my work */", read(skel))
        self.assertEqual(self.run_tool("check").returncode, 1)  # drift is reported


if __name__ == "__main__":
    unittest.main()
