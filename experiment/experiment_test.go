package experiment

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tiny is the default experiment at a budget small enough for unit tests.
func tiny(t *testing.T, seeds int) *Experiment {
	t.Helper()
	e := Default()
	e.Seeds = seeds
	err := e.Override([]string{
		"pretrain.steps=40", "pretrain.probe_episodes=128", "rl.steps=20", "rl.log_every=10",
		"rl.eval_episodes=32", "audit.episodes=64",
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func runsJSON(t *testing.T, res *Results) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, r := range res.Runs {
		r.Seconds = 0
		b, err := marshalNaN(r)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

// TestDeterministicAcrossJobs: the same config and seeds give bit-identical
// results whether runs go one at a time or in parallel.
func TestDeterministicAcrossJobs(t *testing.T) {
	var out [2][]byte
	for i, jobs := range []int{1, 2} {
		res, err := Run(context.Background(), tiny(t, 2), Options{Jobs: jobs})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res.Runs {
			if r.Err != "" {
				t.Fatalf("%s seed %d failed: %s", r.Arm, r.Seed, r.Err)
			}
		}
		out[i] = runsJSON(t, res)
	}
	if !bytes.Equal(out[0], out[1]) {
		t.Fatal("results differ between 1 and 2 parallel jobs")
	}
}

func TestOutputFiles(t *testing.T) {
	res, err := Run(context.Background(), tiny(t, 2), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := Summarize(res)
	f := Findings(s)
	if len(f) == 0 {
		t.Fatal("no findings")
	}
	var table bytes.Buffer
	s.WriteTable(&table)
	for _, a := range res.Experiment.Arms {
		if !strings.Contains(table.String(), a.Name) {
			t.Fatalf("table lacks arm %s", a.Name)
		}
	}
	dir := t.TempDir()
	if err := WriteDir(dir, res, s, f); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "runs.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != len(res.Runs) {
		t.Fatalf("%d lines for %d runs", len(lines), len(res.Runs))
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if _, ok := first["audit"]; !ok {
		t.Fatal("run record lacks the audit")
	}
	for _, name := range []string{"curves.csv", "summary.csv", "findings.txt"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Fatalf("%s missing or empty: %v", name, err)
		}
	}
}

func TestSetOverrides(t *testing.T) {
	c := DefaultRunConfig()
	if err := c.Set("rl.steps=123"); err != nil || c.RL.Steps != 123 {
		t.Fatalf("rl.steps: %v, %d", err, c.RL.Steps)
	}
	if err := c.Set("world.catch_target=realized"); err != nil || c.World.CatchTarget != "realized" {
		t.Fatalf("catch_target: %v", err)
	}
	if err := c.Set("arm.retrain.every=7"); err != nil || c.Arm.Retrain.Every != 7 {
		t.Fatalf("retrain.every: %v", err)
	}
	for _, bad := range []string{"rl.stepz=1", "rl.steps=abc", "nosuch.x=1", "rl", "rl.steps.x=1"} {
		c := DefaultRunConfig()
		err := c.Set(bad)
		if err == nil {
			t.Errorf("%q accepted", bad)
			continue
		}
		path, _, _ := strings.Cut(bad, "=")
		if !strings.Contains(err.Error(), path) {
			t.Errorf("%q: error %q does not name the path", bad, err)
		}
	}
	e := Default()
	if err := e.Override([]string{"rl.arch=brain-like"}); err != nil {
		t.Fatal(err)
	}
	if err := e.Validate(); err == nil {
		t.Fatal("probe-loss with brain-like accepted")
	}
}
