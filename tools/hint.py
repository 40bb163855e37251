#!/usr/bin/env python3
"""Tiered hints, revealed one at a time: make hint-day1 [EX=name].

Hints live in <lesson>/hints.md: one `## exercise` section per Criterion suite,
each with `### Concept`, `### Approach` and `### Near code` tiers. What you have
revealed is remembered in .llmlab/hints.json, so asking again shows the next
tier. Without EX, the exercise is the first one whose tests do not all pass.
"""
import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lessons  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATE = os.path.join(ROOT, ".llmlab", "hints.json")


def lesson_folder(ident):
    for lesson_id, folder, _ in lessons.load(ROOT):
        if lesson_id == ident:
            return lesson_id, folder
    sys.exit(f"hint: no lesson '{ident}'")


def parse_hints(path):
    """{exercise: [(tier title, text)]} in file order."""
    hints, current, tier = {}, None, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m2, m3 = re.match(r"^## (\S+)", line), re.match(r"^### (.+)", line)
            if m2:
                current, tier = m2.group(1), None
                hints[current] = []
            elif m3 and current:
                hints[current].append([m3.group(1).strip(), ""])
            elif current and hints[current]:
                hints[current][-1][1] += line
    return {k: [(t, x.strip()) for t, x in v] for k, v in hints.items()}


def first_unfinished(ident, grade_cmd, exercises):
    """The first exercise (in hints order) with a test that does not pass, by grading quietly."""
    with tempfile.NamedTemporaryFile(suffix=".json") as tmp:
        cmd = shlex.split(grade_cmd) + ["--quiet", "--json", tmp.name, ident]
        subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
        try:
            outcomes = json.load(open(tmp.name)).get(ident, {}).get("outcomes", [])
        except (ValueError, OSError):
            return exercises[0]
    failing = {o["suite"] for o in outcomes if o["kind"] != "passed"}
    for ex in exercises:
        if ex in failing:
            return ex
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lesson")
    ap.add_argument("exercise", nargs="?")
    ap.add_argument("--grade", default="", help="grader command, to find the next unfinished exercise")
    ap.add_argument("--reset", action="store_true", help="hide this lesson's hints again")
    args = ap.parse_args()
    ident, folder = lesson_folder(args.lesson)
    path = os.path.join(ROOT, folder, "hints.md")
    if not os.path.exists(path):
        sys.exit(f"hint: {folder} has no hints yet")
    hints = parse_hints(path)
    state = json.load(open(STATE)) if os.path.exists(STATE) else {}
    if args.reset:
        state = {k: v for k, v in state.items() if not k.startswith(ident + "/")}
    else:
        ex = args.exercise
        if ex is None:
            ex = first_unfinished(ident, args.grade, list(hints)) if args.grade else list(hints)[0]
            if ex is None:
                print(f"Every test of {ident} passes: no hint needed. Try the lesson's experiments!")
                return 0
        if ex not in hints:
            sys.exit(f"hint: no exercise '{ex}' in {ident}. Exercises: {', '.join(hints)}")
        key = f"{ident}/{ex}"
        tiers = hints[ex]
        shown = min(state.get(key, 0) + 1, len(tiers))
        state[key] = shown
        print(f"Hints for {ident}, exercise '{ex}' ({shown} of {len(tiers)} revealed)\n")
        for i, (title, text) in enumerate(tiers[:shown], 1):
            print(f"[{i}] {title}")
            print("    " + text.replace("\n", "\n    ") + "\n")
        if shown < len(tiers):
            print(f"Still stuck? `make hint-{ident} EX={ex}` again reveals tier {shown + 1} "
                  f"({tiers[shown][0].lower()}).")
        else:
            print("That was the last tier. The reference is one `make solution-branch` away "
                  f"(then `git diff solution -- {folder}/`), but try once more first.")
    os.makedirs(os.path.dirname(STATE), exist_ok=True)
    with open(STATE, "w") as f:
        json.dump(state, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
