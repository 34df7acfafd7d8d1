package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func execute(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(args)
	err := root.Execute()
	return out.String() + errb.String(), err
}

// TestRunSmoke runs the default experiment end to end at a tiny budget.
func TestRunSmoke(t *testing.T) {
	dir := t.TempDir()
	out, err := execute(t, "run", "--seeds", "2", "--out", dir,
		"--set", "pretrain.steps=30", "--set", "pretrain.probe_episodes=128", "--set", "rl.steps=15",
		"--set", "rl.log_every=5", "--set", "rl.eval_episodes=32", "--set", "audit.episodes=64")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"brain/none", "e2e/probe-loss", "What this shows", "outcomes"} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "default", "runs.jsonl")); err != nil {
		t.Fatal(err)
	}
}

func TestRunBadInput(t *testing.T) {
	cases := map[string][]string{
		"unknown experiment": {"run", "nosuch"},
		"unknown field":      {"run", "--set", "rl.stepz=3"},
		"bad value":          {"run", "--set", "rl.steps=many"},
		"bad seeds":          {"run", "--seeds", "-1"},
	}
	for name, args := range cases {
		out, err := execute(t, args...)
		if err == nil {
			t.Errorf("%s: accepted\n%s", name, out)
			continue
		}
		if strings.Count(err.Error(), "\n") > 0 {
			t.Errorf("%s: error is not one line: %q", name, err)
		}
	}
}

func TestVersion(t *testing.T) {
	out, err := execute(t, "version")
	if err != nil || !strings.HasPrefix(out, "interloop ") {
		t.Fatalf("%q %v", out, err)
	}
}
