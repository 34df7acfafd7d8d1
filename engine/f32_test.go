package engine

import (
	"math"
	"testing"

	"interloop/rng"
	"interloop/tensor"
)

// The cases of TestFloat32MatchesFloat64, each written once for both
// element types.
var ceTargets = []int{0, 5, 2, -1, 7, 1, 3, 3, 6, 4, 0, 2, 1, -1, 5, 6}

func fGelu[T Float](tp *Tape[T], x []*Node[T]) *Node[T] { return tp.Gelu(x[0]) }
func fRelu[T Float](tp *Tape[T], x []*Node[T]) *Node[T] { return tp.Relu(x[0]) }
func fSoftmax[T Float](tp *Tape[T], x []*Node[T]) *Node[T] {
	return tp.Add(tp.Softmax(x[0], -1), tp.LogSoftmax(x[0], -1))
}
func fCausal[T Float](tp *Tape[T], x []*Node[T]) *Node[T] { return tp.CausalSoftmax(x[0], 0.3) }
func fCE[T Float](tp *Tape[T], x []*Node[T]) *Node[T]     { return tp.CrossEntropy(x[0], ceTargets) }
func fLN[T Float](tp *Tape[T], x []*Node[T]) *Node[T] {
	a := tp.LayerNorm(x[0], x[1], x[2], 1e-5)
	return tp.Add(a, tp.LayerNorm(tp.Scale(x[0], 3, 100), nil, nil, 1e-5))
}
func fAttn[T Float](tp *Tape[T], x []*Node[T]) *Node[T] {
	return tp.AttnMix(tp.CausalSoftmax(tp.AttnScores(x[0], x[1]), 0.4), x[2])
}
func fBinary[T Float](tp *Tape[T], x []*Node[T]) *Node[T] {
	a, b := x[0], x[1]
	return tp.Add(tp.Mul(tp.Sub(a, b), tp.Add(a, b)), tp.Reshape(tp.Reshape(tp.Sub(b, a), 17, 4), 4, 17))
}

// TestFloat32MatchesFloat64: every op with a float32 fast path (vector
// kernels, fast exponentials, the fitted erfc, the attention ops, gradient
// buffers shared or stored) gives on a float32 tape the values and
// gradients of the float64 reference tape, to float32 accuracy.
func TestFloat32MatchesFloat64(t *testing.T) {
	cases := []struct {
		name   string
		shapes [][]int
		f64    func(*Tape[float64], []*Node[float64]) *Node[float64]
		f32    func(*Tape[float32], []*Node[float32]) *Node[float32]
	}{
		{"gelu", [][]int{{3, 37}}, fGelu[float64], fGelu[float32]},
		{"relu", [][]int{{3, 37}}, fRelu[float64], fRelu[float32]},
		{"softmax", [][]int{{5, 19}}, fSoftmax[float64], fSoftmax[float32]},
		{"causal-softmax", [][]int{{2, 3, 9, 9}}, fCausal[float64], fCausal[float32]},
		{"crossentropy", [][]int{{2, 8, 8}}, fCE[float64], fCE[float32]},
		{"layernorm", [][]int{{6, 20}, {20}, {20}}, fLN[float64], fLN[float32]},
		{"attention", [][]int{{2, 7, 3, 5}, {2, 7, 3, 5}, {2, 7, 3, 5}}, fAttn[float64], fAttn[float32]},
		{"binary", [][]int{{4, 17}, {4, 17}}, fBinary[float64], fBinary[float32]},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ins := make([]*tensor.Tensor[float64], len(c.shapes))
			for i, s := range c.shapes {
				ins[i] = randT(uint64(10+i), s...)
			}
			v64, g64 := evalOn(c.f64, ins)
			v32, g32 := evalOn(c.f32, ins)
			cmp := func(what string, a, b []float64) {
				t.Helper()
				for i := range a {
					if d := math.Abs(a[i] - b[i]); d > 2e-6*math.Max(1, math.Abs(a[i])) {
						t.Fatalf("%s[%d]: float64 %v, float32 %v", what, i, a[i], b[i])
					}
				}
			}
			cmp("value", v64, v32)
			for i := range g64 {
				cmp("gradient", g64[i], g32[i])
			}
		})
	}
}

// evalOn runs f on a T tape with the inputs converted to T, seeds the
// output with fixed weights, and returns the value and the inputs'
// gradients as float64.
func evalOn[T Float](f func(*Tape[T], []*Node[T]) *Node[T], ins []*tensor.Tensor[float64]) ([]float64, [][]float64) {
	tp := NewTape[T]()
	xs := make([]*Node[T], len(ins))
	for i, in := range ins {
		xs[i] = tp.Input(convert[T](in.Data, in.Shape()))
	}
	y := f(tp, xs)
	w := tensor.Randn[float64](rng.New(99, 0), 1, y.Shape()...)
	if err := tp.BackwardFrom(y, convert[T](w.Data, w.Shape())); err != nil {
		panic(err)
	}
	grads := make([][]float64, len(xs))
	for i, x := range xs {
		grads[i] = make([]float64, x.Value.Len())
		if x.Grad != nil {
			grads[i] = toF64(x.Grad.Data)
		}
	}
	return toF64(y.Value.Data), grads
}

func convert[T Float](d []float64, shape []int) *tensor.Tensor[T] {
	t := tensor.New[T](shape...)
	for i, v := range d {
		t.Data[i] = T(v)
	}
	return t
}

func toF64[T Float](d []T) []float64 {
	out := make([]float64, len(d))
	for i, v := range d {
		out[i] = float64(v)
	}
	return out
}
