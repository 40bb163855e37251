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
    Keep in sync with EXPRESSIONS in day01_autograd/tests/test_value.c."""
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

    return [
        ("neuron", {"x1": 0.5, "x2": -1.5, "w1": 0.8, "w2": -0.3, "b": 0.1}, neuron),
        ("softplus_mix", {"a": 1.2, "b": -0.7, "c": 2.5}, softplus_mix),
        ("reuse", {"a": 0.9, "b": -0.4}, reuse),
        ("dead_relu", {"a": 1.0, "b": 3.0, "c": 2.0}, dead_relu),
        ("bce", {"w": -1.3, "x": 0.7, "b": 0.25, "t": 1.0}, bce),
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


if __name__ == "__main__":
    day01()
