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
	Input     int     // input holding the worst element
	Index     int     // flat index of the worst element
}

// CheckGrad compares the analytic gradient of the scalar f(inputs) with
// central finite differences (f(x+ε) − f(x−ε))/2ε for every input element,
// in float64. f builds its graph on the given tape from the input nodes; it is
// called 2·Σlen(inputs)+1 times, so keep inputs small. The inputs' Data are
// perturbed in place and restored. It returns an error when the worst
// relative error exceeds tol or f fails.
func CheckGrad(f func(tp *Tape[float64], xs []*Node[float64]) *Node[float64], inputs []*tensor.Tensor[float64], eps, tol float64) (GradCheckResult, error) {
	var res GradCheckResult
	tp := NewTape[float64]()
	eval := func(grad bool) (float64, []*Node[float64], error) {
		tp.Reset()
		xs := make([]*Node[float64], len(inputs))
		for i, in := range inputs {
			if grad {
				xs[i] = tp.Input(in)
			} else {
				xs[i] = tp.Const(in)
			}
		}
		out := f(tp, xs)
		if err := tp.Err(); err != nil {
			return 0, nil, err
		}
		if out.Value.Len() != 1 {
			return 0, nil, fmt.Errorf("engine: CheckGrad: f returned shape %v, want a scalar", shapeCopy(out.Shape()))
		}
		if grad {
			if err := tp.Backward(out); err != nil {
				return 0, nil, err
			}
		}
		return out.Value.Data[0], xs, nil
	}
	_, xs, err := eval(true)
	if err != nil {
		return res, err
	}
	analytic := make([][]float64, len(inputs))
	for i, x := range xs {
		analytic[i] = make([]float64, inputs[i].Len())
		if x.Grad != nil {
			copy(analytic[i], x.Grad.Data)
		}
	}
	for i, in := range inputs {
		for j := range in.Data {
			orig := in.Data[j]
			in.Data[j] = orig + eps
			fp, _, err := eval(false)
			if err != nil {
				in.Data[j] = orig
				return res, err
			}
			in.Data[j] = orig - eps
			fm, _, err := eval(false)
			in.Data[j] = orig
			if err != nil {
				return res, err
			}
			num := (fp - fm) / (2 * eps)
			a := analytic[i][j]
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
