#!/usr/bin/python3
"""The character-level tinyshakespeare run of BENCHMARKS.md, in PyTorch: the
twin (tools/gpt_torch.py) trained with the same recipe as

    ./llmlab train --data tinyshakespeare --vocab 257 --eval-batches 20 --beta2 0.99

(configuration A, byte tokens, batch 12 of 64, 2,000 steps, lr 1e-3 with 100
warmup steps and a cosine to 1e-4, AdamW 0.9/BETA2 with decay 0.1 on the
matrices, clipping at 1, GPT-2's initialisation), so that both sides' time
and validation loss can be reported from the same machine.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 tools/bench/train_torch.py [STEPS] [BETA2]
    /usr/bin/python3 tools/bench/train_torch.py --eval DIR

Prints the time of the training steps, then the validation loss on 20 random
batches (as nanoGPT estimates it) and on the whole validation split. With
--eval, measures an `llmlab export` folder of the C model instead, on the
same windows. Needs `make data` (data/tinyshakespeare) and python3-torch.
"""
import math
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import gpt_torch  # noqa: E402

V, T, L, NH, C, B = 257, 64, 4, 4, 128, 12


def tokens(path):
    with open(path, "rb") as f:
        return torch.tensor(list(f.read()), dtype=torch.long)


def windows(data, starts):
    x = torch.stack([data[s:s + T] for s in starts])
    y = torch.stack([data[s + 1:s + 1 + T] for s in starts])
    return x, y


def lr_at(step, steps, warmup=100, lr_max=1e-3, lr_min=1e-4):
    if step < warmup:
        return lr_max * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - 1 - warmup)   # as lr_schedule (Day 5)
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * min(1.0, progress)))


@torch.no_grad()
def report(P, val, who):
    """Validation loss on 20 random batches (fixed seed) and on every window of the split."""
    def mean_loss(starts):
        losses = [gpt_torch.loss(P, *windows(val, starts[i:i + B]), NH).item() for i in range(0, len(starts), B)]
        return sum(losses) / len(losses)
    random20 = torch.randint(0, len(val) - T - 1, (20 * B,), generator=torch.Generator().manual_seed(20)).tolist()
    whole = list(range(0, len(val) - T - 1, T))
    print(f"{who}: validation loss {mean_loss(random20):.4f} on 20 random batches, "
          f"{mean_loss(whole):.4f} on the whole split ({len(whole)} windows)")


def load_data():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "tinyshakespeare")
    if not os.path.exists(os.path.join(root, "train.txt")):
        sys.exit("train_torch.py: no data/tinyshakespeare/train.txt: run `make data` first")
    return tokens(os.path.join(root, "train.txt")), tokens(os.path.join(root, "val.txt"))


def evaluate_export(folder):
    P = gpt_torch.from_hf(gpt_torch.load_safetensors(os.path.join(folder, "model.safetensors")), L)
    if tuple(P["wte"].shape) != (V, C) or P["ln1_w"].shape[0] != L or P["wpe"].shape[0] < T:
        sys.exit(f"train_torch.py: {folder} is not configuration A with the byte vocabulary")
    report(P, load_data()[1], "llmlab")


def main(steps=2000, beta2=0.99):
    torch.set_num_threads(2)
    train, val = load_data()
    P = gpt_torch.init_params(V, T, L, C, seed=1337)
    opt = gpt_torch.adamw(P, lr=1e-3, beta2=beta2)
    gen = torch.Generator().manual_seed(1337)
    t0 = time.perf_counter()
    for step in range(steps):
        for group in opt.param_groups:
            group["lr"] = lr_at(step, steps)
        x, y = windows(train, torch.randint(0, len(train) - T - 1, (B,), generator=gen).tolist())
        opt.zero_grad(set_to_none=True)
        loss = gpt_torch.loss(P, x, y, NH)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(P.values()), 1.0)
        opt.step()
        if step % 500 == 0:
            print(f"step {step}: train loss {loss.item():.4f}", flush=True)
    dt = time.perf_counter() - t0
    print(f"torch: {steps} steps in {dt:.1f} s ({steps * B * T / dt:.0f} tokens/s, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads)")
    report(P, val, "torch")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--eval":
        evaluate_export(sys.argv[2])
    elif len(sys.argv) <= 3 and not any(a.startswith("-") for a in sys.argv[1:]):
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000, float(sys.argv[2]) if len(sys.argv) > 2 else 0.99)
    else:
        sys.exit(__doc__)
