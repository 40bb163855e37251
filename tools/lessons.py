"""The course's list of lessons, tools/lessons.tsv, read in one place.

Each line: id (for make check-ID), folder, title. A lesson counts once its
folder exists, so the list can name lessons that are still to be written.
"""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load(root=ROOT, existing_only=True):
    """[(id, folder, title)] in course order."""
    lessons = []
    with open(os.path.join(root, "tools", "lessons.tsv"), encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if line.startswith("#") or len(parts) < 3:
                continue
            if existing_only and not os.path.isdir(os.path.join(root, parts[1])):
                continue
            lessons.append((parts[0], parts[1], parts[2]))
    return lessons
