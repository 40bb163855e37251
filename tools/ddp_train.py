#!/usr/bin/python3
"""Continue training an `llmlab export` folder on several processes with
PyTorch's DistributedDataParallel, then write the result as an export folder
again (`llmlab import OUT -o CKPT` turns it back into a checkpoint).

    torchrun --nproc_per_node 2 tools/ddp_train.py DIR --out OUT [--steps K]

Run it from the course's folder (train.json names the token files under
data/). Each process is one rank; on CPUs they talk through gloo, with CUDA
through NCCL, one GPU per process. The recipe is llmlab's and comes from
DIR/train.json (what `llmlab export --data NAME` wrote):

- the batches: llmlab's generator (xoshiro256**, common/rng.c) re-implemented
  here and continued from the checkpoint's state, drawing the same B windows
  a single `llmlab train --resume` would draw. Every rank draws the whole
  global batch and keeps its own B / N rows;
- the gradient: each rank's loss is the mean over its rows; DDP all-reduces
  the gradients and divides by N, which is the mean over all B rows, the
  single process's gradient (the rows are equally many on every rank);
- clipping of the global norm, the learning-rate schedule of Day 5 from the
  checkpoint's step, AdamW with llmlab's two groups (decay on the matrices
  and wte only) and its moments carried over from optimizer.safetensors.

Options: --steps K (default: up to the recipe's max_steps), --max-steps M
(move the schedule's end), --log FILE (a CSV row per step: step, loss, lr,
grad_norm). Needs Debian's python3-torch (/usr/bin/python3, /usr/bin/torchrun).
"""
import argparse
import datetime
import json
import math
import os
import shutil
import socket
import struct
import sys
import tempfile

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpt_torch  # noqa: E402

MASK64 = (1 << 64) - 1
EXPORT_FILES = ("model.safetensors", "config.json", "tokenizer.bpe", "check.json", "train.json",
                "optimizer.safetensors")


class Rng:
    """llmlab's xoshiro256** (common/rng.c), state and all: the same draws, bit for bit."""

    def __init__(self, state):
        self.s = [int(x, 16) & MASK64 for x in state]

    def u64(self):
        s = self.s
        rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & MASK64
        out = (rotl((s[1] * 5) & MASK64, 7) * 9) & MASK64
        t = (s[1] << 17) & MASK64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return out

    def below(self, n):
        """Uniform in [0, n), rejecting the top values as rng_below does (no modulo bias)."""
        limit = MASK64 - MASK64 % n
        while True:
            r = self.u64()
            if r < limit:
                return r % n

    def state(self):
        return [f"{x:016x}" for x in self.s]


def batch_starts(rng, n, B, T):
    """Day 5's batch_sample: one start per row, rows in order."""
    return [rng.below(n - T) for _ in range(B)]


def lr_schedule(step, max_steps, warmup, lr_max, lr_min):
    """Day 5's lr_schedule (optim.h), in float32 arithmetic as the C computes it."""
    F = np.float32
    hi, lo = F(lr_max), F(lr_min)
    if step < warmup:
        return float(hi * F(step + 1) / F(warmup))
    span = max_steps - 1 - warmup
    p = min(1.0, (step - warmup) / span) if span > 0 else 1.0
    return float(lo + (hi - lo) * F(0.5 * (1.0 + math.cos(math.pi * p))))


def read_tokens(path, want_hash, vocab):
    """A token file (day05_tokenizer/tokens.h): 40-byte header, then uint16 ids."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 40 or data[:8] != b"LLMTOKS2":
        raise SystemExit(f"ddp_train: {path} is not an llmlab token file")
    tok_vocab, _, n, tok_hash, _ = struct.unpack("<IIQQQ", data[8:40])
    if len(data) != 40 + 2 * n:
        raise SystemExit(f"ddp_train: {path} is truncated ({len(data)} bytes for {n} tokens)")
    if f"{tok_hash:016x}" != want_hash:
        raise SystemExit(f"ddp_train: {path} was made by another tokenizer than the export's")
    if tok_vocab > vocab:
        raise SystemExit(f"ddp_train: {path} has a vocabulary of {tok_vocab}, the model {vocab}")
    return torch.from_numpy(np.frombuffer(data, dtype="<u2", offset=40).astype(np.int64))


class Gpt(torch.nn.Module):
    """The twin (gpt_torch.forward) as a module, so DDP can hook its parameters."""

    def __init__(self, P, n_head):
        super().__init__()
        self.P = torch.nn.ParameterDict({k: torch.nn.Parameter(v.clone()) for k, v in P.items()})
        self.n_head = n_head

    def forward(self, x, y):
        return gpt_torch.loss(dict(self.P.items()), x, y, self.n_head)


def setup():
    """Join the process group torchrun describes (or be a group of one when run alone)."""
    if "RANK" not in os.environ:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        os.environ.update(RANK="0", WORLD_SIZE="1", LOCAL_RANK="0", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    cuda = torch.cuda.is_available()
    dist.init_process_group("nccl" if cuda else "gloo", timeout=datetime.timedelta(minutes=5))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device(f"cuda:{local}") if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    return dist.get_rank(), dist.get_world_size(), device


def find(path):
    """A path of train.json: from the current folder, else from the course's root."""
    if os.path.exists(path):
        return path
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    return os.path.join(root, path) if os.path.exists(os.path.join(root, path)) else path


