#!/usr/bin/python3
"""Load an `llmlab export` folder into the PyTorch twin and check its logits.

    /usr/bin/python3 tools/check_export.py DIR

Reads DIR/model.safetensors (the Hugging Face GPT-2 names, parsed with the
standard library by gpt_torch.load_safetensors), DIR/config.json (Hugging
Face's keys) and
DIR/check.json (tokens and the logits the C program computed for them), runs
tools/gpt_torch.py on the same tokens and compares. Needs Debian's python3-torch.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpt_torch  # noqa: E402


def main(folder):
    cfg = json.load(open(os.path.join(folder, "config.json")))
    check = json.load(open(os.path.join(folder, "check.json")))
    S = gpt_torch.load_safetensors(os.path.join(folder, "model.safetensors"))
    L = cfg["n_layer"]
    want_names = [n for ours in gpt_torch.HF_NAMES for n in gpt_torch.hf_names(ours, L)]
    assert sorted(S) == sorted(want_names), f"tensors {sorted(S)} != {sorted(want_names)}"
    P = gpt_torch.from_hf(S, L)
    for name, shape in gpt_torch.param_shapes(cfg["vocab_size"], cfg["n_positions"], L, cfg["n_embd"]):
        assert tuple(P[name].shape) == shape, f"{name}: shape {tuple(P[name].shape)}, config says {shape}"
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
