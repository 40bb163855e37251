#!/usr/bin/env python3
"""Prepare the text corpora of `make data`: clean, split, write train.txt and val.txt.

  prepare_text.py fortunes SRC_DIR OUT_DIR   Debian's fortune files -> one corpus
  prepare_text.py split FILE OUT_DIR          the first 90% trains, the last 10% validates

Fortunes: every file of SRC_DIR except the .dat indexes, .u8 links and the
ASCII-art collections; entries are separated by lines holding only `%`. Each
entry is trimmed, Windows line ends become \\n, empty and repeated entries are
dropped, and entries are joined by <|endoftext|> so a model learns where one
ends. Every tenth entry goes to validation, so both halves hold every category.
"""
import os
import sys

EOT = "<|endoftext|>"
SKIP = {"art", "ascii-art"}  # pictures made of characters, not language


def read_text(path):
    data = open(path, "rb").read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # a few old collections are not UTF-8


def fortunes(src, out):
    entries, seen = [], set()
    names = sorted(n for n in os.listdir(src)
                   if not n.endswith((".dat", ".u8")) and n not in SKIP
                   and os.path.isfile(os.path.join(src, n)))
    if not names:
        sys.exit(f"prepare_text: no fortune files in {src}")
    for name in names:
        text = read_text(os.path.join(src, name)).replace("\r\n", "\n")
        entry = []
        for line in text.split("\n") + ["%"]:
            if line.strip() == "%":
                body = "\n".join(entry).strip("\n").rstrip()
                if body and EOT not in body and body not in seen:
                    seen.add(body)
                    entries.append(body)
                entry = []
            else:
                entry.append(line.rstrip())
    train = [e for i, e in enumerate(entries) if i % 10 != 9]
    val = [e for i, e in enumerate(entries) if i % 10 == 9]
    write(out, "train.txt", "".join(e + "\n" + EOT for e in train))
    write(out, "val.txt", "".join(e + "\n" + EOT for e in val))
    print(f"data: fortunes: {len(names)} files, {len(entries)} entries "
          f"({len(train)} train, {len(val)} validation) -> {out}")


def split(path, out):
    data = open(path, "rb").read()
    cut = len(data) * 9 // 10
    cut = data.rfind(b"\n", 0, cut) + 1 or cut  # at a line end
    write(out, "train.txt", data[:cut])
    write(out, "val.txt", data[cut:])
    print(f"data: {os.path.basename(path)}: {cut} bytes train, {len(data) - cut} validation -> {out}")


def write(out, name, content):
    os.makedirs(out, exist_ok=True)
    tmp = os.path.join(out, name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(content.encode("utf-8") if isinstance(content, str) else content)
    os.replace(tmp, os.path.join(out, name))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "fortunes":
        fortunes(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "split":
        split(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
