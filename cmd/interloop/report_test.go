package main

import (
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReportSmoke: run the default experiment at a tiny budget, then write
// its report and PNG figures from the store.
func TestReportSmoke(t *testing.T) {
	dir := t.TempDir()
	out, err := execute(t, "run", "--seeds", "2", "--out", dir, "--quiet",
		"--set", "pretrain.steps=30", "--set", "pretrain.probe_episodes=128", "--set", "rl.steps=15",
		"--set", "rl.log_every=5", "--set", "rl.eval_episodes=32", "--set", "audit.episodes=64")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	db := filepath.Join(dir, "results.db")
	pngs := filepath.Join(dir, "png")
	out, err = execute(t, "report", "--store", db, "--png", pngs, "--png-size", "800x500")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	html := filepath.Join(dir, "default", "report.html")
	b, err := os.ReadFile(html)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"interloop report: default", "e2e/probe-loss", `id="fig-curves"`, "What this shows"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if !strings.Contains(out, html) {
		t.Errorf("output does not name %s:\n%s", html, out)
	}
	for _, name := range []string{"curves.png", "outcomes.png", "scatter.png"} {
		f, err := os.Open(filepath.Join(pngs, name))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil || cfg.Width != 800 || cfg.Height != 500 {
			t.Errorf("%s: %dx%d, %v", name, cfg.Width, cfg.Height, err)
		}
	}
	for name, args := range map[string][]string{
		"unknown experiment": {"report", "nosuch", "--store", db},
		"missing store":      {"report", "--store", filepath.Join(dir, "none.db")},
		"bad size":           {"report", "--store", db, "--png", pngs, "--png-size", "10x"},
	} {
		if out, err := execute(t, args...); err == nil {
			t.Errorf("%s: accepted\n%s", name, out)
		}
	}
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{"default": "default", "a/b": "a_b", "../x": ".._x", "..": "_..", "": "_", "λ sweep": "__sweep"} {
		if got := safeName(in); got != want {
			t.Errorf("safeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLoopbackAddr(t *testing.T) {
	for addr, want := range map[string]bool{"127.0.0.1:8080": true, "localhost:80": true, "[::1]:8080": true,
		":8080": false, "0.0.0.0:8080": false, "192.168.1.2:80": false, "bad": false} {
		if got := loopbackAddr(addr); got != want {
			t.Errorf("loopbackAddr(%q) = %v", addr, got)
		}
	}
}

// TestServeSmoke starts the dashboard on a free loopback port and stops it.
func TestServeSmoke(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "results.db")
	if out, err := execute(t, "report", "--store", db); err == nil {
		t.Fatalf("report on a missing store: accepted\n%s", out)
	}
	root := newRoot()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := os.WriteFile(db, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var buf strings.Builder
	root.SetOut(&buf)
	root.SetErr(&buf)
	root.SetArgs([]string{"serve", "--store", db, "--addr", "127.0.0.1:0"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%v\n%s", err, buf.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop when its context ended")
	}
}
