package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"interloop/probe"
	"interloop/safetensors"
)

const tinyGPT2 = "../../testdata/gpt2/tiny"

// TestCaptureSmoke captures two sites of the committed tiny GPT-2 and
// checks the written tensors.
func TestCaptureSmoke(t *testing.T) {
	out := filepath.Join(t.TempDir(), "acts.safetensors")
	res, err := execute(t, "capture", "--model", tinyGPT2, "--ids", "1,2,3", "--ids", "4, 5",
		"--site", "blocks.0.hook_resid_post", "--site", "blocks.1.mlp.hook_post", "--out", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, res)
	}
	f, err := safetensors.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string][]int{"blocks.0.hook_resid_post": {5, 32}, "blocks.1.mlp.hook_post": {5, 128}, "tokens": {5}, "example": {5}, "read": {5}}
	for name, shape := range want {
		info, ok := f.Info(name)
		if !ok || fmt.Sprint(info.Shape) != fmt.Sprint(shape) {
			t.Errorf("%s: shape %v (present %v), want %v", name, info.Shape, ok, shape)
		}
	}
}

// TestCaptureProbe fits and saves a probe from labelled JSONL examples.
func TestCaptureProbe(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "data.jsonl")
	var lines []string
	for i := 0; i < 16; i++ {
		// Label: the example contains token 7.
		first := 10 + i%5
		if i%2 == 0 {
			lines = append(lines, fmt.Sprintf(`{"ids": [%d, 7, %d], "label": true}`, first, 20+i))
		} else {
			lines = append(lines, fmt.Sprintf(`{"ids": [%d, 8, %d], "label": false}`, first, 20+i))
		}
	}
	if err := os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pr := filepath.Join(dir, "probe.json")
	res, err := execute(t, "capture", "--model", tinyGPT2, "--input", in, "--site", "blocks.1.hook_resid_post", "--probe", pr, "--pool", "max")
	if err != nil {
		t.Fatalf("%v\n%s", err, res)
	}
	if !strings.Contains(res, "held-out AUROC") {
		t.Errorf("no held-out AUROC:\n%s", res)
	}
	f, err := os.Open(pr)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, meta, err := probe.Load(f)
	if err != nil || d.Kind() != "pooled" || meta.Site != "blocks.1.hook_resid_post" {
		t.Fatalf("saved probe: %v %v %+v", err, d, meta)
	}
}

func TestCaptureBadInput(t *testing.T) {
	cases := map[string][]string{
		"no model":     {"capture", "--ids", "1", "--out", "x"},
		"no output":    {"capture", "--model", tinyGPT2, "--ids", "1"},
		"bad site":     {"capture", "--model", tinyGPT2, "--ids", "1", "--site", "blocks.0.attn.hook_pattern", "--out", "x"},
		"id too large": {"capture", "--model", tinyGPT2, "--ids", "1,96", "--out", filepath.Join(t.TempDir(), "x")},
		"no labels":    {"capture", "--model", tinyGPT2, "--ids", "1,2", "--probe", filepath.Join(t.TempDir(), "p")},
	}
	for name, args := range cases {
		if out, err := execute(t, args...); err == nil {
			t.Errorf("%s: accepted\n%s", name, out)
		}
	}
}
