#!/usr/bin/python3
"""Write the reference numbers the C tests compare against, computed by PyTorch.

PyTorch is an independent implementation of the same math, so agreeing with
it (to ~1e-12 in float64) is strong evidence the C code is right. The files
are committed; only course developers run this, with Debian's python3-torch:

    make fixtures            (or: /usr/bin/python3 tools/make_fixtures.py)

Format (read by common/fixture.c): "LLMLABFX", u32 version=1, u32 count, then
per array: u32 name_len, name, u32 ndim, u32 dims[ndim], float64 data.
"""
import os
import struct
import sys

try:
    import torch
except ImportError:
    sys.exit("make_fixtures.py needs PyTorch: sudo apt-get install python3-torch "
             "(and run it with /usr/bin/python3)")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
torch.set_default_dtype(torch.float64)


def write_fixture(path, arrays):
    """arrays: list of (name, tensor or float). Written in the given order."""
    out = [b"LLMLABFX", struct.pack("<II", 1, len(arrays))]
    for name, value in arrays:
        t = torch.as_tensor(value, dtype=torch.float64).detach().contiguous()
        raw = name.encode()
        out.append(struct.pack("<I", len(raw)) + raw)
        out.append(struct.pack("<I", t.dim()) + b"".join(struct.pack("<I", d) for d in t.shape))
        out.append(t.numpy().astype("<f8").tobytes())
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(b"".join(out))
    print(f"wrote {os.path.relpath(path, ROOT)} ({len(arrays)} arrays)")


# ---- Day 1: scalar expressions. The C test builds the same expressions. ----

def day01_expressions():
    """Each expression: its inputs (name -> value) and a function of them.
    Keep in sync with EXPRESSIONS in day01_autograd/tests/test_value.c, which
    builds the same formulas from these inputs and prints the formula and the
    inputs in its messages. Inputs stay away from relu's corner at 0, except in
    relu_corner, which is there for it (the C test checks that one against
    PyTorch only: a finite difference at a corner sees half the slope)."""
    def neuron(v):  # one tanh neuron with two inputs
        return torch.tanh(v["w1"] * v["x1"] + v["w2"] * v["x2"] + v["b"])

    def softplus_mix(v):  # log, exp, division, subtraction, relu, a cube
        return torch.log(1 + torch.exp(v["a"] * v["b"])) / (v["b"] - v["c"]) \
            + torch.relu(v["c"]) * v["a"] ** 3

    def reuse(v):  # a appears four times, b twice: gradients must add up
        a, b = v["a"], v["b"]
        return a * a + a * b + torch.exp(b - a) * a

    def dead_relu(v):  # one relu branch is off and must pass no gradient
        a, b, c = v["a"], v["b"], v["c"]
        return torch.relu(a - b) * c + torch.relu(b - a) * c * c

    def bce(v):  # binary cross-entropy of a logistic neuron (tomorrow's loss)
        p = 1 / (1 + torch.exp(-(v["w"] * v["x"] + v["b"])))
        t = v["t"]
        return -(t * torch.log(p) + (1 - t) * torch.log(1 - p))

    def relu_corner(v):  # a*b is exactly 0: PyTorch takes relu's slope there as 0
        a, b, c = v["a"], v["b"], v["c"]
        return torch.relu(a * b) * c + torch.relu(c - a)

    return [
        ("neuron", {"x1": 0.5, "x2": -1.5, "w1": 0.8, "w2": -0.3, "b": 0.1}, neuron),
        ("softplus_mix", {"a": 1.2, "b": -0.7, "c": 2.5}, softplus_mix),
        ("reuse", {"a": 0.9, "b": -0.4}, reuse),
        ("dead_relu", {"a": 1.0, "b": 3.0, "c": 2.0}, dead_relu),
        ("bce", {"w": -1.3, "x": 0.7, "b": 0.25, "t": 1.0}, bce),
        ("relu_corner", {"a": 0.0, "b": 1.5, "c": 2.0}, relu_corner),
    ]


