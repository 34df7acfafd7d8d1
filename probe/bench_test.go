package probe

import "testing"

// BenchmarkFitLogistic fits a C=1 logistic probe on 10,000 × 128 activations.
func BenchmarkFitLogistic(b *testing.B) {
	X, y := synth(10000, 128, 1, 7)
	b.ResetTimer()
	for b.Loop() {
		l, err := FitLogistic(X, y, LogisticConfig{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(l.Iterations()), "newton-steps")
	}
}
