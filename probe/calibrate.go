package probe

import (
	"fmt"
	"math"
	"sort"

	"interloop/tensor"
)

// ThresholdAtFPR returns the threshold t that flags a score as positive when
// score > t (strictly) with false-positive rate ≤ target on the given
// held-out negative scores, choosing the smallest such t, i.e. the most
// sensitive one. With the negatives sorted ascending s₁ ≤ … ≤ s_N and k the
// largest integer with k/N ≤ target, t = s_{N−k}: at most k negatives lie
// strictly above it (fewer when s_{N−k} is tied with larger ones). k = 0 gives
// t = max negative; target = 1 gives t = −Inf (flag everything).
//
// Flagging score > t on these negatives selects exactly the set that
// metric.RecallAtFPR's best ROC point (score ≥ threshold) selects, so the
// recall at this threshold on the same data equals metric.RecallAtFPR.
func ThresholdAtFPR(negScores []float64, target float64) (float64, error) {
	if !(target >= 0 && target <= 1) {
		return 0, fmt.Errorf("%w: target FPR %v outside [0, 1]", ErrConfig, target)
	}
	n := len(negScores)
	if n == 0 {
		return 0, fmt.Errorf("ThresholdAtFPR: %w: no negative scores", ErrEmpty)
	}
	s := clone(negScores)
	for i, v := range s {
		if math.IsNaN(v) {
			return 0, fmt.Errorf("ThresholdAtFPR: NaN score at index %d", i)
		}
	}
	sort.Float64s(s)
	// Largest k with k/N ≤ target, using the same float division a caller
	// comparing fpr <= target would use.
	k := int(math.Floor(target * float64(n)))
	for k+1 <= n && float64(k+1)/float64(n) <= target {
		k++
	}
	for k > 0 && float64(k)/float64(n) > target {
		k--
	}
	if k >= n {
		return math.Inf(-1), nil
	}
	return s[n-1-k], nil
}

// Platt is a sigmoid calibration map: p = σ(A·s + B).
type Platt struct {
	A float64 `json:"a"`
	B float64 `json:"b"`
}

// Apply maps a raw score to a calibrated probability.
func (p Platt) Apply(s float64) float64 { return sigmoid(p.A*s + p.B) }

// FitPlatt fits Platt scaling (Platt 1999) to raw scores: A and B maximize
// the likelihood of the smoothed targets t⁺ = (N⁺+1)/(N⁺+2) and
// t⁻ = 1/(N⁻+2), which keeps A finite on separable scores. The solver is
// Newton's method with backtracking (Lin, Lin & Weng 2007).
func FitPlatt(scores []float64, y []bool) (Platt, error) {
	if err := checkScores(scores, y); err != nil {
		return Platt{}, fmt.Errorf("FitPlatt: %w", err)
	}
	a, b, err := fitSigmoid(scores, y, false)
	return Platt{A: a, B: b}, err
}

func checkScores(scores []float64, y []bool) error {
	if len(scores) != len(y) {
		return fmt.Errorf("%w: %d scores, %d labels", ErrShape, len(scores), len(y))
	}
	if len(scores) == 0 {
		return ErrEmpty
	}
	pos := 0
	for i, s := range scores {
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return fmt.Errorf("%w: score %v at index %d", ErrNonFinite, s, i)
		}
		if y[i] {
			pos++
		}
	}
	if pos == 0 || pos == len(y) {
		return fmt.Errorf("%w: %d positive of %d", ErrOneClass, pos, len(y))
	}
	return nil
}