def day01():
    arrays = []
    for name, inputs, fn in day01_expressions():
        leaves = {k: torch.tensor(x, requires_grad=True) for k, x in inputs.items()}
        y = fn(leaves)
        y.backward()
        for k, leaf in leaves.items():
            arrays.append((f"{name}.{k}", leaf.detach()))
        arrays.append((f"{name}.out", y.detach()))
        for k, leaf in leaves.items():
            arrays.append((f"{name}.grad.{k}", leaf.grad))
    write_fixture(os.path.join(ROOT, "day01_autograd/tests/fixtures/expressions.bin"), arrays)


# ---- Day 1.5: a tiny MLP, the losses, sigmoid ----

def day01_5():
    g = torch.Generator().manual_seed(1234)
    arrays = []
    # MLP 3-4-3-1, tanh hidden, linear output, MSE over a batch of 3
    sizes, nin = [4, 3, 1], 3
    weights, biases, fan_in = [], [], nin
    for l, n in enumerate(sizes):
        w = (torch.rand(n, fan_in, generator=g) * 2 - 1).requires_grad_()
        b = (torch.rand(n, generator=g) * 0.2 - 0.1).requires_grad_()
        weights.append(w)
        biases.append(b)
        fan_in = n
    x = torch.rand(3, nin, generator=g) * 4 - 2
    target = torch.tensor([0.5, -1.0, 2.0])
    h = x
    for l, (w, b) in enumerate(zip(weights, biases)):
        h = h @ w.T + b
        if l < len(sizes) - 1:
            h = torch.tanh(h)
    out = h[:, 0]
    loss = torch.nn.functional.mse_loss(out, target)
    loss.backward()
    arrays += [("mlp.x", x), ("mlp.target", target), ("mlp.out", out.detach()), ("mlp.loss", loss.detach())]
    for l, (w, b) in enumerate(zip(weights, biases)):
        arrays += [(f"mlp.W{l}", w.detach()), (f"mlp.b{l}", b.detach()),
                   (f"mlp.grad.W{l}", w.grad), (f"mlp.grad.b{l}", b.grad)]

    # losses, each with the gradient of the loss w.r.t. its inputs
    z = torch.tensor([-3.0, -0.5, 0.0, 0.7, 2.5, 40.0, -40.0, 800.0], requires_grad=True)
    t = torch.tensor([0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0])
    bce = torch.nn.functional.binary_cross_entropy_with_logits(z, t)
    bce.backward()
    arrays += [("bce.z", z.detach()), ("bce.t", t), ("bce.loss", bce.detach()), ("bce.grad", z.grad)]

    # the last score sits exactly on the margin (1 - y*s = 0): relu's slope there is 0
    s_ = torch.tensor([2.0, 0.3, -0.4, -1.5, 0.99, 1.0], requires_grad=True)
    y = torch.tensor([1.0, 1.0, 1.0, -1.0, -1.0, 1.0])
    hinge = torch.relu(1 - y * s_).mean()
    hinge.backward()
    arrays += [("hinge.s", s_.detach()), ("hinge.y", y), ("hinge.loss", hinge.detach()), ("hinge.grad", s_.grad)]

    p = torch.tensor([0.4, -1.2, 2.0, 0.0], requires_grad=True)
    q = torch.tensor([1.0, -1.0, 0.5, 0.25])
    mse = torch.nn.functional.mse_loss(p, q)
    mse.backward()
    arrays += [("mse.pred", p.detach()), ("mse.target", q), ("mse.loss", mse.detach()), ("mse.grad", p.grad)]

    w = torch.tensor([0.5, -2.0, 3.0], requires_grad=True)
    l2 = 0.01 * (w ** 2).sum()
    l2.backward()
    arrays += [("l2.p", w.detach()), ("l2.loss", l2.detach()), ("l2.grad", w.grad)]

    zs = torch.tensor([-30.0, -2.0, 0.0, 0.5, 4.0], requires_grad=True)
    sig = torch.sigmoid(zs)
    sig.sum().backward()
    arrays += [("sigmoid.z", zs.detach()), ("sigmoid.out", sig.detach()), ("sigmoid.grad", zs.grad)]
    write_fixture(os.path.join(ROOT, "day01_5_neural_net/tests/fixtures/nn.bin"), arrays)


