"""llmlab export --format gguf: the file's layout, and clear errors on bad input.

llama.cpp itself reads the file in `make check-gguf` / `make test-gguf`; here
Python reads the header back (a GGUF reader of a few lines) and the bad
inputs are checked: a non-finite model, a missing tokenizer (a checkpoint
that is not one), an output that cannot be written.
Needs LLMLAB_BIN (the built program), set by `make test-tools`.
"""
import os
import re
import struct
import unittest
import zlib

from tools.tests.test_cli import BIN, LlmlabCase, full_disk


def read_gguf(data):
    """(key-values, [(name, dims, type, offset)], data start) of a GGUF v3 file."""
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return v[0]

    def string():
        nonlocal pos
        n = take("Q")
        s = data[pos:pos + n].decode("utf-8")
        pos += n
        return s

    scalar = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}

    def value(t):
        if t == 8:
            return string()
        if t == 9:
            et, n = take("I"), take("Q")
            return [value(et) for _ in range(n)]
        return take(scalar[t])

    assert data[:4] == b"GGUF", "not a GGUF file"
    pos = 4
    version, n_tensors, n_kv = take("I"), take("Q"), take("Q")
    assert version == 3, version
    kv = {}
    for _ in range(n_kv):
        key = string()
        kv[key] = value(take("I"))
    tensors = []
    for _ in range(n_tensors):
        name = string()
        dims = [take("Q") for _ in range(take("I"))]
        tensors.append((name, dims, take("I"), take("Q")))
    align = kv.get("general.alignment", 32)
    return kv, tensors, (pos + align - 1) // align * align


