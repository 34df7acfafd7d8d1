package lm

import (
	"testing"

	"interloop/engine"
	"interloop/env/vault"
	"interloop/internal/gemm"
	"interloop/optim"
	"interloop/rng"
)

// BenchmarkLMTrainStep is one pre-training step of the experiment's tiny
// GPT (DefaultModel: 2 layers, d=32, 4 heads, the instruction in a second
// unembedding): forward on 64 episodes × Context tokens, cross-entropy,
// backward, AdamW. It reports tokens/s (B·Context per step). Matrix
// products use GOMAXPROCS threads (go test -cpu 1,2). bench/lm_bench.sh
// runs it beside the same step in PyTorch (bench/lm_bench.py).
func BenchmarkLMTrainStep(b *testing.B) {
	prev := gemm.Threads()
	gemm.SetThreads(0)
	defer gemm.SetThreads(prev)
	w, err := vault.New(vault.DefaultConfig(), 0)
	if err != nil {
		b.Fatal(err)
	}
	r := rng.New(0, 1)
	m, err := NewModel(DefaultModel(), r)
	if err != nil {
		b.Fatal(err)
	}
	opt, err := optim.NewAdamW(m.Params(), optim.AdamConfig{LR: 1e-3})
	if err != nil {
		b.Fatal(err)
	}
	const B = 64
	ids, targets := make([]int, B*Context), make([]int, B*Context)
	NewCorpus(DefaultCorpus(), w).Fill(r, ids, targets)
	tp := engine.NewTape[float32]()
	step := func() {
		tp.Reset()
		loss := tp.CrossEntropy(m.Logits(tp, ids, Context, nil), targets) // [B, Context, V] → scalar
		opt.ZeroGrad()
		if err := tp.Backward(loss); err != nil {
			b.Fatal(err)
		}
		opt.Step()
	}
	for range 3 {
		step()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		step()
	}
	b.ReportMetric(float64(B*Context)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}
