package engine

import (
	"strings"
	"testing"

	"interloop/rng"
	"interloop/tensor"
)

type N = Node[float64]
type T64 = Tape[float64]

// sumWeighted reduces an output to a scalar with fixed pseudo-random weights,
// so every output element's gradient is checked with a distinct seed.
func sumWeighted(tp *T64, y *N) *N {
	w := tensor.Randn[float64](rng.New(99, 0), 1, y.Shape()...)
	return tp.Sum(tp.Mul(y, tp.Const(w)))
}

func randT(seed uint64, shape ...int) *tensor.Tensor[float64] {
	return tensor.Randn[float64](rng.New(seed, 1), 1, shape...)
}

func posT(seed uint64, shape ...int) *tensor.Tensor[float64] {
	return tensor.Rand[float64](rng.New(seed, 2), 0.5, 2, shape...)
}

// TestGradients checks every op's backward against central finite
// differences in float64.
func TestGradients(t *testing.T) {
	cases := []struct {
		name   string
		inputs []*tensor.Tensor[float64]
		f      func(tp *T64, x []*N) *N
	}{
		{"matmul", []*tensor.Tensor[float64]{randT(1, 3, 4), randT(2, 4, 5)}, func(tp *T64, x []*N) *N { return tp.MatMul(x[0], x[1]) }},
		{"matmul-batched", []*tensor.Tensor[float64]{randT(1, 2, 3, 4), randT(2, 2, 4, 5)}, func(tp *T64, x []*N) *N { return tp.MatMul(x[0], x[1]) }},
		{"matmul-folded", []*tensor.Tensor[float64]{randT(1, 2, 3, 4), randT(2, 4, 5)}, func(tp *T64, x []*N) *N { return tp.MatMul(x[0], x[1]) }},
		{"matmul-transB-folded", []*tensor.Tensor[float64]{randT(1, 2, 3, 4), randT(2, 5, 4)}, func(tp *T64, x []*N) *N { return tp.MatMulT(x[0], x[1], false, true) }},
		{"matmul-transA", []*tensor.Tensor[float64]{randT(1, 2, 4, 3), randT(2, 2, 4, 5)}, func(tp *T64, x []*N) *N { return tp.MatMulT(x[0], x[1], true, false) }},
		{"matmul-transAB", []*tensor.Tensor[float64]{randT(1, 2, 4, 3), randT(2, 2, 5, 4)}, func(tp *T64, x []*N) *N { return tp.MatMulT(x[0], x[1], true, true) }},
		{"matmul-transA-shared-b", []*tensor.Tensor[float64]{randT(1, 2, 4, 3), randT(2, 4, 5)}, func(tp *T64, x []*N) *N { return tp.MatMulT(x[0], x[1], true, false) }},
		{"linear", []*tensor.Tensor[float64]{randT(1, 2, 3, 4), randT(2, 4, 5), randT(3, 5)}, func(tp *T64, x []*N) *N { return tp.Linear(x[0], x[1], x[2]) }},
		{"linear-nobias", []*tensor.Tensor[float64]{randT(1, 3, 4), randT(2, 4, 5)}, func(tp *T64, x []*N) *N { return tp.Linear(x[0], x[1], nil) }},
		{"add", []*tensor.Tensor[float64]{randT(1, 3, 4), randT(2, 3, 4)}, func(tp *T64, x []*N) *N { return tp.Add(x[0], x[1]) }},
		{"add-bcast", []*tensor.Tensor[float64]{randT(1, 2, 3, 4), randT(2, 4)}, func(tp *T64, x []*N) *N { return tp.Add(x[0], x[1]) }},
		{"sub-bcast-mid", []*tensor.Tensor[float64]{randT(1, 2, 1, 4), randT(2, 3, 1)}, func(tp *T64, x []*N) *N { return tp.Sub(x[0], x[1]) }},
		{"mul-bcast", []*tensor.Tensor[float64]{randT(1, 3, 4), randT(2, 3, 1)}, func(tp *T64, x []*N) *N { return tp.Mul(x[0], x[1]) }},
		{"mul-scalar", []*tensor.Tensor[float64]{randT(1, 3, 4), randT(2)}, func(tp *T64, x []*N) *N { return tp.Mul(x[0], x[1]) }},
		{"div-bcast", []*tensor.Tensor[float64]{randT(1, 3, 4), posT(2, 4)}, func(tp *T64, x []*N) *N { return tp.Div(x[0], x[1]) }},
		{"neg", []*tensor.Tensor[float64]{randT(1, 3, 4)}, func(tp *T64, x []*N) *N { return tp.Neg(x[0]) }},
		{"exp", []*tensor.Tensor[float64]{randT(1, 3, 4)}, func(tp *T64, x []*N) *N { return tp.Exp(x[0]) }},
		{"log", []*tensor.Tensor[float64]{posT(1, 3, 4)}, func(tp *T64, x []*N) *N { return tp.Log(x[0]) }},
		{"sqrt", []*tensor.Tensor[float64]{posT(1, 3, 4)}, func(tp *T64, x []*N) *N { return tp.Sqrt(x[0]) }},
		{"pow", []*tensor.Tensor[float64]{posT(1, 3, 4)}, func(tp *T64, x []*N) *N { return tp.Pow(x[0], 2.5) }},
		{"scale", []*tensor.Tensor[float64]{randT(1, 3, 4)}, func(tp *T64, x []*N) *N { return tp.Scale(x[0], -1.5, 0.25) }},
		{"relu", []*tensor.Tensor[float64]{randT(1, 3, 4)}, func(tp *T64, x []*N) *N { return tp.Relu(x[0]) }},
		{"gelu", []*tensor.Tensor[float64]{randT(1, 3, 4)}, func(tp *T64, x []*N) *N { return tp.Gelu(x[0]) }},
		{"tanh", []*tensor.Tensor[float64]{randT(1, 3, 4)}, func(tp *T64, x []*N) *N { return tp.Tanh(x[0]) }},
		{"sigmoid", []*tensor.Tensor[float64]{randT(1, 3, 4)}, func(tp *T64, x []*N) *N { return tp.Sigmoid(x[0]) }},
		{"softplus", []*tensor.Tensor[float64]{randT(1, 3, 4)}, func(tp *T64, x []*N) *N { return tp.Softplus(x[0]) }},
		{"softmax-last", []*tensor.Tensor[float64]{randT(1, 3, 4)}, func(tp *T64, x []*N) *N { return tp.Softmax(x[0], -1) }},
		{"softmax-mid", []*tensor.Tensor[float64]{randT(1, 2, 3, 4)}, func(tp *T64, x []*N) *N { return tp.Softmax(x[0], 1) }},
		{"logsoftmax", []*tensor.Tensor[float64]{randT(1, 2, 3, 4)}, func(tp *T64, x []*N) *N { return tp.LogSoftmax(x[0], 1) }},
		{"crossentropy", []*tensor.Tensor[float64]{randT(1, 2, 3, 5)}, func(tp *T64, x []*N) *N {
			return tp.CrossEntropy(x[0], []int{0, 4, 2, -1, 3, 1})
		}},
		{"sum-all", []*tensor.Tensor[float64]{randT(1, 2, 3, 4)}, func(tp *T64, x []*N) *N { return tp.Sum(x[0]) }},
		{"sum-axes", []*tensor.Tensor[float64]{randT(1, 2, 3, 4)}, func(tp *T64, x []*N) *N { return tp.Sum(x[0], 0, 2) }},
		{"mean-axis", []*tensor.Tensor[float64]{randT(1, 2, 3, 4)}, func(tp *T64, x []*N) *N { return tp.Mean(x[0], -1) }},
		{"max-axis", []*tensor.Tensor[float64]{randT(1, 2, 3, 4)}, func(tp *T64, x []*N) *N { return tp.Max(x[0], 1) }},
		{"logsumexp", []*tensor.Tensor[float64]{randT(1, 2, 3, 4)}, func(tp *T64, x []*N) *N { return tp.LogSumExp(x[0], 0, 1) }},
		{"reshape", []*tensor.Tensor[float64]{randT(1, 2, 3, 4)}, func(tp *T64, x []*N) *N { return tp.Reshape(tp.Exp(x[0]), 6, -1) }},
		{"permute", []*tensor.Tensor[float64]{randT(1, 2, 3, 4)}, func(tp *T64, x []*N) *N { return tp.Permute(x[0], 2, 0, 1) }},
		{"transpose", []*tensor.Tensor[float64]{randT(1, 2, 3, 4)}, func(tp *T64, x []*N) *N { return tp.Transpose(x[0]) }},
		{"concat", []*tensor.Tensor[float64]{randT(1, 2, 3, 4), randT(2, 2, 1, 4), randT(3, 2, 2, 4)}, func(tp *T64, x []*N) *N { return tp.Concat(1, x[0], x[1], x[2]) }},
		{"slice", []*tensor.Tensor[float64]{randT(1, 2, 5, 3)}, func(tp *T64, x []*N) *N { return tp.Slice(x[0], 1, 1, 4) }},
		{"index", []*tensor.Tensor[float64]{randT(1, 3, 4, 2)}, func(tp *T64, x []*N) *N { return tp.Index(x[0], 1, []int{3, 0, 3}) }},
		{"embedding", []*tensor.Tensor[float64]{randT(1, 5, 3)}, func(tp *T64, x []*N) *N { return tp.Embedding(x[0], []int{4, 1, 1, 0}) }},
		{"gather", []*tensor.Tensor[float64]{randT(1, 2, 3, 4)}, func(tp *T64, x []*N) *N { return tp.Gather(x[0], []int{0, 3, 2, 1, 1, 0}) }},
		{"layernorm", []*tensor.Tensor[float64]{randT(1, 3, 5), randT(2, 5), randT(3, 5)}, func(tp *T64, x []*N) *N { return tp.LayerNorm(x[0], x[1], x[2], 1e-5) }},
		{"layernorm-plain", []*tensor.Tensor[float64]{randT(1, 3, 5)}, func(tp *T64, x []*N) *N { return tp.LayerNorm(x[0], nil, nil, 1e-5) }},
		{"dropout", []*tensor.Tensor[float64]{randT(1, 4, 5)}, func(tp *T64, x []*N) *N { return tp.Dropout(x[0], 0.3, rng.New(5, 5)) }},
		{"causal-softmax", []*tensor.Tensor[float64]{randT(1, 2, 4, 4)}, func(tp *T64, x []*N) *N { return tp.Softmax(tp.CausalMask(x[0]), -1) }},
		{"squared-error", []*tensor.Tensor[float64]{randT(1, 2, 3, 4)}, func(tp *T64, x []*N) *N {
			return tp.SquaredError(x[0], randT(7, 2, 3, 4), tensor.FromData([]float64{1, 0, 2, 0.5}, 4))
		}},
		{"bce-logits", []*tensor.Tensor[float64]{randT(1, 2, 3, 4)}, func(tp *T64, x []*N) *N {
			return tp.BCEWithLogits(x[0], posT(7, 2, 3, 4), nil)
		}},
		{"reuse", []*tensor.Tensor[float64]{randT(1, 3, 3)}, func(tp *T64, x []*N) *N { return tp.MatMul(x[0], tp.Tanh(x[0])) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := CheckGrad(func(tp *T64, x []*N) *N { return sumWeighted(tp, c.f(tp, x)) }, c.inputs, 1e-6, 1e-6)
			if err != nil {
				t.Fatalf("%v (abs %.3g)", err, res.MaxAbsErr)
			}
		})
	}
}

