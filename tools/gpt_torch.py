"""The PyTorch twin of week2_gpt/gpt.h: the same GPT, written as a function of
a dict of tensors named and shaped exactly like the C model's size table
(gpt_tensors() of gpt_model.c: wte, wpe, Day 4's BLOCK_PARAMS stacked over
the layers, lnf). Used by tools/make_fixtures.py (week 2 fixtures) and by the
export check and the benchmarks. Needs Debian's python3-torch.
"""
import math

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