# ---- Day 2: array ops, float32 inputs, float64 reference results ----

MATMUL_SHAPES = [(1, 1, 1), (1, 17, 5), (7, 1, 3), (13, 37, 70), (67, 40, 35), (9, 300, 20)]
ROW_SHAPES = [(1, 9), (6, 1), (5, 7)]


def day02():
    g = torch.Generator().manual_seed(2024)

    def rnd(*shape, scale=1.0):
        # float32-representable numbers, so C (float32) and PyTorch see the same inputs
        return (torch.randn(*shape, generator=g) * scale).float().double()

    arrays = []

    def leaf(t):
        return t.clone().requires_grad_()

    for i, (N, C, OC) in enumerate(MATMUL_SHAPES):
        x, w, b = leaf(rnd(N, C)), leaf(rnd(OC, C, scale=C ** -0.5)), leaf(rnd(OC))
        out = x @ w.T + b
        dout = rnd(N, OC)
        out.backward(dout)
        k = f"matmul.{i}"
        arrays += [(f"{k}.inp", x.detach()), (f"{k}.weight", w.detach()), (f"{k}.bias", b.detach()),
                   (f"{k}.dout", dout), (f"{k}.out", out.detach()), (f"{k}.dinp", x.grad),
                   (f"{k}.dweight", w.grad), (f"{k}.dbias", b.grad)]

    for i, (N, C) in enumerate(ROW_SHAPES):
        a, row = leaf(rnd(N, C)), leaf(rnd(C))
        for name, fn in (("add_rows", lambda a, r: a + r), ("mul_rows", lambda a, r: a * r)):
            a.grad, row.grad = None, None
            out = fn(a, row)
            dout = rnd(N, C)
            out.backward(dout)
            k = f"{name}.{i}"
            arrays += [(f"{k}.a", a.detach()), (f"{k}.row", row.detach()), (f"{k}.dout", dout),
                       (f"{k}.out", out.detach()), (f"{k}.da", a.grad), (f"{k}.drow", row.grad)]
        for name, fn in (("sum", torch.sum), ("mean", torch.mean)):
            for axis in (0, 1):
                a.grad = None
                out = fn(a, dim=axis)
                dout = rnd(*out.shape)
                out.backward(dout)
                k = f"{name}{axis}.{i}"
                arrays += [(f"{k}.a", a.detach()), (f"{k}.dout", dout), (f"{k}.out", out.detach()),
                           (f"{k}.da", a.grad)]
        for name, fn in (("relu", torch.relu), ("tanh", torch.tanh)):
            x = a.detach().clone()
            if name == "relu":
                x.view(-1)[::3] = 0.0  # exact zeros: relu's corner, where PyTorch's gradient is 0
            x.requires_grad_()
            out = fn(x)
            dout = rnd(N, C)
            out.backward(dout)
            k = f"{name}.{i}"
            arrays += [(f"{k}.a", x.detach()), (f"{k}.dout", dout), (f"{k}.out", out.detach()),
                       (f"{k}.da", x.grad)]

    # softmax family: ordinary rows, a constant row, and rows of +-1e4 (overflow without the max trick)
    logits = torch.cat([rnd(3, 10, scale=3.0), torch.zeros(1, 10),
                        torch.tensor([[1e4, -1e4, 0.0, 5e3, 1e4, -3.0, 2.0, 9999.0, -1.0, 1.0]])])
    targets = torch.tensor([3, 0, 9, 5, 1])
    for name, fn in (("softmax", lambda x: torch.softmax(x, 1)), ("log_softmax", lambda x: torch.log_softmax(x, 1))):
        x = leaf(logits)
        out = fn(x)
        dout = rnd(*out.shape)
        out.backward(dout)
        arrays += [(f"{name}.logits", logits), (f"{name}.dout", dout), (f"{name}.out", out.detach()),
                   (f"{name}.dlogits", x.grad)]
    x = leaf(logits)
    loss = torch.nn.functional.cross_entropy(x, targets)
    loss.backward()
    arrays += [("ce.logits", logits), ("ce.targets", targets.double()), ("ce.loss", loss.detach()),
               ("ce.probs", torch.softmax(logits, 1)), ("ce.dlogits", x.grad)]
    # rows with a negative target are ignored: the mean is over the M = 4 rows that count, not N = 7
    logits = rnd(7, 6, scale=2.0)
    targets = torch.tensor([2, -1, 0, 5, -1, -1, 1])
    x = leaf(logits)
    loss = torch.nn.functional.cross_entropy(x, targets, ignore_index=-1)
    loss.backward()
    arrays += [("ce_ignore.logits", logits), ("ce_ignore.targets", targets.double()),
               ("ce_ignore.loss", loss.detach()), ("ce_ignore.probs", torch.softmax(logits, 1)),
               ("ce_ignore.dlogits", x.grad)]
    write_fixture(os.path.join(ROOT, "day02_matrix/tests/fixtures/ops.bin"), arrays)


