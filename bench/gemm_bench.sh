#!/usr/bin/env bash
# Runs the internal/gemm benchmarks, each several times, waiting for the
# machine to be idle before every run (other processes steal cores and wreck
# threaded timings), and prints the best run of each.
#   bench/gemm_bench.sh [bench-regexp] [repeats]
set -euo pipefail
cd "$(dirname "$0")/.."
pat=${1:-.}
reps=${2:-3}
bin=$(mktemp /tmp/gemm_bench.XXXXXX)
trap 'rm -f "$bin"' EXIT
go test -c -o "$bin" ./internal/gemm

busy() { # percent of CPU time busy over 0.3 s
	read -r _ u1 n1 s1 i1 w1 q1 sq1 _ < /proc/stat
	sleep 0.3
	read -r _ u2 n2 s2 i2 w2 q2 sq2 _ < /proc/stat
	local b=$(((u2 + n2 + s2 + q2 + sq2) - (u1 + n1 + s1 + q1 + sq1)))
	local t=$((b + (i2 + w2) - (i1 + w1)))
	echo $((100 * b / (t > 0 ? t : 1)))
}
wait_idle() {
	for _ in $(seq 1 10); do
		[ "$(busy)" -lt 8 ] && return 0
	done
	echo "note: machine busy (timings may be pessimistic)" >&2
}

names=$("$bin" -test.list '^Benchmark' | grep -E "$pat" || true)
for name in $names; do
	subs=$("$bin" -test.run '^$' -test.bench "^$name\$" -test.benchtime 1x 2>/dev/null | awk '/^Benchmark/ {print $1}' | sed 's/-[0-9]*$//')
	for sub in $subs; do
		re="^$(echo "$sub" | sed 's/\//$\/^/g')\$"
		for _ in $(seq 1 "$reps"); do
			wait_idle
			"$bin" -test.run '^$' -test.bench "$re" -test.benchtime 200ms -test.benchmem 2>/dev/null | grep '^Benchmark' || true
		done
	done
done | awk '{ if (!($1 in best) || $3 + 0 < best[$1] + 0) { best[$1] = $3; line[$1] = $0 }; if (!($1 in order)) { order[$1] = n++ } }
	END { for (k in order) print order[k] "\t" line[k] }' | sort -n | cut -f2-
