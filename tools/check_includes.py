#!/usr/bin/env python3
"""The layers of the course, checked (part of `make test`).

    common/         includes nothing of a lesson
    lesson N        (its folder, its tests, solutions/<its folder>) includes
                    common/ and lessons 1 .. N only, never a later one

so that Day 3 builds without Week 2, the reference grows lesson by lesson
into one GPT, and common/ stays the plumbing under all of them. tools/ may
include anything. A quoted include is resolved the way the Makefile's -I
flags do: common/ first, then the lesson folders.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lessons as lesson_list  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def headers_by_owner(lessons):
    """{header file name: owner}, owner "common" or a lesson index."""
    owner = {}
    for name in os.listdir(os.path.join(ROOT, "common")):
        if name.endswith(".h"):
            owner[name] = "common"
    for i, (_, folder, _) in enumerate(lessons):
        for name in os.listdir(os.path.join(ROOT, folder)):
            if name.endswith(".h"):
                owner.setdefault(name, i)
    return owner


def sources(directory):
    for d, _, names in os.walk(os.path.join(ROOT, directory)):
        for n in sorted(names):
            if n.endswith((".c", ".h")):
                yield os.path.join(d, n)


def main():
    lessons = lesson_list.load(ROOT)
    owner = headers_by_owner(lessons)
    problems = []

    def check(path, level, what):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        here = os.path.dirname(path)
        for inc in INCLUDE.findall(text):
            if os.path.exists(os.path.join(here, inc)) and os.path.dirname(path).endswith("tests"):
                continue    # a test's own helper file beside it
            who = owner.get(os.path.basename(inc))
            if who is None:
                if not os.path.exists(os.path.join(here, inc)):
                    problems.append(f"{os.path.relpath(path, ROOT)} includes \"{inc}\", which is nowhere")
                continue
            if who == "common":
                continue
            if level == "common":
                problems.append(f"{os.path.relpath(path, ROOT)} (common/) includes {inc} of "
                                f"{lessons[who][1]}: common/ is under every lesson and includes none")
            elif who > level:
                problems.append(f"{os.path.relpath(path, ROOT)} ({what}) includes {inc} of the later lesson "
                                f"{lessons[who][1]}")

    for path in sources("common"):
        check(path, "common", "common/")
    for i, (_, folder, title) in enumerate(lessons):
        for directory in (folder, os.path.join("solutions", folder)):
            if os.path.isdir(os.path.join(ROOT, directory)):
                for path in sources(directory):
                    check(path, i, title)
    for p in problems:
        print(f"include check: {p}", file=sys.stderr)
    print(f"include check: common/ and {len(lessons)} lessons, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
