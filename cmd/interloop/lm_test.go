package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunLMSmoke runs `interloop run lm` end to end at a tiny budget.
func TestRunLMSmoke(t *testing.T) {
	dir := t.TempDir()
	args := []string{"run", "lm", "--seeds", "2", "--quiet", "--out", dir}
	for _, s := range []string{"pretrain.steps=30", "pretrain.eval_episodes=16", "probe.episodes=32", "probe.attn_epochs=2",
		"rl.steps=3", "rl.prompts=2", "rl.group=4", "audit.episodes=32", "retrain_every=2", "arms=none,probe-loss,probe-reward-retrained"} {
		args = append(args, "--set", s)
	}
	out, err := execute(t, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"probe-loss/attn", "probe-reward-retrained/max", "What this shows", "outcomes"} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	for _, f := range []string{"runs.jsonl", "summary.csv", "findings.txt", "config.json"} {
		if _, err := os.Stat(filepath.Join(dir, "lm", f)); err != nil {
			t.Error(err)
		}
	}
	if _, err := execute(t, "run", "lm", "--set", "rl.stepz=3"); err == nil {
		t.Error("unknown field accepted")
	}
}
