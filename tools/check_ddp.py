#!/usr/bin/env python3
"""make check-ddp: llmlab -> PyTorch DistributedDataParallel -> llmlab, checked.

    LLMLAB_BIN=build/bin/llmlab python3 tools/check_ddp.py [--steps 50] [--skip-without-torch]

1. trains a tiny GPT for 10 steps on the fortunes (byte vocabulary, 2 layers
   of 32 channels, batch 8 of 32 tokens) and exports it with the recipe of a
   60-step run (`llmlab export --data fortunes`);
2. continues it with tools/ddp_train.py for STEPS steps on 2 CPU processes
   (torchrun, gloo), and, for comparison, with `llmlab train --resume`;
3. imports the result (`llmlab import`) and has llmlab compute its logits.

It passes only if the first distributed step's loss equals llmlab's next
step on the same batch within 1e-4, the final loss is below the starting
one, the imported checkpoint's logits equal PyTorch's within 1e-4, and the
imported checkpoint resumes in llmlab. It also prints llmlab's own loss at
the last step beside the distributed one: the same run, computed twice.
Runs in build/ddp/. Needs Debian's python3-torch (/usr/bin/python3).
"""
import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
TORCH_PY = os.environ.get("LLMLAB_TORCH_PYTHON", "/usr/bin/python3")  # Debian's, with python3-torch
MODEL = ["--vocab", "257", "--layers", "2", "--heads", "2", "--embd", "32", "--ctx", "32"]
FIRST = 10          # steps llmlab trains before the export


def recipe(total):
    return ["--batch", "8", "--steps", str(total), "--warmup", "5", "--lr", "3e-3"]


def run(cmd, **kw):
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"check-ddp: FAILED: {' '.join(cmd)} exited with {r.returncode}:\n{r.stdout}{r.stderr}")
    return r


def log_rows(path):
    with open(path) as f:
        return {int(float(row["step"])): row for row in csv.DictReader(f)}


def torch_missing():
    try:
        r = subprocess.run([TORCH_PY, "-c", "import torch.distributed as d; assert d.is_available()"],
                           capture_output=True, timeout=300)
        return r.returncode != 0
    except (OSError, subprocess.TimeoutExpired):
        return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=50, help="distributed steps (50 for make check-ddp)")
    ap.add_argument("--skip-without-torch", action="store_true", help="say 'skipped' and pass when torch is missing")
    a = ap.parse_args()
    bin_ = os.environ.get("LLMLAB_BIN", os.path.join(ROOT, "build", "bin", "llmlab"))
    if torch_missing():
        msg = "python3-torch not installed (apt-get install python3-torch)"
        if a.skip_without_torch:
            print(f"check-ddp: skipped: {msg}")
            return
        sys.exit(f"check-ddp: {msg}")
    t0 = time.time()
    work = os.path.join(ROOT, "build", "ddp")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    rel = lambda *p: os.path.relpath(os.path.join(work, *p), ROOT)
    total = FIRST + a.steps

    run([bin_, "train", "--data", "fortunes", *MODEL, *recipe(FIRST), "--run", rel("run"), "--quiet"])
    run([bin_, "export", "--ckpt", rel("run", "ckpt.bin"), "--out", rel("export"), "--data", "fortunes",
         *recipe(total)])

    # llmlab's own continuation of the same run: the reference for the losses
    shutil.copytree(os.path.join(work, "run"), os.path.join(work, "ref"))
    os.remove(os.path.join(work, "ref", ".lock")) if os.path.exists(os.path.join(work, "ref", ".lock")) else None
    run([bin_, "train", "--data", "fortunes", *MODEL, *recipe(total), "--run", rel("ref"), "--resume", "--quiet"])
    ref = log_rows(os.path.join(work, "ref", "log.csv"))

    # 2 processes on the CPU, gloo. --redirects 1 --tee 1: Debian's torchrun 1.13 under Python 3.11 fails
    # with its default (0, which Python 3.11's IntFlag no longer lists); stdout is still shown.
    torchrun = [TORCH_PY, "-m", "torch.distributed.run"]  # what /usr/bin/torchrun runs
    cmd = [*torchrun, "--standalone", "--nproc_per_node", "2", "--redirects", "1", "--tee", "1",
           "tools/ddp_train.py", rel("export"), "--out", rel("trained"), "--steps", str(a.steps),
           "--log", rel("ddp.csv")]
    t1 = time.time()
    r = run(cmd, env=dict(os.environ, OMP_NUM_THREADS="1"), timeout=900)
    t_ddp = time.time() - t1
    ddp = log_rows(os.path.join(work, "ddp.csv"))
    print(f"$ {' '.join(cmd)}")
    print("\n".join(line for line in r.stderr.splitlines() if line.startswith("ddp_train")))

    r = run([bin_, "import", rel("trained"), "-o", rel("imported.bin")])
    print(f"$ llmlab import {rel('trained')} -o {rel('imported.bin')}\n{r.stderr.strip()}")
    # the imported checkpoint's logits (llmlab's, exported again) against PyTorch's (ddp_train's check.json)
    run([bin_, "export", "--ckpt", rel("imported.bin"), "--out", rel("reexport")])
    ours = json.load(open(os.path.join(work, "reexport", "check.json")))
    theirs = json.load(open(os.path.join(work, "trained", "check.json")))
    assert ours["tokens"] == theirs["tokens"]
    logit_diff = max(abs(x - y) for a_, b_ in zip(ours["logits"], theirs["logits"]) for x, y in zip(a_, b_))
    # and llmlab resumes it: one more step, from the distributed run's state
    os.makedirs(os.path.join(work, "resumed"))
    shutil.copyfile(os.path.join(work, "imported.bin"), os.path.join(work, "resumed", "ckpt.bin"))
    run([bin_, "train", "--data", "fortunes", *MODEL, *recipe(total + 1), "--run", rel("resumed"), "--resume",
         "--quiet"])
    resumed = log_rows(os.path.join(work, "resumed", "log.csv"))

    s1, sN = FIRST + 1, total
    first, last = float(ddp[s1]["loss"]), float(ddp[sN]["loss"])
    ref_first, ref_last = float(ref[s1]["train_loss"]), float(ref[sN]["train_loss"])
    checks = [
        (f"step {s1} (the first distributed step): loss {first:.6f}, llmlab's {ref_first:.6f}, "
         f"difference {abs(first - ref_first):.2g} (at most 1e-4)", abs(first - ref_first) <= 1e-4),
        (f"step {sN}: loss {last:.6f}, below the starting {first:.6f}", last < first),
        (f"the imported checkpoint's logits equal PyTorch's within {logit_diff:.2g} (at most 1e-4)",
         logit_diff <= 1e-4),
        (f"llmlab resumes the imported checkpoint: step {total + 1}, loss {float(resumed[total + 1]['train_loss']):.6f}",
         total + 1 in resumed),
    ]
    print(f"for comparison, llmlab alone (train --resume) at step {sN}: loss {ref_last:.6f} "
          f"(difference {abs(last - ref_last):.2g})")
    bad = 0
    for what, ok in checks:
        print(f"  {'ok  ' if ok else 'FAIL'} {what}")
        bad += not ok
    print(f"check-ddp: {len(checks) - bad}/{len(checks)} checks passed, {a.steps} distributed steps in "
          f"{t_ddp:.0f} s, {time.time() - t0:.0f} s in all")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
