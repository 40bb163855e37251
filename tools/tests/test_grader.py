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


def grade_file(text, rel="day01_autograd/value.c", lesson="day1", env=None):
    """Grade `text` as the learner's `rel` (bytes are written as they are); (passed, total, output)."""
    d = tempfile.mkdtemp()
    try:
        os.makedirs(os.path.join(d, os.path.dirname(rel)))
        with open(os.path.join(d, rel), "wb") as f:
            f.write(text if isinstance(text, bytes) else text.encode())
        p = subprocess.run(shlex.split(GRADE) + ["--pristine", d, lesson], cwd=ROOT, capture_output=True,
                           text=True, errors="replace", timeout=300, env=dict(os.environ, **(env or {})))
        m = re.search(r"  (\d+)/(\d+)  \(", p.stdout)
        if m is None:
            raise AssertionError("no total line in:\n" + p.stdout + p.stderr)
        return int(m.group(1)), int(m.group(2)), p.stdout + p.stderr
    finally:
        shutil.rmtree(d)


@unittest.skipUnless(GRADE, "run through `make test-tools`, which passes the grader command")
class GraderRobustness(unittest.TestCase):
    def grade_variant(self, text, **kw):
        return grade_file(text, **kw)

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
        self.assertIn("your code called exit(0)", out)
        self.assertLess(passed, total)

    def test_missing_function_and_global_helper_are_named(self):
        no_neg = re.sub(r"Value \*value_neg\(.*?\n}\n", "", REFERENCE, flags=re.S)
        passed, total, out = self.grade_variant(no_neg.replace("value_neg(ar, b)", "value_mul(ar, b, value_new(ar, -1, NULL))"))
        self.assertEqual(passed, 0)
        self.assertIn("lost value_neg", out)
        passed, total, out = self.grade_variant(REFERENCE + "\nint my_helper(int x) { return x; }\n")
        self.assertIn("defines my_helper", out)
        self.assertIn("static", out)


@unittest.skipUnless(GRADE, "run through `make test-tools`, which passes the grader command")
class LearnerMistakes(unittest.TestCase):
    """What the grader says when learner code misbehaves in ways that are not a wrong number."""

    def test_exit_one_is_named(self):
        bad = REFERENCE.replace("    return value_node(ar, VALUE_LOG, log(a->data), a, NULL);", "    exit(1);")
        bad = bad.replace('#include <math.h>', '#include <math.h>\n#include <stdlib.h>')
        self.assertNotEqual(bad, REFERENCE)
        passed, total, out = grade_file(bad)
        self.assertIn("your code called exit(1)", out)

    def test_endless_printing_is_capped(self):
        # two million lines of printf debugging: the grader keeps a bounded part
        bad = REFERENCE.replace("#include <math.h>", "#include <math.h>\n#include <stdio.h>").replace(
            "    return value_node(ar, VALUE_EXP, exp(a->data), a, NULL);",
            "    for (int i = 0; i < 2000000; i++) printf(\"debug %d\\n\", i);\n    return NULL;")
        passed, total, out = grade_file(bad)
        self.assertIn("more bytes not kept", out)
        self.assertLess(len(out), 400000)

    def test_non_utf8_comment_and_warning(self):
        # an EUC-KR comment on a line the compiler quotes in a warning
        bad = REFERENCE.encode().replace(b"#include <math.h>",
                                         b"#include <math.h>\nstatic int unused_hangul = 1; /* \xc7\xd1\xb1\xdb */")
        passed, total, out = grade_file(bad)
        self.assertEqual(passed, total)
        self.assertIn("unused_hangul", out)

    def test_constructor_that_exits(self):
        bad = REFERENCE + "\n#include <stdlib.h>\n__attribute__((constructor)) static void early(void) { exit(3); }\n"
        passed, total, out = grade_file(bad)
        self.assertEqual(passed, 0)
        self.assertGreater(total, 10)
        self.assertIn("before main() (a constructor?)", out)

    def test_constructor_that_loops(self):
        bad = REFERENCE + "\n__attribute__((constructor)) static void early(void) { for (volatile int s = 1; s;) {} }\n"
        passed, total, out = grade_file(bad, env={"LLMLAB_LIST_TIMEOUT": "3"})
        self.assertEqual(passed, 0)
        self.assertIn("did not start within 3 s", out)

    def test_day3_fast_path_lesson(self):
        # Day 3's reference has fast paths (and, on some builds, per-CPU clones):
        # as the learner's file it must grade N/N, its skeleton 0/N not started
        with open(os.path.join(ROOT, "solutions/day03_attention/attention.c"), encoding="utf-8") as f:
            ref = f.read()
        passed, total, out = grade_file(ref, "day03_attention/attention.c", "day3")
        self.assertEqual(passed, total, out)
        self.assertGreaterEqual(total, 8)
        with open(os.path.join(ROOT, "day03_attention/attention.c"), encoding="utf-8") as f:
            skel = f.read()
        passed, total2, out = grade_file(skel, "day03_attention/attention.c", "day3")
        self.assertEqual((passed, total2), (0, total), out)
        self.assertIn("  not started", out)
        self.assertNotIn("none of the", out)
        self.assertNotIn("FAILED", out)
        self.assertNotIn("CRASHED", out)


class XmlParsing(unittest.TestCase):
    def test_criterion_multiline_message_with_markup(self):
        # Criterion 2.4.1 puts only the first line in CDATA
        xml = ("<?xml version=\"1.0\"?><testsuites><testsuite name=\"s\">"
               "<testcase name=\"m\" assertions=\"1\" status=\"FAILED\"><failure type=\"assert\" "
               "message=\"1 assertion(s) failed.\"><![CDATA[t.c:6: chat_encode: decoding gives]]>&#10;"
               "        <|user|>What is 2 & 3?&#10;        hint: x\x01&#10;</failure></testcase>"
               "</testsuite></testsuites>")
        with tempfile.NamedTemporaryFile("wb", suffix=".xml", delete=False) as f:
            f.write(xml.encode().replace(b"hint: x", b"hint: x\xff"))
        try:
            r = grade.parse_xml(f.name)
        finally:
            os.remove(f.name)
        self.assertEqual(grade.clean_message(r[("s", "m")][2]),
                         ["chat_encode: decoding gives", "<|user|>What is 2 & 3?", "hint: x\ufffd?"])

    def test_harness_prefix_is_dropped(self):
        self.assertEqual(grade.clean_message("common/testing.h:88: value_mul: expected 1"),
                         ["value_mul: expected 1"])

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
        self.assertEqual(grade.clean_message(r[("s", "b")][2]), ['expected "1" <got> & 2', "  hint: x"])


if __name__ == "__main__":
    unittest.main()
