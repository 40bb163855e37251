#!/usr/bin/env python3
"""Every C snippet in the course's Markdown that claims to be a complete file compiles.

A ```c block that contains an `#include` line claims to be a complete
translation unit: it is compiled (syntax and types, with warnings as
errors) against the course's headers. Fragments without `#include` are
illustrations and are not compiled.

    check_snippets.py [--cc CC]     exit 1 and name file:line of each snippet that fails
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lessons  # noqa: E402  (tools/lessons.py, found whether run as a script or imported)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SKIP = {".git", "build", "runs", "data", "solutions"}


def snippets():
    """(file relative to ROOT, line of the opening fence, code) of every complete C snippet."""
    found = []
    for dirpath, dirnames, files in os.walk(ROOT):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP)
        for name in sorted(files):
            if not name.endswith(".md"):
                continue
            path = os.path.join(dirpath, name)
            with open(path, encoding="utf-8") as f:
                lines = f.read().split("\n")
            i = 0
            while i < len(lines):
                m = re.match(r"^(\s*)(```+|~~~+)\s*c\s*$", lines[i])
                if not m:
                    i += 1
                    continue
                fence, start, body = m.group(2), i + 1, []
                i += 1
                while i < len(lines) and not lines[i].strip().startswith(fence):
                    body.append(lines[i])
                    i += 1
                code = "\n".join(body) + "\n"
                if re.search(r"^\s*#\s*include\b", code, re.M):
                    found.append((os.path.relpath(path, ROOT), start, code))
                i += 1
    return found


def include_dirs():
    return ["common"] + [folder for _, folder, _ in lessons.load(ROOT)]


def compile_errors(cc="cc"):
    errors = []
    flags = ["-std=c11", "-D_POSIX_C_SOURCE=200809L", "-Wall", "-Wextra", "-Werror", "-fsyntax-only"]
    flags += [f"-I{os.path.join(ROOT, d)}" for d in include_dirs()]
    for rel, line, code in snippets():
        with tempfile.NamedTemporaryFile("w", suffix=".c", delete=False) as f:
            f.write(code)
        try:
            p = subprocess.run([cc] + flags + [f.name], capture_output=True, text=True)
        finally:
            os.remove(f.name)
        if p.returncode != 0:
            errors.append(f"{rel}:{line}: this C snippet does not compile:\n{p.stderr.replace(f.name, 'snippet.c')}")
    return errors


def main(argv):
    cc = argv[argv.index("--cc") + 1] if "--cc" in argv else "cc"
    errors = compile_errors(cc)
    for e in errors:
        print(e, file=sys.stderr)
    print(f"snippets: {len(snippets())} complete C snippet(s), {len(errors)} failed")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