# ---- Day 3: attention ----

# (Tq, Tk, hs, causal). Causal with Tq < Tk: the queries are the last Tq positions (generation
# with a cache: the last case is one new token looking back at six). Case 6 has exact zeros.
SDPA_CASES = [(1, 1, 1, 0), (1, 5, 4, 0), (5, 5, 3, 1), (4, 4, 1, 1), (6, 6, 8, 0), (3, 5, 4, 1),
              (4, 4, 3, 0), (1, 6, 4, 1)]
SDPA_ZEROS = 6  # a query row of zeros (uniform weights), a dout row of zeros, a key of zeros
MHA_CASES = [(2, 5, 8, 2, 1), (1, 1, 4, 4, 1), (2, 4, 6, 6, 0), (1, 7, 12, 3, 1)]


def day03():
    g = torch.Generator().manual_seed(33)

    def rnd(*shape):
        return torch.randn(*shape, generator=g).float().double()

    arrays = []
    for i, (Tq, Tk, hs, causal) in enumerate(SDPA_CASES):
        q, k, v = (rnd(T, hs) for T in (Tq, Tk, Tk))
        dout = rnd(Tq, hs)
        if i == SDPA_ZEROS:
            q[1], k[2], dout[3] = 0.0, 0.0, 0.0
        q, k, v = (t.requires_grad_() for t in (q, k, v))
        scores = (q @ k.T) / hs ** 0.5
        if causal:  # query i is position i + (Tk - Tq): it sees keys j <= that
            allowed = torch.arange(Tk)[None, :] <= torch.arange(Tq)[:, None] + (Tk - Tq)
            scores = scores.masked_fill(~allowed, float("-inf"))
        att = torch.softmax(scores, dim=1)
        out = att @ v
        out.backward(dout)
        key = f"sdpa.{i}"
        arrays += [(f"{key}.q", q.detach()), (f"{key}.k", k.detach()), (f"{key}.v", v.detach()),
                   (f"{key}.dout", dout), (f"{key}.att", att.detach()), (f"{key}.out", out.detach()),
                   (f"{key}.dq", q.grad), (f"{key}.dk", k.grad), (f"{key}.dv", v.grad),
                   (f"{key}.causal", torch.tensor([causal]))]
    arrays.append(("sdpa.count", torch.tensor([len(SDPA_CASES)])))
    for i, (B, T, C, NH, causal) in enumerate(MHA_CASES):
        hs = C // NH
        qkv = rnd(B, T, 3 * C).requires_grad_()
        q, k, v = qkv.split(C, dim=2)
        # split heads, attend, merge: the textbook PyTorch formulation (B, NH, T, hs)
        heads = lambda x: x.reshape(B, T, NH, hs).transpose(1, 2)
        scores = heads(q) @ heads(k).transpose(-2, -1) / hs ** 0.5
        if causal:
            scores = scores.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf"))
        y = torch.softmax(scores, dim=-1) @ heads(v)
        out = y.transpose(1, 2).reshape(B, T, C)
        dout = rnd(B, T, C)
        out.backward(dout)
        key = f"mha.{i}"
        arrays += [(f"{key}.qkv", qkv.detach()), (f"{key}.dout", dout), (f"{key}.out", out.detach()),
                   (f"{key}.dqkv", qkv.grad), (f"{key}.shape", torch.tensor([B, T, C, NH, causal]))]
    arrays.append(("mha.count", torch.tensor([len(MHA_CASES)])))
    T, C = 7, 6
    pos = torch.arange(T, dtype=torch.float64)[:, None]
    i2 = torch.arange(0, C, 2, dtype=torch.float64)
    angle = pos / 10000 ** (i2 / C)
    pe = torch.stack([torch.sin(angle), torch.cos(angle)], dim=2).reshape(T, C)
    arrays.append(("sinusoidal.pe", pe))
    B, T, C, V = 2, 4, 3, 5
    tokens = torch.tensor([[1, 4, 1, 0], [3, 3, 2, 1]])
    wte, wpe = rnd(V, C).requires_grad_(), rnd(6, C).requires_grad_()
    out = wte[tokens] + wpe[:T]
    dout = rnd(B, T, C)
    out.backward(dout)
    arrays += [("emb.tokens", tokens.double()), ("emb.wte", wte.detach()), ("emb.wpe", wpe.detach()),
               ("emb.dout", dout), ("emb.out", out.detach()), ("emb.dwte", wte.grad), ("emb.dwpe", wpe.grad)]
    write_fixture(os.path.join(ROOT, "day03_attention/tests/fixtures/attention.bin"), arrays)


