#!/usr/bin/env python3
"""Keep the Korean twins in step with the English files.

A Korean twin of `X.md` is `X.ko.md` in the same folder. It links back to
the English file near its top (`[English](X.md)`) and ends with a stamp, an
HTML comment that readers of the page do not see:

    <!-- 이 번역은 영어 원문 X.md (sha256 앞 12자리 0123456789ab)를 기준으로 합니다. -->

The 12 hex digits are the start of the SHA-256 of the English file as it was
when the translation was last checked. When the English file changes, the
digits no longer match and this check fails, naming the file: update the
translation, then the digits (`python3 tools/check_translations.py --digest
X.md` prints them). The English file links to its twin near its top
(`[한국어](X.ko.md)`).

The line that links an English file to its translation (`[한국어](...)`)
and blank lines are left out of the digest, so adding that link does not
stale a translation.

Required to have a twin: the root README, every lesson's README, every
study note (`study_notes/*.md` and `<lesson>/study_notes/*.md`) and every
lesson's `hints.md`.

    python3 tools/check_translations.py             # check; exit 1 on a problem
    python3 tools/check_translations.py --digest F  # the 12 digits for F
"""
import glob
import hashlib
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lessons  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The stamp, alone on the last non-blank line of a Korean twin.
STAMP = re.compile(r"^<!-- 이 번역은 영어 원문 (\S+) \(sha256 앞 12자리 ([0-9a-f]{12})\)를 "
                   r"기준으로 합니다\. -->$")
# An older or mistyped stamp: digits are there but not in the comment form.
ANY_DIGITS = re.compile(r"sha256 앞 12자리 ([0-9a-f]{12})")
# How far from the top the link to the other language may stand (a title may come first).
LINK_LINES = 5
SKIP_DIRS = {".git", "build", "runs", "data", "solutions", "tests", "node_modules"}


def digest(path):
    with open(path, encoding="utf-8") as f:
        lines = [l for l in f.read().splitlines(keepends=True)
                 if l.strip() and not l.startswith("[한국어](")]
    return hashlib.sha256("".join(lines).encode()).hexdigest()[:12]


def stamp_line(english_name, digits):
    """The stamp a twin of the English file `english_name` (a base name) ends with."""
    return f"<!-- 이 번역은 영어 원문 {english_name} (sha256 앞 12자리 {digits})를 기준으로 합니다. -->"


def required_twins(root=ROOT):
    """English files (relative to root) that must have a Korean twin, in course order."""
    files = ["README.md"]
    for _, folder, _ in lessons.load(root):
        files.append(f"{folder}/README.md")
        for path in sorted(glob.glob(os.path.join(root, folder, "study_notes", "*.md"))):
            files.append(os.path.relpath(path, root))
        if os.path.exists(os.path.join(root, folder, "hints.md")):
            files.append(f"{folder}/hints.md")
    for pattern in ("study_notes/*.md", "*/study_notes/*.md"):
        for path in sorted(glob.glob(os.path.join(root, pattern))):
            rel = os.path.relpath(path, root)
            if rel.split("/")[0] in SKIP_DIRS:
                continue
            files.append(rel)
    seen, out = set(), []
    for f in files:
        f = f.replace(os.sep, "/")
        if f.endswith(".ko.md") or f in seen:
            continue
        seen.add(f)
        out.append(f)
    return out


def _head(path, n=LINK_LINES):
    with open(path, encoding="utf-8") as f:
        return [line.strip() for _, line in zip(range(n), f)]


def check_twin(ko, en, root=ROOT):
    """Problems of the Korean twin `ko` of the English file `en` (absolute paths)."""
    found = []
    rel_ko = os.path.relpath(ko, root)
    rel_en = os.path.relpath(en, root)
    en_name, ko_name = os.path.basename(en), os.path.basename(ko)
    with open(ko, encoding="utf-8") as f:
        text = f.read()
    if f"[English]({en_name})" not in _head(ko):
        found.append(f"{rel_ko} does not link back to its English file near its top "
                     f"(a line '[English]({en_name})' in its first {LINK_LINES} lines)")
    if f"[한국어]({ko_name})" not in _head(en):
        found.append(f"{rel_en} does not link to its Korean twin near its top "
                     f"(a line '[한국어]({ko_name})' in its first {LINK_LINES} lines)")
    lines = [l for l in text.splitlines() if l.strip()]
    m = STAMP.match(lines[-1].strip()) if lines else None
    want = digest(en)
    if m is None:
        old = ANY_DIGITS.search(text)
        if old:
            found.append(f"{rel_ko}: its stamp must be the last line, as an HTML comment: "
                         f"'{stamp_line(en_name, old.group(1))}' (digits of the version "
                         f"it translates; {want} is the current one)")
        else:
            found.append(f"{rel_ko} does not say which version of {rel_en} it translates: end it "
                         f"with '{stamp_line(en_name, want)}' once it matches {rel_en}")
        return found
    if m.group(1) != en_name:
        found.append(f"{rel_ko}: its stamp names {m.group(1)}, not {en_name}")
    if m.group(2) != want:
        found.append(f"{rel_ko} was checked against an older {rel_en} "
                     f"({m.group(2)}, now {want}): update the translation, then the digits")
    return found


def problems(root=ROOT):
    found = []
    for english in required_twins(root):
        if not os.path.exists(os.path.join(root, english[:-3] + ".ko.md")):
            found.append(f"{english} has no Korean twin {english[:-3]}.ko.md")
    for dirpath, dirnames, files in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(files):
            if not name.endswith(".ko.md"):
                continue
            ko = os.path.join(dirpath, name)
            en = ko[:-6] + ".md"
            if not os.path.exists(en):
                found.append(f"{os.path.relpath(ko, root)} has no English twin")
                continue
            found.extend(check_twin(ko, en, root))
    return found


def main(argv):
    if len(argv) == 3 and argv[1] == "--digest":
        print(digest(argv[2]))
        return 0
    if len(argv) != 1:
        print("usage: check_translations.py [--digest FILE.md]", file=sys.stderr)
        return 2
    found = problems()
    for p in found:
        print(f"translations: {p}", file=sys.stderr)
    print(f"translations: {len(found)} problem(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
