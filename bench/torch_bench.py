#!/usr/bin/env python3
"""PyTorch side of bench/run.sh: times the reference workloads on the CPU.

Workloads (the same as nn's BenchmarkMLPStep / BenchmarkTransformerStep,
cmd/interloop's `bench`, and internal/gemm's BenchmarkSgemm):

  mlp          MLP 32→128→8 (ReLU), batch 256, cross-entropy, Adam(lr 1e-3)
  transformer  2-layer pre-LN transformer, d_model 64, 4 heads, seq 16,
               vocab 64, GELU MLP 4×, batch 64, next-token CE, Adam(lr 1e-3)
  sgemm256     torch.mm of float32 n×n matrices into a preallocated output
  sgemm1024

A training step is zero_grad(set_to_none=True) + forward + backward +
opt.step(), on a fixed batch, as the Go benchmarks do. The models are the
ones the parity fixtures use (scripts/torch_fixtures.py), so both sides run
the same architecture and parameter count.

Each workload is warmed up, then timed in `--repeats` blocks of at least
`--min-time` seconds; every block prints one JSON line
  {"impl": "torch", "threads": N, "workload": ..., "ms": ms/step, "gflops": ...}
Run it with OPENBLAS_NUM_THREADS=1 in the environment (see README.md) and
the system interpreter: /usr/bin/python3 bench/torch_bench.py --threads 1
"""

import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from torch_fixtures import MLP, Transformer  # noqa: E402  (the parity models)


def mlp_step():
    torch.manual_seed(1)
    model = MLP([32, 128, 8])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(256, 32)
    y = torch.randint(0, 8, (256,))

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()

    return step, 0.0


def transformer_step():
    torch.manual_seed(2)
    vocab, seq, batch = 64, 16, 64
    model = Transformer(vocab, seq, 64, 4, 2)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    toks = torch.randint(0, vocab, (batch, seq + 1))
    ids, targets = toks[:, :seq], toks[:, 1:].reshape(-1)

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(ids).reshape(-1, vocab), targets).backward()
        opt.step()

    return step, 0.0


def sgemm(n):
    def make():
        torch.manual_seed(3)
        a, b = torch.randn(n, n), torch.randn(n, n)
        c = torch.empty(n, n)

        def step():
            torch.mm(a, b, out=c)

        return step, 2.0 * n * n * n

    return make


WORKLOADS = {
    "mlp": mlp_step,
    "transformer": transformer_step,
    "sgemm256": sgemm(256),
    "sgemm1024": sgemm(1024),
}


def time_block(step, min_time):
    """Runs step until min_time has passed; returns seconds per step."""
    n, start = 0, time.perf_counter()
    while True:
        step()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return elapsed / n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    ap.add_argument("--repeats", type=int, default=1, help="timed blocks per workload")
    ap.add_argument("--min-time", type=float, default=1.0, help="seconds per timed block")
    ap.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated subset")
    args = ap.parse_args()
    if os.environ.get("OPENBLAS_NUM_THREADS") != "1":
        print("torch_bench: warning: OPENBLAS_NUM_THREADS is not 1; Debian's torch is then far slower",
              file=sys.stderr)
    torch.set_num_threads(args.threads)
    for name in args.workloads.split(","):
        step, flops = WORKLOADS[name]()
        time_block(step, 0.3)  # warm-up: allocator, kernels, caches
        for _ in range(args.repeats):
            s = time_block(step, args.min_time)
            rec = {"impl": "torch", "threads": args.threads, "workload": name, "ms": s * 1e3}
            if flops:
                rec["gflops"] = flops / s / 1e9
            print(json.dumps(rec), flush=True)


if __name__ == "__main__":
    main()
