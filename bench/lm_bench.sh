#!/usr/bin/env bash
# Tiny-GPT training throughput, interloop vs PyTorch: the experiment's
# pre-training step (lm.BenchmarkLMTrainStep; the same model and step in
# bench/lm_bench.py) with 1 and 2 threads. Each side runs several times,
# after waiting for the machine to be idle; the best run counts. The floor
# the issue sets is 2× PyTorch.
#   bench/lm_bench.sh [repeats]
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-3}
bin=$(mktemp /tmp/lm_bench.XXXXXX)
trap 'rm -f "$bin"' EXIT
go test -c -o "$bin" ./lm

busy() { # percent of CPU time busy over 0.3 s
	read -r _ u1 n1 s1 i1 w1 q1 sq1 _ < /proc/stat
	sleep 0.3
	read -r _ u2 n2 s2 i2 w2 q2 sq2 _ < /proc/stat
	local b=$(((u2 + n2 + s2 + q2 + sq2) - (u1 + n1 + s1 + q1 + sq1)))
	local t=$((b + (i2 + w2) - (i1 + w1)))
	echo $((100 * b / (t > 0 ? t : 1)))
}
wait_idle() {
	for _ in $(seq 1 100); do
		[ "$(busy)" -lt 8 ] && return 0
	done
	echo "warning: machine never idle; timings are contended" >&2
}
best() { sort -g | tail -1; }

for threads in 1 2; do
	go_best=$(for _ in $(seq 1 "$reps"); do
		wait_idle
		"$bin" -test.run '^$' -test.bench '^BenchmarkLMTrainStep$' -test.benchtime 300x -test.cpu "$threads" |
			awk '/tokens\/s/ { for (i = 1; i < NF; i++) if ($(i+1) == "tokens/s") print $i }'
	done | best)
	torch_best=$(for _ in $(seq 1 "$reps"); do
		wait_idle
		OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads /usr/bin/python3 bench/lm_bench.py --threads "$threads" |
			sed -n 's/.*tokens_per_s=\([0-9.]*\).*/\1/p'
	done | best)
	awk -v t="$threads" -v g="$go_best" -v p="$torch_best" 'BEGIN {
		r = g / p
		printf "threads=%d  interloop %8.0f tokens/s  pytorch %8.0f tokens/s  ratio %.2fx  %s\n", t, g, p, r, (r >= 2 ? "meets the 2x floor" : "BELOW the 2x floor")
	}'
done
