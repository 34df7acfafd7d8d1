package probe

import (
	"fmt"

	"interloop/tensor"
)

// Ensemble averages its members' scores: Score(x) = (1/M)·Σₘ scoreₘ(x).
// Members should be on a common probability scale; wrap them in Calibrated
// first if they are not.
type Ensemble struct {
	members []Detector
}

// NewEnsemble assembles fitted detectors into an ensemble.
func NewEnsemble(members ...Detector) (*Ensemble, error) {
	if len(members) == 0 {
		return nil, fmt.Errorf("ensemble: %w: no members", ErrEmpty)
	}
	for i, m := range members {
		if m == nil {
			return nil, fmt.Errorf("ensemble: %w: member %d is nil", ErrConfig, i)
		}
	}
	return &Ensemble{members: append([]Detector(nil), members...)}, nil
}

// FitEnsemble fits one member per fitter on the same data.
func FitEnsemble(X *tensor.Tensor[float32], y []bool, fitters ...Fitter) (*Ensemble, error) {
	if len(fitters) == 0 {
		return nil, fmt.Errorf("ensemble: %w: no fitters", ErrEmpty)
	}
	members := make([]Detector, len(fitters))
	for i, f := range fitters {
		m, err := f.Fit(X, y)
		if err != nil {
			return nil, fmt.Errorf("ensemble: member %d: %w", i, err)
		}
		members[i] = m
	}
	return NewEnsemble(members...)
}

// Kind implements Detector.
func (e *Ensemble) Kind() string { return "ensemble" }

// Members returns the member detectors (a fresh slice of the shared,
// frozen detectors).
func (e *Ensemble) Members() []Detector { return append([]Detector(nil), e.members...) }

// Score implements Detector.
func (e *Ensemble) Score(X *tensor.Tensor[float32], dst []float64) error {
	buf := make([]float64, len(dst))
	clear(dst)
	for i, m := range e.members {
		if err := m.Score(X, buf); err != nil {
			return fmt.Errorf("ensemble: member %d (%s): %w", i, m.Kind(), err)
		}
		for j, v := range buf {
			dst[j] += v
		}
	}
	inv := 1 / float64(len(e.members))
	for j := range dst {
		dst[j] *= inv
	}
	return nil
}
