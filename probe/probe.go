package probe

import (
	"errors"
	"fmt"
	"math"

	"interloop/tensor"
)

// Detector scores activations. It is frozen: Score never mutates it, so one
// detector may be shared by goroutines scoring concurrently. Refitting is an
// explicit call (a family's Fit) that returns a new detector.
type Detector interface {
	// Kind names the family ("logistic", "diffmeans", "lda", "mlp",
	// "ensemble", "calibrated"); it is the "kind" field of a saved document.
	Kind() string
	// Score writes one score per row of X (n×d activations) into dst
	// (len n): a probability-like value in [0, 1], higher = more positive.
	// It returns an error for a shape mismatch or a non-finite activation.
	Score(X *tensor.Tensor[float32], dst []float64) error
}

// Linear is a detector whose score is σ(w·x + b) for a direction in
// activation space: the handle for steering, ablation and gradient filtering.
type Linear interface {
	Detector
	// Direction returns w/‖w‖ (a fresh slice; the zero vector if w = 0).
	Direction() []float64
	// Weights returns a copy of the raw weights w (len d) and bias b in
	// activation space, so that Score(x) = σ(w·x + b).
	Weights() (w []float64, b float64)
}

// Fitter fits a detector to labelled activations (X n×d, y len n, true =
// positive). Every family's config is a Fitter, so ensembles and sequence
// poolers can take "how to fit a member" as plain data.
type Fitter interface {
	Fit(X *tensor.Tensor[float32], y []bool) (Detector, error)
}

// Errors for degenerate inputs, wrapped with context; test with errors.Is.
var (
	ErrEmpty        = errors.New("probe: empty input")
	ErrOneClass     = errors.New("probe: need both positive and negative examples")
	ErrNonFinite    = errors.New("probe: non-finite activation")
	ErrShape        = errors.New("probe: shape mismatch")
	ErrNotConverged = errors.New("probe: solver did not converge")
	ErrConfig       = errors.New("probe: invalid config")
	ErrDegenerate   = errors.New("probe: degenerate data")
)

// checkX validates a rank-2 activation matrix and returns its dimensions.
func checkX(X *tensor.Tensor[float32]) (n, d int, err error) {
	if X == nil {
		return 0, 0, fmt.Errorf("%w: nil activations", ErrEmpty)
	}
	if X.Rank() != 2 {
		return 0, 0, fmt.Errorf("%w: activations have shape %v, want n×d", ErrShape, X.Shape())
	}
	n, d = X.Dim(0), X.Dim(1)
	if n == 0 || d == 0 {
		return n, d, fmt.Errorf("%w: activations have shape %v", ErrEmpty, X.Shape())
	}
	for i, v := range X.Data {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return n, d, fmt.Errorf("%w: %v at row %d, column %d", ErrNonFinite, v, i/d, i%d)
		}
	}
	return n, d, nil
}

// checkFit validates training data and returns n, d and the class counts.
func checkFit(X *tensor.Tensor[float32], y []bool) (n, d, pos int, err error) {
	n, d, err = checkX(X)
	if err != nil {
		return n, d, 0, err
	}
	if len(y) != n {
		return n, d, 0, fmt.Errorf("%w: %d rows of activations, %d labels", ErrShape, n, len(y))
	}
	for _, v := range y {
		if v {
			pos++
		}
	}
	if pos == 0 || pos == n {
		return n, d, pos, fmt.Errorf("%w: %d positive of %d", ErrOneClass, pos, n)
	}
	return n, d, pos, nil
}

// checkScore validates a scoring call against a detector of width d.
func checkScore(X *tensor.Tensor[float32], d int, dst []float64) (n int, err error) {
	n, xd, err := checkX(X)
	if err != nil {
		return n, err
	}
	if xd != d {
		return n, fmt.Errorf("%w: activations have width %d, detector expects %d", ErrShape, xd, d)
	}
	if len(dst) != n {
		return n, fmt.Errorf("%w: dst has length %d for %d rows", ErrShape, len(dst), n)
	}
	return n, nil
}

// sigmoid is 1/(1+e^−z), computed without overflow.
func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// softplus is log(1+e^z), computed without overflow.
func softplus(z float64) float64 {
	if z > 0 {
		return z + math.Log1p(math.Exp(-z))
	}
	return math.Log1p(math.Exp(z))
}

// logit is log(p/(1−p)) with p clamped away from 0 and 1 so that saturated
// scores map to large finite values.
func logit(p float64) float64 {
	const eps = 1e-15
	p = math.Min(math.Max(p, eps), 1-eps)
	return math.Log(p / (1 - p))
}

// scoreLinear writes σ(w·x + b) for each row of X (already validated).
func scoreLinear(X *tensor.Tensor[float32], w []float64, b float64, dst []float64) {
	d := len(w)
	for i := range dst {
		row := X.Data[i*d : (i+1)*d]
		z := b
		for j, v := range row {
			z += w[j] * float64(v)
		}
		dst[i] = sigmoid(z)
	}
}

// unit returns v/‖v‖, or zeros if v = 0.
func unit(v []float64) []float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	out := make([]float64, len(v))
	if s == 0 {
		return out
	}
	s = math.Sqrt(s)
	for i, x := range v {
		out[i] = x / s
	}
	return out
}

// toFloat64 copies X (n×d float32) to a row-major float64 slice.
func toFloat64(X *tensor.Tensor[float32]) []float64 {
	out := make([]float64, len(X.Data))
	for i, v := range X.Data {
		out[i] = float64(v)
	}
	return out
}

// classMeans returns the means of the positive and negative rows of x (n×d).
func classMeans(x []float64, d int, y []bool) (pos, neg []float64) {
	pos, neg = make([]float64, d), make([]float64, d)
	var np, nn float64
	for i, v := range y {
		m := neg
		if v {
			m, np = pos, np+1
		} else {
			nn++
		}
		for j, xv := range x[i*d : (i+1)*d] {
			m[j] += xv
		}
	}
	for j := range pos {
		pos[j] /= np
		neg[j] /= nn
	}
	return pos, neg
}

func clone(v []float64) []float64 { return append([]float64(nil), v...) }
