"""Every lesson has what a chapter needs: README, notes, hints for every exercise."""
import os
import re
import unittest

from tools import grade, hint


class LessonShape(unittest.TestCase):
    def test_every_lesson_is_complete(self):
        for lesson in grade.load_lessons():
            with self.subTest(lesson=lesson.folder):
                d = os.path.join(grade.ROOT, lesson.folder)
                self.assertTrue(os.path.exists(os.path.join(d, "README.md")), "lesson README")
                self.assertTrue(os.listdir(os.path.join(d, "study_notes")), "study notes")
                self.assertTrue(lesson.exercise_names(), "exercise files in solutions/")
                self.assertTrue(lesson.test_sources(), "tests")
                hints = hint.parse_hints(os.path.join(d, "hints.md"))
                for src in lesson.test_sources():
                    with open(src, encoding="utf-8") as f:
                        suites = set(re.findall(r"^Test\(\s*(\w+)", f.read(), re.M))
                    for suite in suites:
                        self.assertIn(suite, hints, f"hints.md has no section for suite '{suite}'")
                        self.assertEqual([t for t, _ in hints[suite]], ["Concept", "Approach", "Near code"],
                                         f"hints for '{suite}' need the three tiers")


if __name__ == "__main__":
    unittest.main()