// fitSigmoid maximizes Σ tᵢ log σ(A zᵢ + B) + (1−tᵢ) log(1 − σ(A zᵢ + B))
// with Platt's smoothed targets; with fixB, B stays 0 and only the slope is
// fitted (used by DiffMeans, whose offset is its threshold).
func fitSigmoid(z []float64, y []bool, fixB bool) (a, b float64, err error) {
	var np, nn float64
	for _, v := range y {
		if v {
			np++
		} else {
			nn++
		}
	}
	tp, tn := (np+1)/(np+2), 1/(nn+2)
	target := func(i int) float64 {
		if y[i] {
			return tp
		}
		return tn
	}
	obj := func(a, b float64) float64 {
		var f float64
		for i, zi := range z {
			u := a*zi + b
			f += softplus(u) - target(i)*u
		}
		return f
	}
	if !fixB {
		b = math.Log((np + 1) / (nn + 1)) // Platt's starting point
	}
	f := obj(a, b)
	const ridge = 1e-12 // keeps H invertible when all zᵢ coincide
	for it := 0; it < 100; it++ {
		var ga, gb, haa, hab, hbb float64
		for i, zi := range z {
			p := sigmoid(a*zi + b)
			r, s := p-target(i), p*(1-p)
			ga += r * zi
			gb += r
			haa += s * zi * zi
			hab += s * zi
			hbb += s
		}
		haa += ridge
		hbb += ridge
		var da, db float64
		if fixB {
			da = -ga / haa
		} else {
			det := haa*hbb - hab*hab
			da = -(hbb*ga - hab*gb) / det
			db = -(haa*gb - hab*ga) / det
		}
		if math.Max(math.Abs(da), math.Abs(db)) <= 1e-10*math.Max(1, math.Max(math.Abs(a), math.Abs(b))) {
			return a + da, b + db, nil // converged: the objective cannot resolve the step
		}
		slope := ga*da + gb*db
		slack := 4 * 0x1p-52 * math.Abs(f)
		t := 1.0
		for ; t > 1e-12; t /= 2 {
			if ft := obj(a+t*da, b+t*db); ft <= f+1e-4*t*slope+slack {
				f = ft
				break
			}
		}
		if t <= 1e-12 {
			return a, b, fmt.Errorf("%w: sigmoid calibration line search failed", ErrNotConverged)
		}
		a, b = a+t*da, b+t*db
	}
	return a, b, fmt.Errorf("%w: sigmoid calibration after 100 steps", ErrNotConverged)
}

// Calibrated wraps a detector with Platt scaling of its logit:
// Score = σ(A·logit(base score) + B). Use it to recalibrate a detector on
// held-out data, or to put members of an ensemble on one scale.
type Calibrated struct {
	base  Detector
	platt Platt
}

// Calibrate fits Platt scaling of base's logit scores on (X, y), which
// should be data base was not fitted on.
func Calibrate(base Detector, X *tensor.Tensor[float32], y []bool) (*Calibrated, error) {
	if _, _, _, err := checkFit(X, y); err != nil {
		return nil, fmt.Errorf("calibrate: %w", err)
	}
	s := make([]float64, len(y))
	if err := base.Score(X, s); err != nil {
		return nil, fmt.Errorf("calibrate: %w", err)
	}
	for i := range s {
		s[i] = logit(s[i])
	}
	p, err := FitPlatt(s, y)
	if err != nil {
		return nil, fmt.Errorf("calibrate: %w", err)
	}
	return &Calibrated{base: base, platt: p}, nil
}

// NewCalibrated assembles a calibrated detector from a fitted map.
func NewCalibrated(base Detector, p Platt) *Calibrated { return &Calibrated{base: base, platt: p} }

// Kind implements Detector.
func (c *Calibrated) Kind() string { return "calibrated" }

// Base returns the wrapped detector.
func (c *Calibrated) Base() Detector { return c.base }

// Platt returns the calibration map.
func (c *Calibrated) Platt() Platt { return c.platt }

// Score implements Detector.
func (c *Calibrated) Score(X *tensor.Tensor[float32], dst []float64) error {
	if err := c.base.Score(X, dst); err != nil {
		return fmt.Errorf("calibrated: %w", err)
	}
	for i, s := range dst {
		dst[i] = c.platt.Apply(logit(s))
	}
	return nil
}
