#!/usr/bin/python3
"""Training speed of the PyTorch twin (tools/gpt_torch.py), the baseline of
`make bench` for the Week 2 GPT. Same model, same optimiser (AdamW with the
same decay groups), random tokens, two threads.

    OPENBLAS_CORETYPE= OPENBLAS_L2_SIZE= /usr/bin/python3 tools/bench/gpt_torch_bench.py V L NH C T B STEPS

Prints one line: "torch tokens/s N". Needs python3-torch (and libopenblas0-openmp,
or PyTorch runs on the slow reference BLAS).
"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import gpt_torch  # noqa: E402


def main(V, L, NH, C, T, B, steps):
    torch.set_num_threads(2)
    P = gpt_torch.init_params(V, T, L, C, seed=0)
    opt = gpt_torch.adamw(P, lr=1e-3, beta2=0.95)
    x = torch.randint(0, V, (B, T))
    y = torch.randint(0, V, (B, T))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = gpt_torch.loss(P, x, y, NH)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(P.values()), 1.0)
        opt.step()

    for _ in range(3):
        step()                                   # warm up
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    dt = time.perf_counter() - t0
    with open("/proc/self/maps") as maps:   # Debian's torch takes whichever libblas.so.3 is installed
        blas = "OpenBLAS" if "openblas" in maps.read() else "reference BLAS (slow)"
    print(f"torch tokens/s {B * T * steps / dt:.0f}  ({steps} steps in {dt:.2f} s, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads, BLAS: {blas})")


if __name__ == "__main__":
    if len(sys.argv) != 8:
        sys.exit(__doc__)
    main(*map(int, sys.argv[1:]))