# ---- Day 4: LayerNorm, GELU, the block ----

BLOCK_PARAM_NAMES = ["ln1_w", "ln1_b", "qkv_w", "qkv_b", "proj_w", "proj_b",
                     "ln2_w", "ln2_b", "fc_w", "fc_b", "fcproj_w", "fcproj_b"]  # BLOCK_PARAMS order
BLOCK_CASES = [(2, 5, 8, 2), (1, 1, 4, 4), (2, 6, 12, 3)]
# What block_forward saves (BLOCK_ACTS, att aside) and the gradients block_backward leaves in blk->dacts.
BLOCK_ACT_NAMES = ["ln1", "ln1_mean", "ln1_rstd", "qkv", "att", "atty", "attproj", "res1",
                   "ln2", "ln2_mean", "ln2_rstd", "fch", "fch_gelu", "fcproj"]
BLOCK_DACT_NAMES = ["fcproj", "fch_gelu", "fch", "ln2", "res1", "attproj", "atty", "qkv", "ln1"]
# The demo's switches (use_layernorm, use_residual), run on block case 0.
BLOCK_SWITCHES = [(0, 1), (1, 0)]


def block_torch(P, x, B, T, C, NH, use_ln=1, use_res=1):
    """The pre-norm block in PyTorch; returns (out, {name: tensor}) with every intermediate kept."""
    F = torch.nn.functional
    hs = C // NH
    acts = {}

    def norm(t, w, b, name):
        if not use_ln:
            return t.clone()
        mean = t.mean(-1)
        rstd = 1 / torch.sqrt(t.var(-1, unbiased=False) + 1e-5)
        acts[name + "_mean"], acts[name + "_rstd"] = mean.detach(), rstd.detach()
        return F.layer_norm(t, (C,), w, b, eps=1e-5)

    acts["ln1"] = norm(x, P["ln1_w"], P["ln1_b"], "ln1")
    acts["qkv"] = F.linear(acts["ln1"], P["qkv_w"], P["qkv_b"])
    q, k, v = acts["qkv"].split(C, dim=2)
    heads = lambda t: t.reshape(B, T, NH, hs).transpose(1, 2)
    sc = heads(q) @ heads(k).transpose(-2, -1) / hs ** 0.5
    sc = sc.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf"))
    att = torch.softmax(sc, -1)
    acts["att"] = att.detach()
    acts["atty"] = (att @ heads(v)).transpose(1, 2).reshape(B, T, C)
    acts["attproj"] = F.linear(acts["atty"], P["proj_w"], P["proj_b"])
    acts["res1"] = x + acts["attproj"] if use_res else acts["attproj"]
    acts["ln2"] = norm(acts["res1"], P["ln2_w"], P["ln2_b"], "ln2")
    acts["fch"] = F.linear(acts["ln2"], P["fc_w"], P["fc_b"])
    acts["fch_gelu"] = F.gelu(acts["fch"], approximate="tanh")
    acts["fcproj"] = F.linear(acts["fch_gelu"], P["fcproj_w"], P["fcproj_b"])
    out = acts["res1"] + acts["fcproj"] if use_res else acts["fcproj"]
    for t in acts.values():
        if t.requires_grad:
            t.retain_grad()
    return out, acts