@unittest.skipUnless(BIN, "run through `make test-tools`, which passes the program's path")
class GgufExport(LlmlabCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.train_tiny(layers=2)

    def expect_ok(self, args):
        r = self.run_llmlab(args)
        self.assertEqual(r.returncode, 0, f"llmlab {' '.join(args)}: {r.stderr.decode()}")
        return r

    def test_layout_is_llama_cpps_gpt2(self):
        r = self.expect_ok(["export", "--ckpt", self.ckpt, "--format", "gguf", "-o", "m.gguf"])
        n_params = int(re.search(rb"(\d+) parameters", r.stderr).group(1))
        with open(os.path.join(self.dir, "m.gguf"), "rb") as f:
            data = f.read()
        kv, tensors, start = read_gguf(data)
        self.assertEqual(kv["general.architecture"], "gpt2")
        self.assertEqual(kv["tokenizer.ggml.pre"], "gpt-2")
        self.assertEqual((kv["gpt2.block_count"], kv["gpt2.embedding_length"], kv["gpt2.context_length"],
                          kv["gpt2.feed_forward_length"], kv["gpt2.attention.head_count"]), (2, 8, 8, 32, 2))
        tokens = kv["tokenizer.ggml.tokens"]
        V = {name: dims for name, dims, _, _ in tensors}["token_embd.weight"][1]
        self.assertEqual(len(tokens), V)
        self.assertEqual(tokens[32], "Ġ", "byte 32 (space) is GPT-2's 'Ġ'")
        self.assertEqual(tokens[-1], "<|endoftext|>")
        self.assertEqual(kv["tokenizer.ggml.token_type"][-1], 3, "a special token is CONTROL")
        self.assertEqual(kv["tokenizer.ggml.bos_token_id"], V - 1)
        self.assertFalse(kv["tokenizer.ggml.add_bos_token"])
        self.assertNotIn("tokenizer.chat_template", kv, "a pretrained model has no chat template")
        merges = kv["tokenizer.ggml.merges"]
        self.assertEqual(len(merges), V - 256 - 1)
        left, right = merges[0].split(" ")
        self.assertEqual(tokens[256], left + right, "merge 0 makes token 256")
        shapes = {name: dims for name, dims, _, _ in tensors}
        self.assertEqual(shapes["token_embd.weight"], [8, V], "ne[0] is the fastest axis: (V, C) is {C, V}")
        self.assertEqual(shapes["blk.1.attn_qkv.weight"], [8, 24])
        self.assertEqual(shapes["blk.0.ffn_down.weight"], [32, 8])
        self.assertEqual(len(tensors), 4 + 12 * 2)
        count = 0
        for name, dims, kind, offset in tensors:
            self.assertEqual((kind, offset % 32), (0, 0), name)
            count += dims[0] * (dims[1] if len(dims) > 1 else 1)
        self.assertEqual(count, n_params)
        last = max(tensors, key=lambda t: t[3])
        self.assertLessEqual(start + last[3] + 4 * last[1][0], len(data))

    def nan_checkpoint(self):
        """The checkpoint with its first parameter (wte[0][0]) NaN, its checksum made right."""
        with open(self.ckpt, "rb") as f:
            data = bytearray(f.read())
        r = self.expect_ok(["export", "--ckpt", self.ckpt, "--format", "gguf", "-o", "ref.gguf"])
        n = int(re.search(rb"(\d+) parameters", r.stderr).group(1))
        with open(os.path.join(self.dir, "ref.gguf"), "rb") as f:
            gguf = f.read()
        first = gguf[read_gguf(gguf)[2]:][:4]
        at = len(data) - 4 - 12 * n                   # params, then AdamW's m and v, then the CRC
        if data[at:at + 4] != first:
            at = len(data) - 4 - 4 * n                # saved without the moments
        self.assertEqual(data[at:at + 4], first, "could not find the parameters in the checkpoint")
        data[at:at + 4] = struct.pack("<f", float("nan"))
        data[-4:] = struct.pack("<I", zlib.crc32(bytes(data[:-4])))
        return self.path("nan.bin", bytes(data))

    def test_refuses_a_non_finite_model(self):
        bad = self.nan_checkpoint()
        # the checkpoint loader refuses it already (gguf_write checks again, for a model from elsewhere)
        self.expect(["export", "--ckpt", bad, "--format", "gguf", "-o", "nan.gguf"], 1, "NaN")
        self.assertFalse(os.path.exists(os.path.join(self.dir, "nan.gguf")), "nothing may be written")

    def test_refuses_a_missing_or_foreign_checkpoint(self):
        self.expect(["export", "--ckpt", "none.bin", "--format", "gguf", "-o", "x.gguf"], 1, "none.bin")
        foreign = self.path("foreign.bin", b"llmlab-bpe 2\nmode words\n")  # a tokenizer, not a model
        self.expect(["export", "--ckpt", foreign, "--format", "gguf", "-o", "x.gguf"], 1, "foreign.bin")

    def test_unwritable_output_leaves_nothing_and_the_old_file(self):
        os.makedirs(os.path.join(self.dir, "adir"), exist_ok=True)
        self.expect(["export", "--ckpt", self.ckpt, "--format", "gguf", "-o", "adir"], 1, "adir")
        self.expect(["export", "--ckpt", self.ckpt, "--format", "gguf", "-o", "no/such/dir/m.gguf"], 1, "no/such")
        old = self.path("old.gguf", b"the earlier file")
        self.expect(["export", "--ckpt", self.ckpt, "--format", "gguf", "-o", "old.gguf"], 1, "File too large",
                    preexec_fn=full_disk(1000))
        with open(old, "rb") as f:
            self.assertEqual(f.read(), b"the earlier file", "a failed export must leave the earlier file")
        self.assertEqual([n for n in os.listdir(self.dir) if ".tmp" in n], [], "a temporary file was left")

    def test_command_line_mistakes(self):
        self.expect(["export", "--ckpt", self.ckpt, "--format", "onnx", "-o", "x"], 2, "--format")
        self.expect(["export", "--ckpt", self.ckpt, "--format", "gguf"], 2, "--out")


if __name__ == "__main__":
    unittest.main()
