#!/usr/bin/python3
"""Load an `llmlab export` folder into the PyTorch twin and check its logits.

    /usr/bin/python3 tools/check_export.py DIR

Reads DIR/model.safetensors (parsed here with the standard library: an
8-byte header length, a JSON header, raw float32 data), DIR/config.json and
DIR/check.json (tokens and the logits the C program computed for them), runs
tools/gpt_torch.py on the same tokens and compares. Needs Debian's python3-torch.
"""
import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpt_torch  # noqa: E402


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", f"{name}: dtype {info['dtype']}"
        start, end = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[base + start:base + end]), dtype=torch.float32)
        out[name] = t.reshape(info["shape"])
    return out


def main(folder):
    cfg = json.load(open(os.path.join(folder, "config.json")))
    check = json.load(open(os.path.join(folder, "check.json")))
    P = load_safetensors(os.path.join(folder, "model.safetensors"))
    want_names = [n for n, _ in gpt_torch.param_shapes(cfg["vocab"], cfg["ctx"], cfg["n_layer"], cfg["n_embd"])]
    assert sorted(P) == sorted(want_names), f"tensors {sorted(P)} != {sorted(want_names)}"
    tokens = torch.tensor([check["tokens"]])
    with torch.no_grad():
        logits = gpt_torch.forward({k: v.double() for k, v in P.items()}, tokens, cfg["n_head"])[0]
    ours = torch.tensor(check["logits"], dtype=torch.float64)
    err = (logits - ours).abs().max().item()
    scale = max(1.0, ours.abs().max().item())
    print(f"{folder}: {sum(v.numel() for v in P.values())} parameters, {len(check['tokens'])} tokens, "
          f"largest logit difference {err:.3g} (logits up to {scale:.3g})")
    if err > 1e-4 * scale:
        sys.exit("check_export: the PyTorch twin disagrees with llmlab")
    print("check_export: PyTorch and llmlab agree")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
