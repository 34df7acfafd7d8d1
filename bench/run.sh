#!/usr/bin/env bash
# Side-by-side benchmark: PyTorch and interloop on the same workloads, in one
# run, interleaved so that both see the same machine load. See README.md.
#   bench/run.sh            # 5 rounds (about 4 minutes)
#   ROUNDS=3 bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-5}
py=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d /tmp/interloop-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

go test -c -o "$tmp/nn.test" ./nn
go test -c -o "$tmp/gemm.test" ./internal/gemm
# Debian's torch runs OpenBLAS's own thread pool under torch's; with both on
# it is many times slower. torch.set_num_threads then sets the real count.
export OPENBLAS_NUM_THREADS=1

# gobench IMPL THREADS: "Benchmark<name>[-P] N ns/op [x GFLOP/s] ... a allocs/op"
# lines on stdin to JSON lines.
gobench() {
	awk -v th="$2" '/^Benchmark/ {
		name = $1; sub(/-[0-9]+$/, "", name)
		w = ""
		if (name == "BenchmarkMLPStep") w = "mlp"
		else if (name == "BenchmarkTransformerStep") w = "transformer"
		else if (name ~ /Sgemm\/n=256\//) w = "sgemm256"
		else if (name ~ /Sgemm\/n=1024\//) w = "sgemm1024"
		if (w == "") next
		gf = ""; allocs = ""
		for (i = 4; i <= NF; i++) {
			if ($i == "GFLOP/s") gf = $(i-1)
			if ($i == "allocs/op") allocs = $(i-1)
		}
		printf "{\"impl\": \"interloop\", \"threads\": %d, \"workload\": \"%s\", \"ms\": %.6f", th, w, $3 / 1e6
		if (gf != "") printf ", \"gflops\": %s", gf
		if (allocs != "") printf ", \"allocs\": %s", allocs
		printf "}\n"
	}'
}

for r in $(seq 1 "$rounds"); do
	echo "round $r/$rounds" >&2
	for th in 1 2; do
		"$py" bench/torch_bench.py --threads "$th" >>"$tmp/results.jsonl"
		# GOMAXPROCS=1 is interloop's one-thread configuration (gemm then
		# uses one goroutine); 2 is the default on this machine.
		GOMAXPROCS=$th "$tmp/nn.test" -test.run '^$' -test.bench '^Benchmark(MLP|Transformer)Step$' \
			-test.benchtime 1s -test.benchmem | gobench interloop "$th" >>"$tmp/results.jsonl"
		"$tmp/gemm.test" -test.run '^$' -test.bench "^BenchmarkSgemm\$/^n=(256|1024)\$/^threads=$th\$" \
			-test.benchtime 1s -test.benchmem | gobench interloop "$th" >>"$tmp/results.jsonl"
	done
done
"$py" bench/table.py "$tmp/results.jsonl"
