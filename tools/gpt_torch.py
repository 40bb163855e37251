"""The PyTorch twin of week2_gpt/gpt.h: the same GPT, written as a function of
a dict of tensors named and shaped exactly like the C model's size table
(gpt_tensors() of gpt_model.c: wte, wpe, Day 4's BLOCK_PARAMS stacked over
the layers, lnf). Used by tools/make_fixtures.py (week 2 fixtures) and by the
export check and the benchmarks. Needs Debian's python3-torch.

`llmlab export` writes the Hugging Face GPT-2 layout instead (one tensor per
layer, transformer.h.N.attn.c_attn.weight, Conv1D weights stored as
[in, out]); from_hf() and to_hf() convert between the two, and
load_safetensors() / save_safetensors() read and write the files with the
standard library (no safetensors package needed).
"""
import json
import math
import struct

import torch
import torch.nn.functional as F

# name -> shape, in the C model's storage order
def param_shapes(V, T, L, C):
    return [
        ("wte", (V, C)), ("wpe", (T, C)),
        ("ln1_w", (L, C)), ("ln1_b", (L, C)),
        ("qkv_w", (L, 3 * C, C)), ("qkv_b", (L, 3 * C)),
        ("proj_w", (L, C, C)), ("proj_b", (L, C)),
        ("ln2_w", (L, C)), ("ln2_b", (L, C)),
        ("fc_w", (L, 4 * C, C)), ("fc_b", (L, 4 * C)),
        ("fcproj_w", (L, C, 4 * C)), ("fcproj_b", (L, C)),
        ("lnf_w", (C,)), ("lnf_b", (C,)),
    ]

DECAYED = {"wte", "qkv_w", "proj_w", "fc_w", "fcproj_w"}


def forward(P, tokens, n_head):
    """tokens (B,T) long -> logits (B,T,V)."""
    B, T = tokens.shape
    V, C = P["wte"].shape
    L = P["ln1_w"].shape[0]
    hs = C // n_head
    x = P["wte"][tokens] + P["wpe"][:T]
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
    for l in range(L):
        h = F.layer_norm(x, (C,), P["ln1_w"][l], P["ln1_b"][l], eps=1e-5)
        q, k, v = F.linear(h, P["qkv_w"][l], P["qkv_b"][l]).split(C, dim=2)
        heads = lambda t: t.reshape(B, T, n_head, hs).transpose(1, 2)
        s = heads(q) @ heads(k).transpose(-2, -1) / math.sqrt(hs)
        y = (torch.softmax(s.masked_fill(mask, float("-inf")), -1) @ heads(v)).transpose(1, 2).reshape(B, T, C)
        x = x + F.linear(y, P["proj_w"][l], P["proj_b"][l])
        h = F.layer_norm(x, (C,), P["ln2_w"][l], P["ln2_b"][l], eps=1e-5)
        x = x + F.linear(F.gelu(F.linear(h, P["fc_w"][l], P["fc_b"][l]), approximate="tanh"),
                         P["fcproj_w"][l], P["fcproj_b"][l])
    x = F.layer_norm(x, (C,), P["lnf_w"], P["lnf_b"], eps=1e-5)
    return x @ P["wte"].T


def loss(P, tokens, targets, n_head):
    logits = forward(P, tokens, n_head)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def init_params(V, T, L, C, seed):
    """Parameters initialised as the C model does (GPT-2): N(0, 0.02) for the
    matrices and embeddings, 0.02 / sqrt(2 L) for the two residual
    projections, LayerNorm weights 1, biases 0; leaves that need a gradient."""
    torch.manual_seed(seed)
    P = {}
    for name, shape in param_shapes(V, T, L, C):
        if name.endswith("_b"):
            t = torch.zeros(shape)
        elif name.startswith("ln"):
            t = torch.ones(shape)
        else:
            std = 0.02 / math.sqrt(2 * L) if name in ("proj_w", "fcproj_w") else 0.02
            t = torch.randn(shape) * std
        P[name] = t.requires_grad_()
    return P


def adamw(P, lr, beta2, weight_decay=0.1):
    """AdamW with the C trainer's groups: weight decay on DECAYED only."""
    return torch.optim.AdamW([{"params": [P[k] for k in P if k in DECAYED], "weight_decay": weight_decay},
                              {"params": [P[k] for k in P if k not in DECAYED], "weight_decay": 0.0}],
                             lr=lr, betas=(0.9, beta2), eps=1e-8)


# ---- the Hugging Face GPT-2 layout (tools/llmlab/hf_gpt2.c holds the same table) ----

# our name -> (theirs, per layer, Conv1D weight stored transposed)
HF_NAMES = {
    "wte": ("transformer.wte.weight", False, False), "wpe": ("transformer.wpe.weight", False, False),
    "ln1_w": ("ln_1.weight", True, False), "ln1_b": ("ln_1.bias", True, False),
    "qkv_w": ("attn.c_attn.weight", True, True), "qkv_b": ("attn.c_attn.bias", True, False),
    "proj_w": ("attn.c_proj.weight", True, True), "proj_b": ("attn.c_proj.bias", True, False),
    "ln2_w": ("ln_2.weight", True, False), "ln2_b": ("ln_2.bias", True, False),
    "fc_w": ("mlp.c_fc.weight", True, True), "fc_b": ("mlp.c_fc.bias", True, False),
    "fcproj_w": ("mlp.c_proj.weight", True, True), "fcproj_b": ("mlp.c_proj.bias", True, False),
    "lnf_w": ("transformer.ln_f.weight", False, False), "lnf_b": ("transformer.ln_f.bias", False, False),
}


def hf_names(ours, n_layer):
    """The Hugging Face names of our tensor `ours` (one per layer for a block tensor)."""
    theirs, per_layer, _ = HF_NAMES[ours]
    return [f"transformer.h.{l}.{theirs}" for l in range(n_layer)] if per_layer else [theirs]


def from_hf(S, n_layer, prefix=""):
    """Our stacked dict from a dict in the Hugging Face layout (S[prefix + name]):
    a block tensor's layers stacked, Conv1D weights transposed back to (out, in)."""
    P = {}
    for ours, (_, per_layer, transposed) in HF_NAMES.items():
        ts = [S[prefix + n] for n in hf_names(ours, n_layer)]
        ts = [t.t() for t in ts] if transposed else ts
        P[ours] = torch.stack(ts).contiguous() if per_layer else ts[0].contiguous()
    return P


def to_hf(P, prefix=""):
    """The Hugging Face layout of our dict P (the inverse of from_hf)."""
    n_layer = P["ln1_w"].shape[0]
    S = {}
    for ours, (_, per_layer, transposed) in HF_NAMES.items():
        for l, name in enumerate(hf_names(ours, n_layer)):
            t = P[ours][l] if per_layer else P[ours]
            S[prefix + name] = (t.t() if transposed else t).detach().contiguous()
    return S


def load_safetensors(path):
    """{name: float32 tensor} of a safetensors file (F32 only, as llmlab writes)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: {name} is {info['dtype']}, not F32")
        start, end = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[base + start:base + end]), dtype=torch.float32)
        out[name] = t.reshape(info["shape"])
    return out


def save_safetensors(path, S, order=None):
    """Write {name: tensor} as float32 safetensors (in `order` when given), the layout llmlab reads."""
    names = order or list(S)
    header, offset, blobs = {"__metadata__": {"format": "pt", "producer": "llmlab ddp_train.py"}}, 0, []
    for name in names:
        b = S[name].detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(S[name].shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for b in blobs:
            f.write(b)