def day04():
    g = torch.Generator().manual_seed(44)
    F = torch.nn.functional

    def rnd(*shape, scale=1.0):
        return (torch.randn(*shape, generator=g) * scale).float().double()

    arrays = []
    # Case 3 has a row of equal values (variance exactly 0: only eps keeps rstd finite) and a
    # dout row of zeros; case 2, with C = 1, has variance 0 in every row.
    LN_CASES = [(3, 8), (1, 5), (2, 1), (4, 6)]
    for i, (N, C) in enumerate(LN_CASES):
        x, w, b = rnd(N, C, scale=2.0), rnd(C).requires_grad_(), rnd(C).requires_grad_()
        dout = rnd(N, C)
        if i == 3:
            x[2], dout[1] = 1.5, 0.0
        x.requires_grad_()
        out = F.layer_norm(x, (C,), w, b, eps=1e-5)
        out.backward(dout)
        mean, rstd = x.detach().mean(1), 1 / torch.sqrt(x.detach().var(1, unbiased=False) + 1e-5)
        k = f"ln.{i}"
        arrays += [(f"{k}.x", x.detach()), (f"{k}.w", w.detach()), (f"{k}.b", b.detach()), (f"{k}.dout", dout),
                   (f"{k}.out", out.detach()), (f"{k}.mean", mean), (f"{k}.rstd", rstd),
                   (f"{k}.dx", x.grad), (f"{k}.dw", w.grad), (f"{k}.db", b.grad)]
    arrays.append(("ln.count", torch.tensor([len(LN_CASES)])))
    x = torch.cat([rnd(20, scale=2.0), torch.tensor([-12.0, -3.0, 0.0, 3.0, 12.0])]).requires_grad_()
    out = F.gelu(x, approximate="tanh")
    dout = rnd(25)
    out.backward(dout)
    arrays += [("gelu.x", x.detach()), ("gelu.dout", dout), ("gelu.out", out.detach()), ("gelu.dx", x.grad)]

    def block_params(C):
        shapes = {"ln1_w": (C,), "ln1_b": (C,), "qkv_w": (3 * C, C), "qkv_b": (3 * C,), "proj_w": (C, C),
                  "proj_b": (C,), "ln2_w": (C,), "ln2_b": (C,), "fc_w": (4 * C, C), "fc_b": (4 * C,),
                  "fcproj_w": (C, 4 * C), "fcproj_b": (C,)}
        P = {}
        for name in BLOCK_PARAM_NAMES:
            if name.endswith("_w") and name.startswith("ln"):
                P[name] = (1 + rnd(*shapes[name], scale=0.1)).requires_grad_()
            else:
                P[name] = rnd(*shapes[name], scale=0.3).requires_grad_()
        return P

    def grad_or_zero(t):
        return t.grad if t.grad is not None else torch.zeros_like(t)

    for i, (B, T, C, NH) in enumerate(BLOCK_CASES):
        P = block_params(C)
        x = rnd(B, T, C).requires_grad_()
        out, acts = block_torch(P, x, B, T, C, NH)
        dout = rnd(B, T, C)
        out.backward(dout)
        k = f"block.{i}"
        arrays += [(f"{k}.shape", torch.tensor([B, T, C, NH])), (f"{k}.x", x.detach()), (f"{k}.dout", dout),
                   (f"{k}.out", out.detach()), (f"{k}.dx", x.grad)]
        for name in BLOCK_PARAM_NAMES:
            arrays += [(f"{k}.{name}", P[name].detach()), (f"{k}.grad.{name}", P[name].grad)]
        arrays += [(f"{k}.act.{name}", acts[name].detach()) for name in BLOCK_ACT_NAMES]
        arrays += [(f"{k}.dact.{name}", acts[name].grad) for name in BLOCK_DACT_NAMES]
        if i == 0:  # the switches, on the same parameters and input
            for use_ln, use_res in BLOCK_SWITCHES:
                for t in list(P.values()) + [x]:
                    t.grad = None
                out, _ = block_torch(P, x, B, T, C, NH, use_ln, use_res)
                out.backward(dout)
                ks = f"{k}.ln{use_ln}res{use_res}"
                arrays += [(f"{ks}.out", out.detach()), (f"{ks}.dx", x.grad)]
                arrays += [(f"{ks}.grad.{name}", grad_or_zero(P[name])) for name in BLOCK_PARAM_NAMES]
    arrays.append(("block.count", torch.tensor([len(BLOCK_CASES)])))
    write_fixture(os.path.join(ROOT, "day04_transformer/tests/fixtures/transformer.bin"), arrays)


