package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommandsSmoke runs every results command on a tiny stored sweep.
func TestCommandsSmoke(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "results.db")
	out, err := execute(t, "run", "default", "--seeds", "1", "--quiet", "--out", dir, "--checkpoints",
		"--set", "pretrain.steps=20", "--set", "pretrain.probe_episodes=64", "--set", "rl.steps=10",
		"--set", "rl.log_every=5", "--set", "rl.eval_episodes=16", "--set", "audit.episodes=32",
		"--grid", "arm.lambda=0.5,2")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "16 arms × 1 seeds = 16 runs") {
		t.Fatalf("%s", out)
	}
	ck, _ := filepath.Glob(filepath.Join(dir, "checkpoints", "*.safetensors"))
	if len(ck) != 16 {
		t.Fatalf("%d checkpoints", len(ck))
	}
	out, err = execute(t, "ls", "--store", db)
	if err != nil || !strings.Contains(out, "default") {
		t.Fatalf("ls: %v\n%s", err, out)
	}
	out, err = execute(t, "ls", "default", "--store", db)
	if err != nil || strings.Count(out, "\n") != 17 {
		t.Fatalf("ls default: %v\n%s", err, out)
	}
	id := strings.Fields(strings.Split(out, "\n")[1])[0]
	out, err = execute(t, "show", id[:6], "--store", db)
	if err != nil || !strings.Contains(out, "config:") || !strings.Contains(out, "lie_rate_sampled") {
		t.Fatalf("show: %v\n%s", err, out)
	}
	for _, format := range []string{"csv", "parquet"} {
		out, err = execute(t, "export", "--format", format, "--store", db, "--out", filepath.Join(dir, "x"))
		if err != nil || strings.Count(out, "\n") != 6 {
			t.Fatalf("export %s: %v\n%s", format, err, out)
		}
	}
	out, err = execute(t, "list")
	if err != nil || !strings.Contains(out, "default") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	out, err = execute(t, "config", "schema")
	var schema map[string]any
	if err != nil || json.Unmarshal([]byte(out), &schema) != nil {
		t.Fatalf("schema: %v\n%s", err, out)
	}
	out, err = execute(t, "config", "show", "default")
	if err != nil {
		t.Fatal(err)
	}
	// The shown file runs as itself.
	file := filepath.Join(dir, "my.yaml")
	os.WriteFile(file, []byte(out), 0o644)
	if out2, err := execute(t, "config", "show", file); err != nil || out2 != out {
		t.Fatalf("config show of the shown file: %v\n%s", err, out2)
	}
	for _, args := range [][]string{{"show", "zzzz", "--store", db}, {"ls", "--store", filepath.Join(dir, "none.db")},
		{"run", file, "--grid", "rl.steps=a,b"}, {"config", "show", "nosuch"}, {"export", "--format", "xml", "--store", db}} {
		if out, err := execute(t, args...); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: %v\n%s", args, err, out)
		}
	}
}
