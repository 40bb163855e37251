"""Korean twins exist for the README and every lesson README, and match their English version."""
import unittest

from tools import check_translations


class Translations(unittest.TestCase):
    def test_every_twin_is_current(self):
        self.assertEqual(check_translations.problems(), [])


if __name__ == "__main__":
    unittest.main()
