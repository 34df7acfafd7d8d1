package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"interloop/cluster/slurm/slurmtest"
	"interloop/store/pgtest"
)

// bench500 is a 500-run sweep: 2 arms × 5 λ × 50 seeds at rl.steps=100,
// one pre-training per seed.
const bench500 = `name: bench-500
description: 500 runs for timing local against Slurm
seeds: 50
base: {rl.arch: end-to-end, rl.steps: 100}
arms:
  - name: none
    set: {arm.kind: none}
  - name: reward
    set: {arm.kind: probe-reward}
sweep:
  grid: {arm.lambda: [0.25, 0.5, 1, 2, 4]}
`

// TestSlurmSweepWallTime times the 500-run sweep run locally (one process,
// a run per core, SQLite) and through the single-node Slurm cluster (one
// array task per seed, then ten tasks; a task per core; PostgreSQL). It
// takes minutes, so it runs only when asked:
//
//	INTERLOOP_SLURM_BENCH=1 go test -run TestSlurmSweepWallTime -v -timeout 60m ./cmd/interloop
func TestSlurmSweepWallTime(t *testing.T) {
	if os.Getenv("INTERLOOP_SLURM_BENCH") == "" {
		t.Skip("set INTERLOOP_SLURM_BENCH=1 to time a 500-run sweep locally and through Slurm")
	}
	url := pgtest.New(t)
	cluster := slurmtest.Start(t)
	t.Setenv("SLURM_CONF", cluster.Conf)
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	file := filepath.Join(dir, "bench.yaml")
	os.WriteFile(file, []byte(bench500), 0o644)

	// Both run under /usr/bin/time, which appends each process's elapsed,
	// user and system seconds to a file: CPU time does not depend on what
	// else the machine runs, wall time does.
	timeProg, err := exec.LookPath("time")
	if err != nil {
		timeProg = "/usr/bin/time"
	}
	if _, err := os.Stat(timeProg); err != nil {
		t.Skip("GNU time not found")
	}
	// The real command, not this test binary (which links test-only
	// packages that slow every start).
	bin := filepath.Join(dir, "interloop")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	wrap := filepath.Join(dir, "timed-interloop")
	os.WriteFile(wrap, []byte("#!/bin/sh\nexec "+timeProg+" -a -o \"$TIMES\" -f '%e %U %S' "+bin+" \"$@\"\n"), 0o755)

	localTimes := filepath.Join(dir, "local.times")
	start := time.Now()
	cmd := exec.Command(wrap, "run", file, "--quiet", "--out", dir, "--store", filepath.Join(dir, "local.db"))
	cmd.Env = append(os.Environ(), "TIMES="+localTimes)
	outb, err := cmd.CombinedOutput()
	local := time.Since(start)
	if err != nil || !strings.Contains(string(outb), "500 runs (0 failed)") {
		t.Fatalf("local: %v\n%s", err, outb)
	}
	_, lcpu, _ := sumTimes(t, localTimes)
	t.Logf("500-run sweep on %d CPUs:\n  local (interloop run, one process, SQLite): wall %.1fs, CPU %.1fs",
		runtime.NumCPU(), local.Seconds(), lcpu)

	// Through Slurm, one task per seed (the default) and ten tasks of 50
	// runs, each into its own database.
	for i, shards := range []string{"", "10"} {
		db := url
		if i > 0 {
			db = pgtest.New(t)
		}
		times := filepath.Join(dir, fmt.Sprintf("slurm%d.times", i))
		args := []string{"submit", "slurm", file, "--store", db, "--concurrency", "0", "--partition", cluster.Partition,
			"--binary", wrap, "--export", "TIMES=" + times, "--out", dir}
		if shards != "" {
			args = append(args, "--shards", shards)
		}
		start = time.Now()
		out := mustRun(t, args...)
		m := regexp.MustCompile(`submitted slurm job (\d+): bench-500, 500 runs in (\d+) shards`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("submit:\n%s", out)
		}
		out = mustRun(t, "status", "slurm-"+m[1], "--store", db, "--wait", "--timeout", "50m")
		viaSlurm := time.Since(start)
		if !strings.Contains(out, "every run is stored") {
			t.Fatalf("status:\n%s\n%s", out, taskLogs(dir))
		}
		sw, scpu, tasks := sumTimes(t, times)
		t.Logf("  Slurm (%s array tasks, 1 CPU each, PostgreSQL): wall %.1fs from submit to all stored, CPU %.1fs in %d tasks "+
			"(task wall %.1fs summed); Slurm/local wall %.2f, CPU %.2f",
			m[2], viaSlurm.Seconds(), scpu, tasks, sw, viaSlurm.Seconds()/local.Seconds(), scpu/lcpu)
	}
}

// sumTimes adds up /usr/bin/time lines "elapsed user system".
func sumTimes(t *testing.T, path string) (wall, cpu float64, n int) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		var e, u, s float64
		if _, err := fmt.Sscanf(line, "%g %g %g", &e, &u, &s); err == nil {
			wall, cpu, n = wall+e, cpu+u+s, n+1
		}
	}
	return wall, cpu, n
}
