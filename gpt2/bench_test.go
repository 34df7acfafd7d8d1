package gpt2

import (
	"os"
	"testing"

	"interloop/engine"
	"interloop/nn"
)

// benchForward runs the no-grad forward pass on B×T random ids and reports
// tokens/s.
func benchForward(b *testing.B, m *Model, B, T int) {
	ids := make([]int, B*T)
	for i := range ids {
		ids[i] = (i*7919 + 13) % m.Config().Vocab
	}
	tp := engine.NewTape[float32]()
	tp.NoGrad = true
	run := func() {
		tp.Reset()
		m.Forward(tp, nn.Tokens{IDs: ids, Seq: T}, nil)
		if err := tp.Err(); err != nil {
			b.Fatal(err)
		}
	}
	run() // warm-up: the tape's buffers reach their size
	b.ResetTimer()
	for b.Loop() {
		run()
	}
	b.ReportMetric(float64(B*T)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkForwardTiny: the committed tiny checkpoint, 8×16 tokens.
func BenchmarkForwardTiny(b *testing.B) {
	m, err := Load(tinyDir, LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	benchForward(b, m, 8, 16)
}

// BenchmarkForwardSmall: GPT-2 small (124M) on 1×128 tokens, from the
// checkpoint directory in $GPT2_SMALL (scripts/gpt2_fixture.py --full DIR
// writes a random one); skipped without it.
func BenchmarkForwardSmall(b *testing.B) {
	dir := os.Getenv("GPT2_SMALL")
	if dir == "" {
		b.Skip("set GPT2_SMALL to a GPT-2 small checkpoint directory")
	}
	m, err := Load(dir, LoadOptions{Inference: true})
	if err != nil {
		b.Fatal(err)
	}
	benchForward(b, m, 1, 128)
}
