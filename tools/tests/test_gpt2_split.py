"""Day 5's pre-tokeniser is GPT-2's: the C code (char_class, the reference
pretok_next) against tools/gpt2_split.py, which runs GPT-2's own pattern."""
import os
import random
import subprocess
import tempfile
import unicodedata
import unittest

from tools import gpt2_split

LIB = os.path.join(gpt2_split.ROOT, "build", "libllmlab.a")

# Prints char_class of every code point (one letter each: L D S P), then,
# for each NUL-terminated text on stdin, its chunk lengths.
PROGRAM = r"""
#include <stdio.h>
#include <stdlib.h>
#include "tokenizer.h"
int main(void) {
    for (int32_t cp = 0; cp < 0x110000; cp++) putchar("LDSP"[char_class(cp)]);
    putchar('\n');
    static uint8_t buf[1 << 16];
    size_t n = 0;
    int c;
    while ((c = getchar()) != EOF) {
        if (c) { buf[n++] = (uint8_t)c; continue; }
        for (size_t pos = 0; pos < n;) {
            size_t end = pretok_next(buf, n, pos);
            printf("%zu ", end - pos);
            pos = end;
        }
        putchar('\n');
        n = 0;
    }
    return 0;
}
"""

# Pieces of random texts: every rule and every class, several scripts.
PIECES = ["a", "Z", "word", " ", " ", "  ", "\n", "\n\n", "\t", "\r\n", "\x0b", "\x0c", "\x1c", ".", "...", "!?",
          "'", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL", "'r", "'l", "7", "42", "\u0663", "\u00b2",
          "\u00bd", "\u2167", "\u00e9", "e\u0301", "\ud55c\uad6d", "\u3042", "\u4e2d", "\u0416", "\u0928\u093f",
          "\u00a0", "\u3000", "\u2028", "\u0085", "\u200b", "\U0001F642", "\U0001F44D\U0001F3FD", "$", "_", "\x01",
          "\x7f", b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80"]


def random_text(rng):
    out = bytearray()
    for _ in range(rng.randint(1, 30)):
        p = rng.choice(PIECES)
        out += p if isinstance(p, bytes) else p.encode("utf-8")
    return bytes(out)


class Gpt2Split(unittest.TestCase):
    def test_the_table_is_what_the_generator_writes(self):
        with open(gpt2_split.TABLE, encoding="utf-8") as f:
            committed = f.read()
        if '"%s"' % unicodedata.unidata_version not in committed:
            self.skipTest("this Python's unicodedata is of Unicode %s, not the table's" % unicodedata.unidata_version)
        self.assertEqual(committed, gpt2_split.table_text(), "run python3 tools/gpt2_split.py table")

    def test_every_pretok_case_of_the_tests_is_gpt2s(self):
        cases, bad = gpt2_split.check_cases()
        self.assertGreater(len(cases), 30, "the PRETOK_CASES blocks of test_bpe.c were not found")
        self.assertEqual(bad, [])

    def test_the_c_code_splits_as_gpt2s_pattern(self):
        if not os.path.exists(LIB):
            self.skipTest("build the library first (make lib)")
        with tempfile.TemporaryDirectory() as d:
            src, exe = os.path.join(d, "split.c"), os.path.join(d, "split")
            with open(src, "w") as f:
                f.write(PROGRAM)
            inc = ["-I" + os.path.join(gpt2_split.ROOT, x) for x in ("common", "day05_tokenizer")]
            subprocess.run(["cc", "-std=c11", "-O1", *inc, src, LIB, "-lm", "-lz", "-fopenmp", "-o", exe],
                           check=True)
            rng = random.Random(22)
            texts = [random_text(rng) for _ in range(3000)]
            out = subprocess.run([exe], input=b"".join(t + b"\0" for t in texts), capture_output=True,
                                 check=True).stdout.decode("ascii").split("\n")
        classes = out[0]
        want = "".join(gpt2_split.char_class(cp)[3] for cp in range(0x110000))
        wrong = [cp for cp in range(0x110000) if classes[cp] != want[cp]]
        self.assertEqual(wrong[:10], [], "char_class differs from Unicode's tables at these code points")
        for text, line in zip(texts, out[1:]):
            got = [int(x) for x in line.split()]
            expect = [len(c) for c in gpt2_split.split(text)]
            self.assertEqual(got, expect, "chunk lengths of %r" % text)


if __name__ == "__main__":
    unittest.main()