# ---- Day 5: the optimiser. float32 like the C code; the test allows 1e-6 relative. ----

def day05():
    g = torch.Generator().manual_seed(5)
    arrays = []
    # AdamW: 4 steps with given gradients, PyTorch's own optimiser.
    n, steps, lr, wd = 41, 4, 1e-2, 0.1
    p0 = torch.randn(n, generator=g, dtype=torch.float32)
    grads = [torch.randn(n, generator=g, dtype=torch.float32) * (10.0 ** (k - 2)) for k in range(steps)]
    p = p0.clone().requires_grad_()
    opt = torch.optim.AdamW([p], lr=lr, betas=(0.9, 0.95), eps=1e-8, weight_decay=wd)
    arrays += [("adamw.param0", p0), ("adamw.hyper", torch.tensor([lr, 0.9, 0.95, 1e-8, wd]))]
    for k in range(steps):
        p.grad = grads[k].clone()
        opt.step()
        st = opt.state[p]
        arrays += [(f"adamw.{k}.grad", grads[k]), (f"adamw.{k}.param", p.detach().clone()),
                   (f"adamw.{k}.m", st["exp_avg"].clone()), (f"adamw.{k}.v", st["exp_avg_sq"].clone())]
    # Gradient clipping: one norm above the limit, one below.
    for name, scale in (("above", 3.0), ("below", 0.01)):
        w = torch.randn(57, generator=g, dtype=torch.float32, requires_grad=True)
        w.grad = torch.randn(57, generator=g, dtype=torch.float32) * scale
        arrays += [(f"clip.{name}.grad", w.grad.clone())]
        norm = torch.nn.utils.clip_grad_norm_([w], max_norm=1.0)
        arrays += [(f"clip.{name}.norm", norm.reshape(1)), (f"clip.{name}.clipped", w.grad.clone())]
    # AdamW on gradients of about 1e-7, where sqrt(v) is near eps = 1e-8: two steps from a fresh
    # state, same hyperparameters. eps inside the square root would shrink these steps a thousandfold.
    p0 = torch.randn(n, generator=g, dtype=torch.float32)
    grads = [torch.randn(n, generator=g, dtype=torch.float32) * 1e-7 for _ in range(2)]
    p = p0.clone().requires_grad_()
    opt = torch.optim.AdamW([p], lr=lr, betas=(0.9, 0.95), eps=1e-8, weight_decay=wd)
    arrays += [("adamw.tiny.param0", p0)]
    for k in range(2):
        p.grad = grads[k].clone()
        opt.step()
        arrays += [(f"adamw.tiny.{k}.grad", grads[k]), (f"adamw.tiny.{k}.param", p.detach().clone())]
    write_fixture(os.path.join(ROOT, "day05_tokenizer/tests/fixtures/optim.bin"), arrays)


