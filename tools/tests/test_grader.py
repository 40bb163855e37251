"""The grader against the ways a learner's file can go wrong.

Each case writes a variant of the Day 1 skeleton or reference into a scratch
folder and grades it as if it were the learner's (grade.py --pristine DIR
grades the files found in DIR). Needs LLMLAB_GRADE, set by `make test-tools`.
"""
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import unittest

from tools import grade

ROOT = grade.ROOT
GRADE = os.environ.get("LLMLAB_GRADE")
with open(os.path.join(ROOT, "solutions/day01_autograd/value.c"), encoding="utf-8") as _f:
    REFERENCE = _f.read()


@unittest.skipUnless(GRADE, "run through `make test-tools`, which passes the grader command")
class GraderRobustness(unittest.TestCase):
    def grade_variant(self, text):
        d = tempfile.mkdtemp()
        try:
            os.makedirs(os.path.join(d, "day01_autograd"))
            with open(os.path.join(d, "day01_autograd", "value.c"), "w") as f:
                f.write(text)
            p = subprocess.run(shlex.split(GRADE) + ["--pristine", d, "day1"], cwd=ROOT,
                               capture_output=True, text=True, timeout=300)
            m = re.search(r"Day 1 · Autograd  (\d+)/(\d+)", p.stdout)
            self.assertIsNotNone(m, p.stdout + p.stderr)
            return int(m.group(1)), int(m.group(2)), p.stdout
        finally:
            shutil.rmtree(d)

    def test_reference_passes_everything(self):
        passed, total, _ = self.grade_variant(REFERENCE)
        self.assertEqual(passed, total)
        self.assertGreater(total, 10)

    def test_assignment_instead_of_accumulation(self):
        bad = REFERENCE.replace("out->in[0]->grad += out->grad;\n    out->in[1]", "out->in[0]->grad = out->grad;\n    out->in[1]")
        self.assertNotEqual(bad, REFERENCE)
        passed, total, out = self.grade_variant(bad)
        self.assertLess(passed, total)
        self.assertIn("FAILED      add/accumulates", out)
        self.assertIn("hint: use +=", out)

    def test_crash_is_one_failure(self):
        # a classic slip: reading the second input of a unary op, which is NULL
        bad = REFERENCE.replace("    double t = out->data;\n", "    double t = out->in[1]->data;\n")
        passed, total, out = self.grade_variant(bad)
        self.assertIn("CRASHED     tanh/forward_and_backward", out)
        self.assertGreater(passed, 10)  # the rest still ran

    def test_endless_loop_times_out(self):
        bad = REFERENCE.replace("    return value_node(ar, VALUE_EXP, exp(a->data), a, NULL);",
                                "    for (volatile int spin = 1; spin;) {}\n    return NULL;")
        passed, total, out = self.grade_variant(bad)
        self.assertIn("TIMED OUT   exp/forward_and_backward", out)

    def test_stray_main_counts_zero(self):
        passed, total, out = self.grade_variant(REFERENCE + "\nint main(void) { return 0; }\n")
        self.assertEqual(passed, 0)
        self.assertIn("defines main()", out)

    def test_exit_zero_is_not_a_pass(self):
        bad = REFERENCE.replace("    return value_node(ar, VALUE_LOG, log(a->data), a, NULL);",
                                "    exit(0);")
        bad = bad.replace('#include <math.h>', '#include <math.h>\n#include <stdlib.h>')
        passed, total, out = self.grade_variant(bad)
        self.assertIn("ended before checking anything", out)
        self.assertLess(passed, total)

    def test_missing_function_and_global_helper_are_named(self):
        no_neg = re.sub(r"Value \*value_neg\(.*?\n}\n", "", REFERENCE, flags=re.S)
        passed, total, out = self.grade_variant(no_neg.replace("value_neg(ar, b)", "value_mul(ar, b, value_new(ar, -1, NULL))"))
        self.assertEqual(passed, 0)
        self.assertIn("lost value_neg", out)
        passed, total, out = self.grade_variant(REFERENCE + "\nint my_helper(int x) { return x; }\n")
        self.assertIn("defines my_helper", out)
        self.assertIn("static", out)


class XmlParsing(unittest.TestCase):
    def test_messages_and_kinds(self):
        xml = """<?xml version="1.0"?><testsuites><testsuite name="s">
<testcase name="a" assertions="1" status="PASSED"></testcase>
<testcase name="b" assertions="1" status="FAILED"><failure type="assert" message="1 assertion(s) failed."><![CDATA[t.c:6: expected "1" <got> & 2]]>&#10;  hint: x&#10;</failure></testcase>
<testcase name="c" assertions="0" status="ERRORED"><error type="timeout" message="The test timed out." /></testcase>
</testsuite></testsuites>"""
        with tempfile.NamedTemporaryFile("w", suffix=".xml", delete=False) as f:
            f.write(xml)
        try:
            r = grade.parse_xml(f.name)
        finally:
            os.remove(f.name)
        self.assertEqual(r[("s", "a")][0], "PASSED")
        self.assertEqual(r[("s", "c")][0], "TIMEOUT")
        self.assertEqual(grade.clean_message(r[("s", "b")][2]), ['expected "1" <got> & 2', "hint: x"])


if __name__ == "__main__":
    unittest.main()
