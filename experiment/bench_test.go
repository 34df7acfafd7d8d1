package experiment

import (
	"context"
	"testing"
	"time"

	"interloop/internal/gemm"
)

// BenchmarkVaultRun times one whole vault run at default sizes, single
// threaded: pre-training, probe fitting, RL with curves, and the audit
// (one arm, one seed, so the pre-RL phases are not shared).
func BenchmarkVaultRun(b *testing.B) {
	prev := gemm.Threads()
	gemm.SetThreads(1)
	defer gemm.SetThreads(prev)
	for _, kind := range []string{"brain/probe-reward", "e2e/probe-loss"} {
		b.Run(kind, func(b *testing.B) {
			e := Default()
			e.Seeds = 1
			for _, a := range e.Arms {
				if a.Name == kind {
					e.Arms = []ArmSpec{a}
				}
			}
			for b.Loop() {
				t := time.Now()
				res, err := Run(context.Background(), e, Options{Jobs: 1})
				if err != nil || res.Runs[0].Err != "" {
					b.Fatal(err, res.Runs[0].Err)
				}
				b.ReportMetric(time.Since(t).Seconds(), "s/run")
			}
		})
	}
}