# ---- Week 2: the whole GPT on a tiny config, and ten AdamW steps ----

def week2():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import gpt_torch
    g = torch.Generator().manual_seed(77)
    V, CTX, L, NH, C, B, T = 37, 8, 2, 2, 16, 2, 7
    arrays = [("config", torch.tensor([V, CTX, L, NH, C, B, T]))]
    P = {}
    for name, shape in gpt_torch.param_shapes(V, CTX, L, C):
        if name.endswith("_w") and name.startswith("ln"):
            t = 1 + 0.1 * torch.randn(*shape, generator=g)
        elif name.endswith("_b"):
            t = 0.1 * torch.randn(*shape, generator=g)
        else:
            t = 0.3 * torch.randn(*shape, generator=g)
        P[name] = t.float().double().requires_grad_()     # values a float32 model holds exactly
        arrays.append((f"param.{name}", P[name].detach()))
    tokens = torch.randint(0, V, (B, T), generator=g)
    targets = torch.randint(0, V, (B, T), generator=g)
    arrays += [("tokens", tokens), ("targets", targets)]
    logits = gpt_torch.forward(P, tokens, NH)
    logits.retain_grad()
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))
    loss.backward()
    arrays += [("logits", logits.detach()), ("loss", loss.detach().reshape(1))]
    arrays += [(f"grad.{name}", P[name].grad) for name, _ in gpt_torch.param_shapes(V, CTX, L, C)]
    # wte is used twice (tied): its gradient is the head's part plus the embedding's. The head's
    # part is dlogits^T @ lnf, where lnf (the final LayerNorm's output) is recovered exactly from
    # logits = lnf @ wte^T (wte has full column rank, V > C). The C test uses the two parts to say
    # which one a wrong gradient lost.
    wte = P["wte"].detach()
    lnf = torch.linalg.lstsq(wte, logits.detach().reshape(-1, V).T).solution.T      # (B*T, C)
    assert torch.allclose(lnf @ wte.T, logits.detach().reshape(-1, V), atol=1e-9)
    head = logits.grad.reshape(-1, V).T @ lnf
    arrays += [("grad.wte.head", head), ("grad.wte.embed", P["wte"].grad - head)]
    # ten AdamW steps on the same batch, in float32 like the C model
    Q = {k: v.detach().float().clone().requires_grad_() for k, v in P.items()}
    opt = torch.optim.AdamW([{"params": [Q[k] for k in Q if k in gpt_torch.DECAYED], "weight_decay": 0.1},
                             {"params": [Q[k] for k in Q if k not in gpt_torch.DECAYED], "weight_decay": 0.0}],
                            lr=1e-2, betas=(0.9, 0.95), eps=1e-8)
    losses = []
    for _ in range(10):
        opt.zero_grad()
        l = gpt_torch.loss(Q, tokens, targets, NH)
        l.backward()
        opt.step()
        losses.append(l.item())
    arrays.append(("adamw.losses", torch.tensor(losses)))
    write_fixture(os.path.join(ROOT, "week2_gpt/tests/fixtures/gpt.bin"), arrays)


LESSONS = {"day1": day01, "day1.5": day01_5, "day2": day02, "day3": day03, "day4": day04,
           "day5": day05, "week2": week2}

if __name__ == "__main__":
    # make_fixtures.py [day3 ...]: only these lessons' fixtures (default: all)
    for name in sys.argv[1:] or LESSONS:
        if name not in LESSONS:
            sys.exit(f"make_fixtures: no fixtures for '{name}' (known: {' '.join(LESSONS)})")
        LESSONS[name]()
