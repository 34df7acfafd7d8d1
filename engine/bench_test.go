package engine

import (
	"testing"

	"interloop/rng"
	"interloop/tensor"
)

// Op benchmarks at the transformer benchmark's sizes (1024 tokens,
// d_model 64, MLP 256, 4 heads of 16): forward + backward of one op on a
// reused tape. -benchmem should show 0 allocs/op.

func benchOp(b *testing.B, shape []int, f func(tp *Tape[float32], x *Node[float32]) *Node[float32]) {
	x := tensor.Randn[float32](rng.New(1, 1), 1, shape...)
	seed := tensor.Randn[float32](rng.New(2, 1), 1, shape...)
	tp := NewTape[float32]()
	step := func() {
		tp.Reset()
		y := f(tp, tp.Input(x))
		if y.Value.Len() != seed.Len() {
			seed = tensor.Randn[float32](rng.New(2, 1), 1, y.Shape()...)
		}
		if err := tp.BackwardFrom(y, seed); err != nil {
			b.Fatal(err)
		}
	}
	step()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		step()
	}
}

func BenchmarkGelu(b *testing.B) {
	b.Run("simd", func(b *testing.B) { benchOp(b, []int{1024, 256}, (*Tape[float32]).Gelu) })
	if useAVX512 {
		b.Run("avx2", func(b *testing.B) {
			withoutAVX512(func() { benchOp(b, []int{1024, 256}, (*Tape[float32]).Gelu) })
		})
	}
	b.Run("go", func(b *testing.B) { withGo(func() { benchOp(b, []int{1024, 256}, (*Tape[float32]).Gelu) }) })
}

func BenchmarkRelu(b *testing.B) {
	benchOp(b, []int{256, 128}, (*Tape[float32]).Relu)
}

func BenchmarkLayerNorm(b *testing.B) {
	g := NewParam("g", tensor.Randn[float32](rng.New(3, 1), 1, 64))
	bias := NewParam("b", tensor.Randn[float32](rng.New(4, 1), 1, 64))
	f := func(tp *Tape[float32], x *Node[float32]) *Node[float32] {
		return tp.LayerNorm(x, tp.Param(g), tp.Param(bias), 1e-5)
	}
	b.Run("simd", func(b *testing.B) { benchOp(b, []int{1024, 64}, f) })
	b.Run("go", func(b *testing.B) { withGo(func() { benchOp(b, []int{1024, 64}, f) }) })
}

func BenchmarkAttention(b *testing.B) {
	// q = k = v = x [B=64, T=16, H=4, dh=16]
	benchOp(b, []int{64, 16, 4, 16}, func(tp *Tape[float32], x *Node[float32]) *Node[float32] {
		return tp.AttnMix(tp.CausalSoftmax(tp.AttnScores(x, x), 0.25), x)
	})
}

func BenchmarkCrossEntropy(b *testing.B) {
	targets := make([]int, 1024)
	for i := range targets {
		targets[i] = i % 64
	}
	benchOp(b, []int{1024, 64}, func(tp *Tape[float32], x *Node[float32]) *Node[float32] {
		return tp.CrossEntropy(x, targets)
	})
}
