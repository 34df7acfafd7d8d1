package main

import (
	"strings"
	"testing"
)

// TestBenchSmoke times the MLP workload once (about a second) and checks
// the table's shape; the numbers themselves are not asserted.
func TestBenchSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("times a workload for about a second")
	}
	out, err := execute(t, "bench", "--only", "mlp", "--threads", "1")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"ms/step", "allocs/step", "mlp", "gemm threads 1"} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := execute(t, "bench", "--only", "nosuch"); err == nil {
		t.Fatal("unknown workload accepted")
	}
}
