package nn

import (
	"testing"

	"interloop/engine"
	"interloop/hook"
	"interloop/rng"
	"interloop/tensor"
)

// checkParamGrads compares the gradient Backward accumulates into params
// with central finite differences, through engine.CheckGrad. The model
// reads its params through tp.Param, so CheckGrad's input nodes are tied to
// them by a term that is zero in value but carries the analytic gradient G:
//
//	f(θ) = loss(θ) + Σᵢ ⟨θᵢ, Gᵢ⟩ − ⟨stopgrad(θᵢ), Gᵢ⟩
//
// f equals loss(θ) exactly (both inner products round identically), so its
// finite differences are those of the loss, while its analytic gradient with
// respect to CheckGrad's inputs is G — the quantity under test.
func checkParamGrads(t *testing.T, params []*engine.Param[float64], loss func(tp *engine.Tape[float64]) *engine.Node[float64]) {
	t.Helper()
	tp := engine.NewTape[float64]()
	for _, p := range params {
		p.ZeroGrad()
	}
	if err := tp.Backward(loss(tp)); err != nil {
		t.Fatal(err)
	}
	G := make([]*tensor.Tensor[float64], len(params))
	vals := make([]*tensor.Tensor[float64], len(params))
	for i, p := range params {
		G[i], vals[i] = p.Grad.Clone(), p.Value
	}
	f := func(tp *engine.Tape[float64], xs []*engine.Node[float64]) *engine.Node[float64] {
		out := loss(tp)
		for i, x := range xs {
			g := tp.Const(G[i])
			tie := tp.Sub(tp.Sum(tp.Mul(x, g)), tp.Sum(tp.Mul(tp.Detach(x), g)))
			out = tp.Add(out, tie)
		}
		return out
	}
	res, err := engine.CheckGrad(f, vals, 1e-6, 1e-6)
	if err != nil {
		t.Fatalf("%v (param %s)", err, params[res.Input].Name)
	}
	t.Logf("%d params, max abs error %.3g, max rel error %.3g", len(params), res.MaxAbsErr, res.MaxRelErr)
}

func TestMLPGradCheck(t *testing.T) {
	for _, act := range []Activation{ReLU, GELU, Tanh} {
		t.Run(act.String(), func(t *testing.T) {
			m, x, labels := tinyMLP[float64](t, act)
			checkParamGrads(t, m.Params(), func(tp *engine.Tape[float64]) *engine.Node[float64] {
				return tp.CrossEntropy(m.Forward(tp, tp.Const(x), nil), labels)
			})
		})
	}
}

func TestTransformerGradCheck(t *testing.T) {
	for _, layers := range []int{1, 2} {
		m, x, targets := tinyTransformer[float64](t, layers)
		checkParamGrads(t, m.Params(), func(tp *engine.Tape[float64]) *engine.Node[float64] {
			return tp.CrossEntropy(m.Forward(tp, x, nil), targets)
		})
	}
}

func TestTiedTransformerGradCheck(t *testing.T) {
	m, err := NewTransformer[float64](TransformerConfig{Vocab: 6, Context: 4, DModel: 4, Heads: 2, Layers: 1, TieEmbeddings: true}, rng.New(7, 0))
	if err != nil {
		t.Fatal(err)
	}
	x := Tokens{IDs: []int{0, 5, 2, 3, 1, 1, 4, 2}, Seq: 4}
	targets := NextTokenTargets(x, nil, nil) // last position ignored
	checkParamGrads(t, m.Params(), func(tp *engine.Tape[float64]) *engine.Node[float64] {
		return tp.CrossEntropy(m.Forward(tp, x, nil), targets)
	})
}

// TestHookedGradCheck differentiates through every intervention verb in
// its true-gradient form (a Detached hook's straight-through gradient is by
// design not the derivative of the loss; TestDetachedGradients covers it).
func TestHookedGradCheck(t *testing.T) {
	m, x, targets := tinyTransformer[float64](t, 1)
	r := rng.New(8, 0)
	po, err := hook.ProjectOutAt(hook.Block(0, hook.ResidMid), tensor.Randn[float64](r, 1, 8, 2))
	if err != nil {
		t.Fatal(err)
	}
	set := hook.NewSet(
		po,
		hook.AddAt(hook.Block(0, hook.MLPPost), tensor.Randn[float64](r, 1, 32)),
		hook.ReplaceAt(hook.Block(0, hook.Pattern), tensor.Rand[float64](r, 0, 0.2, 5, 5)),
	)
	checkParamGrads(t, m.Params(), func(tp *engine.Tape[float64]) *engine.Node[float64] {
		set.Reset()
		return tp.CrossEntropy(m.Forward(tp, x, set), targets)
	})
}