// TestDetachBlocksGradient: the detached path contributes nothing.
func TestDetachBlocksGradient(t *testing.T) {
	tp := NewTape[float64]()
	x := tp.Input(tensor.FromData([]float64{1, 2, 3}, 3))
	y := tp.Sum(tp.Mul(x, tp.Detach(x))) // d/dx = detached x, not 2x
	if err := tp.Backward(y); err != nil {
		t.Fatal(err)
	}
	for i, g := range x.Grad.Data {
		if g != float64(i+1) {
			t.Fatalf("grad[%d]=%v want %v", i, g, i+1)
		}
	}
}

// TestIntermediateGrad: gradients are readable at any node.
func TestIntermediateGrad(t *testing.T) {
	tp := NewTape[float64]()
	x := tp.Const(tensor.FromData([]float64{1, -2, 3}, 3))
	h := tp.Watch(tp.Scale(x, 2, 0))
	y := tp.Sum(tp.Pow(h, 2))
	if err := tp.Backward(y); err != nil {
		t.Fatal(err)
	}
	if x.Grad != nil {
		t.Fatal("constant received a gradient")
	}
	if h.Grad == nil {
		t.Fatal("intermediate node has no gradient")
	}
	for i, g := range h.Grad.Data {
		if want := 2 * h.Value.Data[i]; g != want {
			t.Fatalf("dL/dh[%d]=%v want %v", i, g, want)
		}
	}
}

