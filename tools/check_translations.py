#!/usr/bin/env python3
"""Keep the Korean READMEs in step with the English ones.

Every `X.ko.md` ends with a line naming the first 12 hex digits of the
SHA-256 of its English twin `X.md` as it was when the translation was last
checked. When the English file changes, the digits no longer match and this
check fails, naming the file: update the translation, then the digits
(`python3 tools/check_translations.py --digest X.md` prints them).

The line that links an English file to its translation (`[한국어](...)`)
and blank lines are left out of the digest, so adding that link does not
stale a translation.
Also required: the root README and every lesson's README have a twin.
"""
import hashlib
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lessons  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARK = re.compile(r"sha256 앞 12자리 ([0-9a-f]{12})")


def digest(path):
    with open(path, encoding="utf-8") as f:
        lines = [l for l in f.read().splitlines(keepends=True)
                 if l.strip() and not l.startswith("[한국어](")]
    return hashlib.sha256("".join(lines).encode()).hexdigest()[:12]


def required_twins():
    return ["README.md"] + [f"{folder}/README.md" for _, folder, _ in lessons.load(ROOT)]


def problems():
    found = []
    for english in required_twins():
        if not os.path.exists(os.path.join(ROOT, english[:-3] + ".ko.md")):
            found.append(f"{english} has no Korean twin {english[:-3]}.ko.md")
    for dirpath, dirnames, files in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in (".git", "build", "runs", "data")]
        for name in files:
            if not name.endswith(".ko.md"):
                continue
            ko = os.path.join(dirpath, name)
            en = ko[:-6] + ".md"
            rel = os.path.relpath(ko, ROOT)
            if not os.path.exists(en):
                found.append(f"{rel} has no English twin")
                continue
            with open(ko, encoding="utf-8") as f:
                m = MARK.search(f.read())
            want = digest(en)
            if m is None:
                found.append(f"{rel} does not say which version of {os.path.relpath(en, ROOT)} it translates")
            elif m.group(1) != want:
                found.append(f"{rel} was checked against an older {os.path.relpath(en, ROOT)} "
                             f"({m.group(1)}, now {want}): update the translation, then the digits")
    return found


def main(argv):
    if len(argv) == 3 and argv[1] == "--digest":
        print(digest(argv[2]))
        return 0
    found = problems()
    for p in found:
        print(f"translations: {p}", file=sys.stderr)
    print(f"translations: {len(found)} problem(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
