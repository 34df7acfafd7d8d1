package engine

import (
	"errors"
	"math"
	"strings"
	"testing"

	"interloop/tensor"
)

// TestFail: an error recorded by model code is sticky like an op error:
// the first one wins, later ops are no-ops, Backward returns it, and Reset
// clears it.
func TestFail(t *testing.T) {
	tp := NewTape[float32]()
	errBad := errors.New("model: bad input")
	x := tp.Const(tensor.New[float32](2, 3))
	y := tp.Fail(errBad)
	if !tensor.SameShape(y.Shape(), []int{}) {
		t.Fatalf("placeholder shape %v", y.Shape())
	}
	tp.Fail(errors.New("second"))
	tp.MatMul(x, tp.Const(tensor.New[float32](4, 5))) // would fail too
	if n := tp.Len(); n != 1 {
		t.Fatalf("%d nodes recorded after Fail, want 1", n)
	}
	if err := tp.Backward(tp.Sum(tp.Relu(x))); !errors.Is(err, errBad) {
		t.Fatalf("Backward: %v, want %v", err, errBad)
	}
	tp.Reset()
	if tp.Err() != nil {
		t.Fatal("Reset kept the error")
	}
	tp.Fail(nil)
	if err := tp.Err(); err == nil || !strings.Contains(err.Error(), "nil") {
		t.Fatalf("Fail(nil) recorded %v", err)
	}
}

// TestCheckParamGrad: the check passes for a correct graph over params,
// restores the params' Grad, and catches a wrong gradient (a Detach that
// hides half of the dependence on a param).
func TestCheckParamGrad(t *testing.T) {
	w := NewParam("w", randT(1, 3, 4))
	b := NewParam("b", randT(2, 4))
	g := NewParam("g", posT(3, 4))
	b.Grad.Data[0] = 42 // must survive the check
	x := randT(4, 5, 3)
	f := func(tp *T64) *N {
		h := tp.Gelu(tp.Linear(tp.Const(x), tp.Param(w), tp.Param(b)))
		return sumWeighted(tp, tp.LayerNorm(h, tp.Param(g), nil, 1e-5))
	}
	params := []*Param[float64]{w, b, g}
	if res, err := CheckParamGrad(f, params, 1e-6, 1e-6); err != nil {
		t.Fatalf("%v (abs %.3g)", err, res.MaxAbsErr)
	}
	if b.Grad.Data[0] != 42 {
		t.Fatalf("Grad not restored: %v", b.Grad.Data[0])
	}
	wrong := func(tp *T64) *N {
		p := tp.Param(w)
		return tp.Sum(tp.Mul(p, tp.Detach(p))) // analytic w, numeric 2w
	}
	res, err := CheckParamGrad(wrong, params[:1], 1e-6, 1e-6)
	if err == nil || res.Input != 0 {
		t.Fatalf("a wrong gradient passed: %+v, %v", res, err)
	}
}

// TestReluEdges: ReLU's value and gradient at the edges, on both tapes and
// on float32 through both the vector kernel and the Go loop (length 9: one
// vector of eight plus a tail), as PyTorch defines them: NaN passes through
// with its gradient; zeros of either sign give +0 and no gradient.
func TestReluEdges(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	in := []float64{nan, math.Copysign(0, -1), 0, -1, 2, inf, -inf, 1e-40, -1e-40}
	wantY := []float64{nan, 0, 0, 0, 2, inf, 0, 1e-40, 0}
	wantG := []float64{1, 0, 0, 0, 1, 1, 0, 1, 0}
	check := func(name string, round func(float64) float64, y, g []float64) {
		t.Helper()
		for i := range in {
			w := round(wantY[i])
			okY := math.Float64bits(y[i]) == math.Float64bits(w) || math.IsNaN(y[i]) && math.IsNaN(w)
			if !okY || g[i] != wantG[i] {
				t.Errorf("%s relu(%v) = %v grad %v, want %v grad %v", name, in[i], y[i], g[i], w, wantG[i])
			}
		}
	}
	tp := NewTape[float64]()
	x := tp.Input(tensor.FromData(in, len(in)))
	y := tp.Relu(x)
	if err := tp.Backward(tp.Sum(y)); err != nil {
		t.Fatal(err)
	}
	check("float64", func(v float64) float64 { return v }, y.Value.Data, x.Grad.Data)
	run := func() {
		tp := NewTape[float32]()
		x := tp.Input(convert[float32](in, []int{len(in)}))
		y := tp.Relu(x)
		if err := tp.Backward(tp.Sum(y)); err != nil {
			t.Fatal(err)
		}
		check("float32", func(v float64) float64 { return float64(float32(v)) }, toF64(y.Value.Data), toF64(x.Grad.Data))
	}
	run()
	withGo(run)
}