func TestParamGradAccumulates(t *testing.T) {
	p := NewParam("w", tensor.FromData([]float64{1, 2}, 2))
	tp := NewTape[float64]()
	for i := 0; i < 2; i++ {
		tp.Reset()
		if err := tp.Backward(tp.Sum(tp.Param(p))); err != nil {
			t.Fatal(err)
		}
	}
	if p.Grad.Data[0] != 2 || p.Grad.Data[1] != 2 {
		t.Fatalf("accumulated grad %v, want [2 2]", p.Grad.Data)
	}
	p.ZeroGrad()
	if p.Grad.Data[0] != 0 {
		t.Fatal("ZeroGrad did not clear")
	}
}

func TestStickyErrors(t *testing.T) {
	tp := NewTape[float32]()
	a := tp.Const(tensor.New[float32](2, 3))
	b := tp.Const(tensor.New[float32](4, 5))
	c := tp.MatMul(a, b) // bad shapes
	d := tp.Relu(tp.Add(c, a))
	err := tp.Backward(tp.Sum(d))
	if err == nil || !strings.Contains(err.Error(), "MatMul") || !strings.Contains(err.Error(), "[2 3]") {
		t.Fatalf("want a MatMul shape error naming the shapes, got %v", err)
	}
	tp.Reset()
	if tp.Err() != nil {
		t.Fatal("Reset kept the error")
	}
	bad := []struct {
		name string
		f    func(tp *Tape[float32])
	}{
		{"broadcast", func(tp *Tape[float32]) { tp.Add(tp.Const(tensor.New[float32](2, 3)), tp.Const(tensor.New[float32](2))) }},
		{"reshape", func(tp *Tape[float32]) { tp.Reshape(tp.Const(tensor.New[float32](2, 3)), 4, 2) }},
		{"target", func(tp *Tape[float32]) { tp.CrossEntropy(tp.Const(tensor.New[float32](2, 3)), []int{0, 3}) }},
		{"axis", func(tp *Tape[float32]) { tp.Sum(tp.Const(tensor.New[float32](2, 3)), 2) }},
		{"index", func(tp *Tape[float32]) { tp.Embedding(tp.Const(tensor.New[float32](2, 3)), []int{2}) }},
		{"slice", func(tp *Tape[float32]) { tp.Slice(tp.Const(tensor.New[float32](2, 3)), 1, 2, 4) }},
		{"nonscalar", func(tp *Tape[float32]) {
			if err := tp.Backward(tp.Const(tensor.New[float32](2))); err != nil {
				tp.fail("%v", err)
			}
		}},
	}
	for _, c := range bad {
		tp := NewTape[float32]()
		c.f(tp)
		if tp.Err() == nil {
			t.Errorf("%s: no error recorded", c.name)
		}
	}
}

