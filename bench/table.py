#!/usr/bin/env python3
"""Prints bench/run.sh's comparison table from its JSON-lines results.

For every workload and implementation/thread configuration it takes the
median over rounds. Speedup is interloop's default configuration (2 threads,
GOMAXPROCS on this machine) over the faster PyTorch configuration; the
best/best column compares the faster of each side. Matrix products compare
GFLOP/s, training steps ms/step.
"""

import json
import statistics
import sys

FLOORS = {"mlp": ("speedup", 3.0), "transformer": ("speedup", 2.0), "sgemm1024": ("gflops", 100.0)}


def main(path):
    runs = {}
    allocs = {}
    for line in open(path):
        r = json.loads(line)
        key = (r["workload"], r["impl"], r["threads"])
        metric = r.get("gflops", r["ms"]) if r["workload"].startswith("sgemm") else r["ms"]
        runs.setdefault(key, []).append(metric)
        if "allocs" in r:
            allocs.setdefault(r["workload"], set()).add(str(r["allocs"]))
    med = {k: statistics.median(v) for k, v in runs.items()}
    n = max(len(v) for v in runs.values())
    cols = [("torch", 1), ("torch", 2), ("interloop", 1), ("interloop", 2)]
    head = ["workload", "unit"] + ["%s t%d" % c for c in cols] + ["speedup", "best/best", "floor"]
    rows = []
    for w in ["mlp", "transformer", "sgemm256", "sgemm1024"]:
        vals = [med.get((w,) + c) for c in cols]
        if None in vals:
            continue
        gemm = w.startswith("sgemm")
        unit = "GFLOP/s" if gemm else "ms/step"
        faster = max if gemm else min
        torch_best, go_best, go_default = faster(vals[:2]), faster(vals[2:]), vals[3]
        ratio = (lambda a, b: a / b) if gemm else (lambda a, b: b / a)
        speed, best = ratio(go_default, torch_best), ratio(go_best, torch_best)
        floor = ""
        if w in FLOORS:
            kind, need = FLOORS[w]
            got = speed if kind == "speedup" else go_default
            floor = "%s %s %g%s" % ("ok" if got >= need else "MISS", ">=", need, "x" if kind == "speedup" else "")
        fmt = "%.1f" if gemm else "%.3f"
        rows.append([w, unit] + [fmt % v for v in vals] + ["%.2fx" % speed, "%.2fx" % best, floor])
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    for r in [head] + rows:
        print("  ".join(str(c).rjust(widths[i]) if i > 1 else str(c).ljust(widths[i]) for i, c in enumerate(r)))
    print()
    print("median of %d rounds; speedup: interloop t2 (its default) over the faster torch" % n)
    print("interloop allocs/step: %s" % ", ".join("%s %s" % (w, "/".join(sorted(a))) for w, a in sorted(allocs.items())))


if __name__ == "__main__":
    main(sys.argv[1])
