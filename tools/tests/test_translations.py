"""Korean twins: which files need one, the stamp at their end, and the links between twins."""
import os
import shutil
import tempfile
import unittest

from tools import check_translations as ct


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


class Course(unittest.TestCase):
    """A small course in a temporary folder: one lesson, its notes and hints, course notes."""

    ENGLISH = {
        "README.md": "# Course\n\n[한국어](README.ko.md)\n\nText.\n",
        "day01_x/README.md": "[한국어](README.ko.md)\n\n# Day 1\n\nText.\n",
        "day01_x/study_notes/README.md": "[한국어](README.ko.md)\n\n# Notes\n",
        "day01_x/study_notes/01_a.md": "[한국어](01_a.ko.md)\n\n# A\n\nBody.\n",
        "day01_x/hints.md": "[한국어](hints.ko.md)\n\n# Hints\n\n## ex\n\n### Concept\n\nc\n",
        "study_notes/roadmap.md": "[한국어](roadmap.ko.md)\n\n# Roadmap\n",
    }

    def setUp(self):
        self.root = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.root)
        write(self.root, "tools/lessons.tsv", "# id folder title\nday1\tday01_x\tDay 1 · X\n")
        for rel, text in self.ENGLISH.items():
            write(self.root, rel, text)

    def twin(self, rel, stamp=None, link=True, body="# 한국어\n\n본문.\n"):
        en = os.path.join(self.root, rel)
        name = os.path.basename(rel)
        if stamp is None:
            stamp = ct.stamp_line(name, ct.digest(en))
        text = (f"[English]({name})\n\n" if link else "") + body + "\n" + stamp + "\n"
        return write(self.root, rel[:-3] + ".ko.md", text)

    def all_twins(self):
        for rel in self.ENGLISH:
            self.twin(rel)

    def problems(self):
        return ct.problems(self.root)

    def test_every_kind_of_file_needs_a_twin(self):
        self.assertEqual(ct.required_twins(self.root),
                         ["README.md", "day01_x/README.md", "day01_x/study_notes/01_a.md",
                          "day01_x/study_notes/README.md", "day01_x/hints.md",
                          "study_notes/roadmap.md"])
        self.assertEqual(len(self.problems()), 6)
        self.assertIn("day01_x/hints.md has no Korean twin day01_x/hints.ko.md", self.problems())

    def test_current_twins_pass(self):
        self.all_twins()
        self.assertEqual(self.problems(), [])

    def test_a_changed_english_file_stales_its_twin(self):
        self.all_twins()
        write(self.root, "day01_x/study_notes/01_a.md", "[한국어](01_a.ko.md)\n\n# A\n\nNew body.\n")
        [p] = self.problems()
        self.assertIn("day01_x/study_notes/01_a.ko.md was checked against an older", p)

    def test_the_link_line_and_blank_lines_do_not_count(self):
        en = os.path.join(self.root, "day01_x/study_notes/01_a.md")
        before = ct.digest(en)
        write(self.root, "day01_x/study_notes/01_a.md", "\n# A\n\n\nBody.\n")
        self.assertEqual(ct.digest(en), before)

    def test_the_visible_stamp_of_old_is_refused(self):
        self.all_twins()
        digits = ct.digest(os.path.join(self.root, "README.md"))
        self.twin("README.md", stamp=f"> 이 번역은 영어 원문 README.md (sha256 앞 12자리 {digits})를 기준으로 합니다.")
        [p] = self.problems()
        self.assertIn("README.ko.md: its stamp must be the last line, as an HTML comment", p)

    def test_the_stamp_must_end_the_file(self):
        self.all_twins()
        rel = "day01_x/study_notes/01_a.md"
        stamp = ct.stamp_line("01_a.md", ct.digest(os.path.join(self.root, rel)))
        self.twin(rel, stamp=stamp + "\n\nMore text after the stamp.")
        [p] = self.problems()
        self.assertIn("must be the last line", p)

    def test_a_twin_without_a_stamp(self):
        self.all_twins()
        self.twin("day01_x/hints.md", stamp="")
        [p] = self.problems()
        self.assertIn("does not say which version of day01_x/hints.md it translates", p)

    def test_the_stamp_names_its_english_file(self):
        self.all_twins()
        rel = "study_notes/roadmap.md"
        self.twin(rel, stamp=ct.stamp_line("README.md", ct.digest(os.path.join(self.root, rel))))
        [p] = self.problems()
        self.assertIn("its stamp names README.md, not roadmap.md", p)

    def test_twins_link_to_each_other(self):
        self.all_twins()
        self.twin("day01_x/study_notes/01_a.md", link=False)
        write(self.root, "study_notes/roadmap.md", "# Roadmap\n")
        self.twin("study_notes/roadmap.md")
        found = self.problems()
        self.assertEqual(len(found), 2, found)
        self.assertIn("01_a.ko.md does not link back to its English file", found[0] + found[1])
        self.assertIn("roadmap.md does not link to its Korean twin", found[0] + found[1])

    def test_a_twin_without_an_english_file(self):
        self.all_twins()
        write(self.root, "study_notes/orphan.ko.md", "[English](orphan.md)\n")
        self.assertEqual(self.problems(), ["study_notes/orphan.ko.md has no English twin"])

    def test_stamp_format(self):
        self.assertEqual(ct.stamp_line("X.md", "0123456789ab"),
                         "<!-- 이 번역은 영어 원문 X.md (sha256 앞 12자리 0123456789ab)를 기준으로 합니다. -->")
        self.assertTrue(ct.STAMP.match(ct.stamp_line("X.md", "0123456789ab")))


class Repository(unittest.TestCase):
    def test_every_twin_is_current(self):
        self.assertEqual(ct.problems(), [])


if __name__ == "__main__":
    unittest.main()
