package engine

import (
	"testing"

	"interloop/tensor"
)

// TestFusedMatchComposition: each fused op gives the values and gradients
// of the composition of plain ops it replaces (float64, so the two differ
// only by rounding).
func TestFusedMatchComposition(t *testing.T) {
	perm := func(tp *T64, n *N) *N { return tp.Permute(n, 0, 2, 1, 3) }
	cases := []struct {
		name       string
		inputs     []*tensor.Tensor[float64]
		fused, ref func(tp *T64, x []*N) *N
	}{
		{"attn-scores", []*tensor.Tensor[float64]{randT(1, 2, 3, 2, 4), randT(2, 2, 5, 2, 4)},
			func(tp *T64, x []*N) *N { return tp.AttnScores(x[0], x[1]) },
			func(tp *T64, x []*N) *N { return tp.MatMulT(perm(tp, x[0]), perm(tp, x[1]), false, true) }},
		{"attn-mix", []*tensor.Tensor[float64]{randT(1, 2, 2, 3, 5), randT(2, 2, 5, 2, 4)},
			func(tp *T64, x []*N) *N { return tp.AttnMix(x[0], x[1]) },
			func(tp *T64, x []*N) *N { return perm(tp, tp.MatMul(x[0], perm(tp, x[1]))) }},
		{"causal-softmax", []*tensor.Tensor[float64]{randT(1, 2, 3, 5, 5)},
			func(tp *T64, x []*N) *N { return tp.CausalSoftmax(x[0], 0.7) },
			func(tp *T64, x []*N) *N { return tp.Softmax(tp.CausalMask(tp.Scale(x[0], 0.7, 0)), -1) }},
		{"attention", []*tensor.Tensor[float64]{randT(1, 2, 4, 2, 3), randT(2, 2, 4, 2, 3), randT(3, 2, 4, 2, 3)},
			func(tp *T64, x []*N) *N {
				return tp.AttnMix(tp.CausalSoftmax(tp.AttnScores(x[0], x[1]), 0.5), x[2])
			},
			func(tp *T64, x []*N) *N {
				s := tp.MatMulT(perm(tp, x[0]), perm(tp, x[1]), false, true)
				p := tp.Softmax(tp.CausalMask(tp.Scale(s, 0.5, 0)), -1)
				return perm(tp, tp.MatMul(p, perm(tp, x[2])))
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var vals [2][]float64
			var grads [2][][]float64
			for i, f := range []func(*T64, []*N) *N{c.fused, c.ref} {
				tp := NewTape[float64]()
				xs := make([]*N, len(c.inputs))
				for j, in := range c.inputs {
					xs[j] = tp.Input(in)
				}
				y := f(tp, xs)
				if err := tp.Backward(sumWeighted(tp, y)); err != nil {
					t.Fatal(err)
				}
				vals[i] = append([]float64(nil), y.Value.Data...)
				for _, x := range xs {
					grads[i] = append(grads[i], append([]float64(nil), x.Grad.Data...))
				}
			}
			closeTo(t, "value", vals[0], vals[1])
			for j := range grads[0] {
				closeTo(t, "gradient", grads[0][j], grads[1][j])
			}
			res, err := CheckGrad(func(tp *T64, x []*N) *N { return sumWeighted(tp, c.fused(tp, x)) }, c.inputs, 1e-6, 1e-6)
			if err != nil {
				t.Fatalf("%v (abs %.3g)", err, res.MaxAbsErr)
			}
		})
	}
}

func closeTo(t *testing.T, what string, a, b []float64) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: lengths %d and %d", what, len(a), len(b))
	}
	for i := range a {
		if d := a[i] - b[i]; d > 1e-12 || d < -1e-12 {
			t.Fatalf("%s[%d]: fused %v, composition %v", what, i, a[i], b[i])
		}
	}
}
