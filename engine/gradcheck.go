package engine

import (
	"fmt"
	"math"

	"interloop/tensor"
)

// GradCheckResult summarises a finite-difference check.
type GradCheckResult struct {
	MaxAbsErr float64 // largest |analytic − numeric|
	MaxRelErr float64 // largest |analytic − numeric| / max(1, |analytic|, |numeric|)
	Input     int     // input (or param) holding the worst element
	Index     int     // flat index of the worst element
}

// CheckGrad compares the analytic gradient of the scalar f(inputs) with
// central finite differences (f(x+ε) − f(x−ε))/2ε for every input element,
// in float64. f builds its graph on the given tape from the input nodes; it is
// called 2·Σlen(inputs)+1 times, so keep inputs small. The inputs' Data are
// perturbed in place and restored. It returns an error when the worst
// relative error exceeds tol or f fails.
func CheckGrad(f func(tp *Tape[float64], xs []*Node[float64]) *Node[float64], inputs []*tensor.Tensor[float64], eps, tol float64) (GradCheckResult, error) {
	tp := NewTape[float64]()
	xs := make([]*Node[float64], len(inputs))
	eval := func(grad bool) *Node[float64] {
		tp.Reset()
		for i, in := range inputs {
			if grad {
				xs[i] = tp.Input(in)
			} else {
				xs[i] = tp.Const(in)
			}
		}
		return f(tp, xs)
	}
	analytic := func() [][]float64 {
		g := make([][]float64, len(inputs))
		for i, x := range xs {
			g[i] = make([]float64, inputs[i].Len())
			if x.Grad != nil {
				copy(g[i], x.Grad.Data)
			}
		}
		return g
	}
	return checkFD(tp, eval, analytic, inputs, eps, tol)
}

// CheckParamGrad is CheckGrad with respect to parameters: f builds the
// scalar loss on tp, reading params through tp.Param, and every element of
// every param's Value is perturbed in turn. The params' Value and Grad are
// restored on return (Grad is used as scratch: zeroed, filled by one
// Backward, read).
func CheckParamGrad(f func(tp *Tape[float64]) *Node[float64], params []*Param[float64], eps, tol float64) (GradCheckResult, error) {
	tp := NewTape[float64]()
	saved := make([][]float64, len(params))
	values := make([]*tensor.Tensor[float64], len(params))
	for i, p := range params {
		saved[i] = append([]float64(nil), p.Grad.Data...)
		p.ZeroGrad()
		values[i] = p.Value
	}
	defer func() {
		for i, p := range params {
			copy(p.Grad.Data, saved[i])
		}
	}()
	eval := func(grad bool) *Node[float64] {
		tp.Reset()
		tp.NoGrad = !grad
		return f(tp)
	}
	analytic := func() [][]float64 {
		g := make([][]float64, len(params))
		for i, p := range params {
			g[i] = append([]float64(nil), p.Grad.Data...)
		}
		return g
	}
	return checkFD(tp, eval, analytic, values, eps, tol)
}

// checkFD runs a finite-difference check: eval(true) builds the graph for
// one Backward, after which analytic reports the gradient of each tensor in
// ts; eval(false) builds it for a value only. Every element of ts is then
// perturbed by ±eps in place and restored.
func checkFD(tp *Tape[float64], eval func(grad bool) *Node[float64], analytic func() [][]float64, ts []*tensor.Tensor[float64], eps, tol float64) (GradCheckResult, error) {
	var res GradCheckResult
	value := func(grad bool) (float64, error) {
		out := eval(grad)
		if err := tp.Err(); err != nil {
			return 0, err
		}
		if out.Value.Len() != 1 {
			return 0, fmt.Errorf("engine: gradient check: f returned shape %v, want a scalar", shapeCopy(out.Shape()))
		}
		if grad {
			if err := tp.Backward(out); err != nil {
				return 0, err
			}
		}
		return out.Value.Data[0], nil
	}
	if _, err := value(true); err != nil {
		return res, err
	}
	an := analytic()
	for i, in := range ts {
		for j := range in.Data {
			orig := in.Data[j]
			in.Data[j] = orig + eps
			fp, err := value(false)
			if err != nil {
				in.Data[j] = orig
				return res, err
			}
			in.Data[j] = orig - eps
			fm, err := value(false)
			in.Data[j] = orig
			if err != nil {
				return res, err
			}
			num := (fp - fm) / (2 * eps)
			a := an[i][j]
			abs := math.Abs(a - num)
			rel := abs / math.Max(1, math.Max(math.Abs(a), math.Abs(num)))
			if math.IsNaN(abs) {
				rel, abs = math.Inf(1), math.Inf(1)
			}
			if rel > res.MaxRelErr || (res.MaxRelErr == 0 && abs > res.MaxAbsErr) {
				res.Input, res.Index = i, j
			}
			res.MaxAbsErr = math.Max(res.MaxAbsErr, abs)
			res.MaxRelErr = math.Max(res.MaxRelErr, rel)
		}
	}
	if res.MaxRelErr > tol {
		return res, fmt.Errorf("engine: gradient check failed: relative error %.3g > %.3g at input %d element %d",
			res.MaxRelErr, tol, res.Input, res.Index)
	}
	return res, nil
}