// TestForwardValues spot-checks forward results against hand values.
func TestForwardValues(t *testing.T) {
	tp := NewTape[float64]()
	x := tp.Const(tensor.FromData([]float64{1, 2, 3, 4, 5, 6}, 2, 3))
	check := func(name string, n *N, want ...float64) {
		t.Helper()
		if len(n.Value.Data) != len(want) {
			t.Fatalf("%s: got %v want %v", name, n.Value.Data, want)
		}
		for i := range want {
			if d := n.Value.Data[i] - want[i]; d > 1e-12 || d < -1e-12 {
				t.Fatalf("%s: got %v want %v", name, n.Value.Data, want)
			}
		}
	}
	check("sum0", tp.Sum(x, 0), 5, 7, 9)
	check("mean1", tp.Mean(x, 1), 2, 5)
	check("max", tp.Max(x), 6)
	check("transpose", tp.Transpose(x), 1, 4, 2, 5, 3, 6)
	check("slice", tp.Slice(x, 1, 1, 3), 2, 3, 5, 6)
	check("gather", tp.Gather(x, []int{2, 0}), 3, 4)
	check("concat", tp.Concat(0, x, x), 1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6)
	check("matmulT", tp.MatMulT(x, x, false, true), 14, 32, 32, 77)
	check("causal", tp.Softmax(tp.CausalMask(tp.Const(tensor.New[float64](2, 2))), -1), 1, 0, 0.5, 0.5)
}