def write_export(src, out, P, opt_state, names, cfg, train, rng):
    """The export folder again: the new weights and moments, train.json moved on, check.json from PyTorch.
    Written into a new folder beside OUT, then put in its place (an earlier OUT stays whole until then)."""
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=os.path.basename(out) + ".tmp-", dir=parent)
    try:
        L = cfg["n_layer"]
        S = gpt_torch.to_hf(P)
        order = [n for n in S]
        gpt_torch.save_safetensors(os.path.join(tmp, "model.safetensors"), S, order)
        M = gpt_torch.to_hf({k: opt_state[k]["exp_avg"] for k in names}, "exp_avg.")
        V = gpt_torch.to_hf({k: opt_state[k]["exp_avg_sq"] for k in names}, "exp_avg_sq.")
        gpt_torch.save_safetensors(os.path.join(tmp, "optimizer.safetensors"), {**M, **V},
                                   [f"exp_avg.{n}" for n in order] + [f"exp_avg_sq.{n}" for n in order])
        for name in ("config.json", "tokenizer.bpe"):
            shutil.copyfile(os.path.join(src, name), os.path.join(tmp, name))
        train = dict(train, step=train["step"], has_moments=True)
        train["rng"] = dict(train["rng"], s=rng.state())
        train["producer"] = "tools/ddp_train.py"
        with open(os.path.join(tmp, "train.json"), "w") as f:
            json.dump(train, f, indent=2)
            f.write("\n")
        with open(os.path.join(src, "check.json")) as f:
            tokens = json.load(f)["tokens"]
        with torch.no_grad():
            logits = gpt_torch.forward({k: v.double() for k, v in P.items()}, torch.tensor([tokens]), cfg["n_head"])[0]
        with open(os.path.join(tmp, "check.json"), "w") as f:
            json.dump({"tokens": tokens, "logits": [[float(f"{v:.9g}") for v in row] for row in logits.tolist()],
                       "producer": "tools/ddp_train.py (PyTorch, float64)"}, f)
        for name in os.listdir(tmp):
            with open(os.path.join(tmp, name), "rb") as f:
                os.fsync(f.fileno())
        old = None
        if os.path.exists(out):
            if not os.path.isdir(out) or os.path.islink(out) or set(os.listdir(out)) - set(EXPORT_FILES):
                raise SystemExit(f"ddp_train: {out} is not an export folder: give a new folder")
            old = tempfile.mkdtemp(prefix=os.path.basename(out) + ".old-", dir=parent)
            os.rmdir(old)
            os.rename(out, old)
        os.rename(tmp, out)
        if old:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", help="an `llmlab export --data NAME` folder")
    ap.add_argument("--out", required=True, help="folder to write (an export folder, replaced whole)")
    ap.add_argument("--steps", type=int, default=0, help="steps to train (default: up to max_steps)")
    ap.add_argument("--max-steps", type=int, default=0, help="the schedule's end (default: the recipe's)")
    ap.add_argument("--log", help="CSV file: step,loss,lr,grad_norm (rank 0 writes it)")
    a = ap.parse_args()
    torch.set_num_threads(1)  # one core per rank on a small machine; the ranks are the parallelism
    rank, world, device = setup()

    def fail(msg):
        if rank == 0:
            print(f"ddp_train: {msg}", file=sys.stderr)
        sys.exit(1)

    for name in ("config.json", "train.json", "model.safetensors"):
        if not os.path.exists(os.path.join(a.dir, name)):
            fail(f"{a.dir}/{name} is missing: give a folder of `llmlab export --data NAME`")
    cfg = json.load(open(os.path.join(a.dir, "config.json")))
    train = json.load(open(os.path.join(a.dir, "train.json")))
    if cfg.get("model_type") != "gpt2" or train.get("format") != "llmlab-train 1":
        fail(f"{a.dir} is not an llmlab export (config.json's model_type, train.json's format)")
    if "data" not in train:
        fail(f"{a.dir}/train.json names no token files: export with --data NAME")
    r = train["recipe"]
    B, T, L, NH = r["batch"], r["block"], cfg["n_layer"], cfg["n_head"]
    if B % world != 0:
        fail(f"the batch of {B} rows does not split evenly over {world} processes")
    max_steps = a.max_steps or r["max_steps"]
    step0 = train["step"]
    steps = a.steps or max_steps - step0
    if steps <= 0 or step0 + steps > max_steps:
        fail(f"the checkpoint is at step {step0} of {max_steps}: {steps} more steps do not fit (--max-steps M)")

    P = gpt_torch.from_hf(gpt_torch.load_safetensors(os.path.join(a.dir, "model.safetensors")), L)
    opt_path = os.path.join(a.dir, "optimizer.safetensors")
    moments = gpt_torch.load_safetensors(opt_path) if train.get("has_moments") else None
    data = read_tokens(find(train["data"]["train_tokens"]), train["tokenizer_hash"], cfg["vocab_size"])

    model = Gpt(P, NH).to(device)
    names = list(model.P.keys())
    decay = {ours for ours in names if gpt_torch.hf_names(ours, L)[0] in set(r["decay"])}
    opt = torch.optim.AdamW(
        [{"params": [model.P[k] for k in names if k in decay], "weight_decay": r["weight_decay"]},
         {"params": [model.P[k] for k in names if k not in decay], "weight_decay": 0.0}],
        lr=r["lr_max"], betas=(r["beta1"], r["beta2"]), eps=r["eps"], foreach=False)
    if moments is not None:  # the moments and step carried over: AdamW continues, bias correction and all
        M = gpt_torch.from_hf(moments, L, "exp_avg.")
        V = gpt_torch.from_hf(moments, L, "exp_avg_sq.")
        for k in names:
            opt.state[model.P[k]] = {"step": torch.tensor(float(step0)), "exp_avg": M[k].to(device),
                                     "exp_avg_sq": V[k].to(device)}
    ddp = DDP(model, device_ids=[device.index] if device.type == "cuda" else None)

    rng = Rng(train["rng"]["s"])
    rows = B // world
    mine = slice(rank * rows, (rank + 1) * rows)
    log = open(a.log, "w") if a.log and rank == 0 else None
    if log:
        log.write("step,loss,lr,grad_norm\n")
    if rank == 0:
        print(f"ddp_train: {world} processes ({dist.get_backend()}), step {step0} -> {step0 + steps} of "
              f"{max_steps}, global batch {B} x {T} ({rows} rows per process)", file=sys.stderr)
    first = last = None
    for step in range(step0, step0 + steps):
        starts = batch_starts(rng, len(data), B, T)[mine]  # every rank draws all B, keeps its rows
        x = torch.stack([data[s:s + T] for s in starts]).to(device)
        y = torch.stack([data[s + 1:s + 1 + T] for s in starts]).to(device)
        opt.zero_grad(set_to_none=False)
        loss = ddp(x, y)
        loss.backward()  # DDP all-reduces the gradients here: their mean over the ranks
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), r["grad_clip"]) if r["grad_clip"] > 0 else \
            torch.sqrt(sum((p.grad.double() ** 2).sum() for p in model.parameters()))
        lr = lr_schedule(step, max_steps, r["warmup"], r["lr_max"], r["lr_min"])
        for g in opt.param_groups:
            g["lr"] = lr
        opt.step()
        global_loss = loss.detach().clone()
        dist.all_reduce(global_loss)  # for the log: the mean over every row of the batch
        global_loss = global_loss.item() / world
        if not math.isfinite(global_loss) or not math.isfinite(float(norm)):
            fail(f"the loss or the gradient norm became {global_loss}, {float(norm)} at step {step + 1}: "
                 "nothing written")
        first = global_loss if first is None else first
        last = global_loss
        if log:
            log.write(f"{step + 1},{global_loss:.9g},{lr:.9g},{float(norm):.9g}\n")
    if log:
        log.close()
    if rank == 0:
        train["step"] = step0 + steps
        if a.max_steps:
            train["recipe"] = dict(r, max_steps=max_steps)
        state = {k: opt.state[model.P[k]] for k in names}
        P_out = {k: model.P[k].detach().cpu() for k in names}
        write_export(a.dir, a.out, P_out, {k: {n: v.cpu() for n, v in s.items() if n != "step"}
                                           for k, s in state.items()}, names, cfg, train, rng)
        print(f"ddp_train: step {step0 + 1} loss {first:.6f}, step {step0 + steps} loss {last:.6f}; wrote {a.out}",
              file=sys.stderr)
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
