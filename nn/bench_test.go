package nn

import (
	"testing"

	"interloop/engine"
	"interloop/optim"
	"interloop/rng"
	"interloop/tensor"
)

// A training step is forward + backward + Adam step on one reused tape
// (Reset each step). After warm-up it must not allocate: run with
// -benchmem and expect 0 allocs/op.

func benchStep[T tensor.Float](b *testing.B, params []*engine.Param[T], loss func(tp *engine.Tape[T]) *engine.Node[T]) {
	opt, err := optim.NewAdam(params, optim.AdamConfig{LR: 1e-3})
	if err != nil {
		b.Fatal(err)
	}
	tp := engine.NewTape[T]()
	step := func() {
		tp.Reset()
		opt.ZeroGrad()
		if err := tp.Backward(loss(tp)); err != nil {
			b.Fatal(err)
		}
		opt.Step()
	}
	for range 3 { // warm-up: the tape's arenas reach their steady size
		step()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		step()
	}
}

// BenchmarkMLPStep: MLP 32→128→8 (ReLU), batch 256, cross-entropy, Adam.
func BenchmarkMLPStep(b *testing.B) {
	r := rng.New(1, 0)
	m, err := NewMLP[float32](MLPConfig{Sizes: []int{32, 128, 8}}, r)
	if err != nil {
		b.Fatal(err)
	}
	x := tensor.Randn[float32](r, 1, 256, 32)
	labels := make([]int, 256)
	for i := range labels {
		labels[i] = r.Intn(8)
	}
	benchStep(b, m.Params(), func(tp *engine.Tape[float32]) *engine.Node[float32] {
		return tp.CrossEntropy(m.Forward(tp, tp.Const(x), nil), labels) // [256, 8] → scalar
	})
}

// BenchmarkTransformerStep: 2-layer pre-LN transformer, d_model 64, 4
// heads, vocab 64, seq 16, batch 64, next-token cross-entropy, Adam.
func BenchmarkTransformerStep(b *testing.B) {
	r := rng.New(2, 0)
	m, err := NewTransformer[float32](TransformerConfig{Vocab: 64, Context: 16, DModel: 64, Heads: 4, Layers: 2}, r)
	if err != nil {
		b.Fatal(err)
	}
	x := Tokens{IDs: make([]int, 64*16), Seq: 16}
	for i := range x.IDs {
		x.IDs[i] = r.Intn(64)
	}
	next := make([]int, 64)
	for i := range next {
		next[i] = r.Intn(64)
	}
	targets := NextTokenTargets(x, next, nil)
	benchStep(b, m.Params(), func(tp *engine.Tape[float32]) *engine.Node[float32] {
		return tp.CrossEntropy(m.Forward(tp, x, nil), targets) // [64, 16, 64] → scalar
	})
}
