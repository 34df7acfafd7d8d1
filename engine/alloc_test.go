package engine

import (
	"testing"

	"interloop/rng"
	"interloop/tensor"
)

// TestStepAllocatesNothing: after one warm-up step, a Reset tape replays a
// training step with zero heap allocations.
func TestStepAllocatesNothing(t *testing.T) {
	r := rng.New(1, 1)
	w1 := NewParam("w1", tensor.Randn[float32](r, 0.1, 8, 16))
	b1 := NewParam("b1", tensor.New[float32](16))
	w2 := NewParam("w2", tensor.Randn[float32](r, 0.1, 16, 4))
	x := tensor.Randn[float32](r, 1, 32, 8)
	y := make([]int, 32)
	for i := range y {
		y[i] = i % 4
	}
	tp := NewTape[float32]()
	drop := rng.New(2, 2)
	step := func() {
		tp.Reset()
		h := tp.Relu(tp.Linear(tp.Const(x), tp.Param(w1), tp.Param(b1)))
		h = tp.LayerNorm(h, nil, nil, 1e-5)
		h = tp.Dropout(h, 0.1, drop)
		logits := tp.MatMul(h, tp.Param(w2))
		loss := tp.Add(tp.CrossEntropy(logits, y), tp.Mean(tp.Pow(tp.Softmax(logits, -1), 2)))
		s := tp.Sum(tp.Reshape(tp.Permute(tp.Reshape(logits, 4, 8, 4), 1, 0, 2), -1))
		loss = tp.Add(loss, tp.Scale(s, 1e-3, 0))
		// Attention over [B=4, T=8, H=2, dh=4] views of the GELU'd hidden layer.
		a := tp.Reshape(tp.Gelu(h), 4, 8, 2, 8)
		q, k := tp.Slice(a, 3, 0, 4), tp.Slice(a, 3, 4, 8)
		z := tp.AttnMix(tp.CausalSoftmax(tp.AttnScores(q, k), 0.5), tp.Mul(q, k))
		loss = tp.Add(loss, tp.Mean(tp.Mul(z, z)))
		if err := tp.Backward(loss); err != nil {
			t.Fatal(err)
		}
	}
	step()
	if n := testing.AllocsPerRun(20, step); n != 0 {
		t.Fatalf("step allocates %v times", n)
	}
}
