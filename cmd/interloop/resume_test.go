package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"interloop/store"
)

// TestMain lets the test binary stand in for the interloop command in a
// subprocess (the kill-and-resume test needs a real process to SIGKILL).
func TestMain(m *testing.M) {
	if os.Getenv("INTERLOOP_AS_COMMAND") == "1" {
		root := newRoot()
		root.SetArgs(os.Args[1:])
		if err := root.Execute(); err != nil {
			fmt.Fprintln(os.Stderr, "interloop:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// sweepYAML is a 24-run sweep at a tiny budget.
const sweepYAML = `name: resume-test
seeds: 2
base: {pretrain.steps: 30, pretrain.probe_episodes: 128, rl.steps: 40, rl.log_every: 10, rl.eval_episodes: 32, audit.episodes: 64}
arms:
  - name: none
    set: {rl.arch: end-to-end}
  - name: reward
    set: {rl.arch: end-to-end, arm.kind: probe-reward}
sweep:
  grid: {arm.lambda: [0.5, 1, 2], rl.lr: [0.001, 0.003]}
`

// TestKillAndResume SIGKILLs `interloop run` mid-sweep, resumes it, and
// checks the store holds every run exactly once with results identical to
// an uninterrupted sweep's.
func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns subprocesses")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "sweep.yaml")
	if err := os.WriteFile(file, []byte(sweepYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	killed := filepath.Join(dir, "killed.db")
	args := []string{"run", file, "--jobs", "2", "--quiet", "--out", filepath.Join(dir, "out1"), "--store", killed}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "INTERLOOP_AS_COMMAND=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once a few runs are stored, while others are under way.
	deadline := time.Now().Add(60 * time.Second)
	stored := 0
	for stored < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		stored = countRuns(t, killed)
	}
	// Meanwhile a second writer is refused with a clear error.
	out, err := execute(t, "run", file, "--quiet", "--out", filepath.Join(dir, "out1"), "--store", killed)
	if err == nil || !strings.Contains(err.Error(), "in use by another interloop run") {
		t.Errorf("second writer: %v\n%s", err, out)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if stored == 0 || stored >= 24 {
		t.Fatalf("killed with %d of 24 runs stored: want a kill mid-sweep\n%s", stored, stderr.String())
	}
	t.Logf("killed after %d of 24 runs", stored)

	// Resume, then run the same sweep uninterrupted into another store.
	if out, err := execute(t, "run", file, "--jobs", "2", "--quiet", "--out", filepath.Join(dir, "out1"), "--store", killed); err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	} else if !strings.Contains(out, "24 runs (0 failed)") {
		t.Fatalf("resume output:\n%s", out)
	}
	clean := filepath.Join(dir, "clean.db")
	if out, err := execute(t, "run", file, "--jobs", "1", "--quiet", "--out", filepath.Join(dir, "out2"), "--store", clean); err != nil {
		t.Fatalf("clean: %v\n%s", err, out)
	}
	a, b := dump(t, killed), dump(t, clean)
	if len(a["runs"]) != 24 || len(a["experiment_runs"]) != 24 {
		t.Fatalf("resumed store has %d runs, %d links; want 24", len(a["runs"]), len(a["experiment_runs"]))
	}
	for _, table := range store.Tables {
		if table == "experiments" {
			continue
		}
		if len(a[table]) != len(b[table]) {
			t.Errorf("%s: %d rows resumed, %d uninterrupted", table, len(a[table]), len(b[table]))
			continue
		}
		for i := range a[table] {
			if a[table][i] != b[table][i] {
				t.Errorf("%s row %d differs:\n%s\n%s", table, i, a[table][i], b[table][i])
				break
			}
		}
	}
	// The files written from the store equal those of the clean run.
	for _, f := range []string{"summary.csv", "curves.csv", "findings.txt"} {
		x, _ := os.ReadFile(filepath.Join(dir, "out1", "resume-test", f))
		y, _ := os.ReadFile(filepath.Join(dir, "out2", "resume-test", f))
		if string(x) != string(y) || len(x) == 0 {
			t.Errorf("%s differs between resumed and clean runs", f)
		}
	}
}

func countRuns(t *testing.T, path string) int {
	if _, err := os.Stat(path); err != nil {
		return 0
	}
	s, err := store.Open(context.Background(), path)
	if err != nil {
		return 0
	}
	defer s.Close()
	runs, _ := s.Runs(context.Background(), "")
	return len(runs)
}

// dump renders every table's rows, without the columns that record when
// and how long (they differ between any two runs).
func dump(t *testing.T, path string) map[string][]string {
	t.Helper()
	s, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out := map[string][]string{}
	skip := map[string]bool{"started_at": true, "finished_at": true, "seconds": true, "created_at": true, "updated_at": true}
	for _, table := range store.Tables {
		err := s.Scan(context.Background(), table, "", func(cols []string, vals []any) error {
			var parts []string
			for i, c := range cols {
				if skip[c] {
					continue
				}
				v := vals[i]
				if c == "result" {
					var m map[string]any
					json.Unmarshal([]byte(v.(string)), &m)
					delete(m, "seconds")
					b, _ := json.Marshal(m)
					v = string(b)
				}
				parts = append(parts, fmt.Sprintf("%s=%v", c, v))
			}
			out[table] = append(out[table], strings.Join(parts, " "))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}
