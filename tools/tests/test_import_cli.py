"""llmlab import: an export folder back into a checkpoint, and every way a
folder can be wrong (another model, another shape, another vocabulary, a
missing, truncated or corrupted file, a value that is not finite, a check.json
the weights do not reproduce) is one line on stderr, exit status 1, and no
checkpoint written. No PyTorch needed: the folders come from `llmlab export`
and are broken here with the standard library.
"""
import json
import os
import shutil
import struct
import unittest

from tools.tests import test_cli
from tools.tests.test_cli import BIN, TEXT

MODEL = ["--layers", "1", "--heads", "2", "--embd", "8", "--ctx", "8"]


def st_read(path):
    """(header dict, header length, data bytes) of a safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8:8 + n]), n, data


def st_patch(path, name, index, value):
    """Overwrite float `index` of tensor `name`."""
    header, n, data = st_read(path)
    at = 8 + n + header[name]["data_offsets"][0] + 4 * index
    with open(path, "r+b") as f:
        f.seek(at)
        f.write(struct.pack("<f", value))


def st_rewrite(path, header):
    """The same data under another header (padded to 8 bytes, as safetensors wants)."""
    _, n, data = st_read(path)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + data[8 + n:])


@unittest.skipUnless(BIN, "run through `make test-tools`, which passes the program's path")
class ImportCli(test_cli.LlmlabCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        os.makedirs(os.path.join(cls.dir, "data", "tiny"))
        for name in ("train.txt", "val.txt"):
            with open(os.path.join(cls.dir, "data", "tiny", name), "w") as f:
                f.write(TEXT * 5 + "<|endoftext|>")
        r = cls.run_llmlab(["train", "--data", "tiny", "--vocab", "300", *MODEL, "--batch", "2", "--steps", "3",
                            "--run", "r", "--quiet"])
        assert r.returncode == 0, r.stderr.decode()
        r = cls.run_llmlab(["export", "--ckpt", "r/ckpt.bin", "--out", "good", "--data", "tiny", "--steps", "9"])
        assert r.returncode == 0, r.stderr.decode()

    def folder(self, name):
        """A fresh copy of the good export, to break."""
        dst = os.path.join(self.dir, name)
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(os.path.join(self.dir, "good"), dst)
        return dst

    def edit_json(self, folder, name, change):
        p = os.path.join(folder, name)
        with open(p) as f:
            j = json.load(f)
        change(j)
        with open(p, "w") as f:
            json.dump(j, f)

    def refused(self, folder, says):
        out = os.path.join(self.dir, "out.bin")
        self.expect(["import", folder, "-o", out], 1, says)
        self.assertFalse(os.path.exists(out), "a refused import must write nothing")
        self.assertEqual(test_cli.temporary_files(self.dir), [], "no temporary file is left")

    def test_round_trip_is_exact(self):
        r = self.expect(["import", "good", "-o", "back.bin"], 0, "AdamW state of step 3")
        self.assertIn(b"check.json", r.stderr)
        with open(os.path.join(self.dir, "r", "ckpt.bin"), "rb") as a, \
                open(os.path.join(self.dir, "back.bin"), "rb") as b:
            self.assertEqual(a.read(), b.read(), "export then import must give the checkpoint back, byte for byte")
        os.makedirs(os.path.join(self.dir, "again"), exist_ok=True)
        shutil.copyfile(os.path.join(self.dir, "back.bin"), os.path.join(self.dir, "again", "ckpt.bin"))
        r = self.run_llmlab(["train", "--data", "tiny", "--vocab", "300", *MODEL, "--batch", "2", "--steps", "4",
                             "--run", "again", "--resume", "--quiet"])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_model_only_folder_gives_a_model_only_checkpoint(self):
        f = self.folder("modelonly")
        os.remove(os.path.join(f, "train.json"))
        os.remove(os.path.join(f, "optimizer.safetensors"))
        self.expect(["import", f, "-o", "model.bin"], 0, "the model only")
        r = self.run_llmlab(["sample", "--ckpt", "model.bin", "--tokens", "3"])
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.run_llmlab(["train", "--data", "tiny", "--init", "model.bin", "--batch", "2", "--steps", "1",
                             "--run", "fromimport", "--quiet"])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_command_line_mistakes_exit_2(self):
        self.expect(["import", "good"], 2, "-o CKPT")
        self.expect(["import", "-o", "x.bin"], 2, "one folder")
        self.expect(["import", "good", "other", "-o", "x.bin"], 2, "one folder")

    def test_missing_things(self):
        self.refused("nowhere", "not a folder")
        for name in ("config.json", "tokenizer.bpe", "model.safetensors"):
            with self.subTest(missing=name):
                f = self.folder("missing")
                os.remove(os.path.join(f, name))
                self.refused(f, name)

    def test_an_output_that_is_not_a_file_is_refused(self):
        os.makedirs(os.path.join(self.dir, "adir"), exist_ok=True)
        self.expect(["import", "good", "-o", "adir"], 1, "adir")

    def test_another_model(self):
        cases = [
            ("model_type", "llama", "another model"),
            ("activation_function", "relu", "gelu_new"),
            ("tie_word_embeddings", False, "tied"),
            ("layer_norm_epsilon", 1e-6, "1e-05"),
            ("n_inner", 64, "n_inner"),
            ("n_head", 3, "multiple"),
        ]
        for key, value, says in cases:
            with self.subTest(key=key):
                f = self.folder("other")
                self.edit_json(f, "config.json", lambda j: j.__setitem__(key, value))
                self.refused(f, says)

    def test_another_shape(self):
        for change in ({"n_layer": 2}, {"n_embd": 16, "n_inner": 64}, {"n_positions": 16}):
            with self.subTest(change=change):
                f = self.folder("shape")
                self.edit_json(f, "config.json", lambda j: j.update(change))
                self.refused(f, "model.safetensors")

    def test_another_vocabulary(self):
        f = self.folder("vocab")
        self.edit_json(f, "config.json", lambda j: j.__setitem__("vocab_size", 257))
        self.refused(f, "not the model's")
        f = self.folder("eos")
        self.edit_json(f, "config.json", lambda j: j.__setitem__("eos_token_id", 3))
        self.refused(f, "another vocabulary")
        f = self.folder("hash")
        self.edit_json(f, "train.json", lambda j: j.__setitem__("tokenizer_hash", "0123456789abcdef"))
        self.refused(f, "another tokenizer")

    def test_corrupted_files(self):
        f = self.folder("notjson")
        with open(os.path.join(f, "config.json"), "w") as out:
            out.write('{"model_type": "gpt2", ')
        self.refused(f, "not valid JSON")
        f = self.folder("trunc")
        p = os.path.join(f, "model.safetensors")
        with open(p, "rb") as inp:
            data = inp.read()
        with open(p, "wb") as out:
            out.write(data[:-40])
        self.refused(f, "past the end")
        f = self.folder("header")
        with open(os.path.join(f, "model.safetensors"), "wb") as out:
            out.write(struct.pack("<Q", 1 << 40) + b"{}")
        self.refused(f, "truncated or not a safetensors file")
        f = self.folder("garbage")
        with open(os.path.join(f, "model.safetensors"), "wb") as out:
            out.write(struct.pack("<Q", 8) + b"[1, 2, 3")
        self.refused(f, "header")
        f = self.folder("tokenizer")
        with open(os.path.join(f, "tokenizer.bpe"), "w") as out:
            out.write("llmlab-bpe 1\nmode words\n")
        self.refused(f, "tokenizer.bpe")

    def test_foreign_tensors(self):
        f = self.folder("extra")
        p = os.path.join(f, "model.safetensors")
        header, _, _ = st_read(p)
        header["transformer.h.0.mlp.gate.weight"] = header["transformer.h.0.mlp.c_fc.bias"]
        st_rewrite(p, header)
        self.refused(f, "mlp.gate.weight")
        f = self.folder("dtype")
        p = os.path.join(f, "model.safetensors")
        header, _, _ = st_read(p)
        header["transformer.wpe.weight"]["dtype"] = "F16"
        st_rewrite(p, header)
        self.refused(f, "F16")
        f = self.folder("transposed")
        p = os.path.join(f, "model.safetensors")
        header, _, _ = st_read(p)
        header["transformer.h.0.attn.c_attn.weight"]["shape"] = [24, 8]   # our (out, in), not Conv1D's [in, out]
        st_rewrite(p, header)
        self.refused(f, "shape")

    def test_values_that_are_not_finite(self):
        for name, value, says in (("transformer.h.0.ln_1.weight", float("nan"), "NaN"),
                                  ("transformer.wte.weight", float("inf"), "infinite")):
            with self.subTest(value=value):
                f = self.folder("nan")
                st_patch(os.path.join(f, "model.safetensors"), name, 3, value)
                self.refused(f, says)
        f = self.folder("negative")
        st_patch(os.path.join(f, "optimizer.safetensors"), "exp_avg_sq.transformer.wte.weight", 0, -1.0)
        self.refused(f, "negative")

    def test_weights_that_do_not_give_check_json(self):
        f = self.folder("check")
        self.edit_json(f, "check.json", lambda j: j["logits"][0].__setitem__(0, j["logits"][0][0] + 0.5))
        self.refused(f, "check.json")


if __name__ == "__main__":
    unittest.main()
