package probe

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"

	"interloop/tensor"
)

// ThresholdRule chooses where a difference-of-means probe cuts its
// projection.
type ThresholdRule int

const (
	// Midpoint cuts halfway between the projected class means:
	// t = u·(μ⁺ + μ⁻)/2.
	Midpoint ThresholdRule = iota
	// MaxAccuracy cuts where training accuracy is highest, at a midpoint
	// between adjacent distinct projections; among equally accurate cuts the
	// one nearest the Midpoint threshold wins.
	MaxAccuracy
)

var thresholdRuleNames = []string{"midpoint", "max_accuracy"}

func (r ThresholdRule) String() string {
	if int(r) < len(thresholdRuleNames) && r >= 0 {
		return thresholdRuleNames[r]
	}
	return fmt.Sprintf("ThresholdRule(%d)", int(r))
}

// MarshalJSON writes the rule by name.
func (r ThresholdRule) MarshalJSON() ([]byte, error) { return json.Marshal(r.String()) }

// UnmarshalJSON reads a rule name.
func (r *ThresholdRule) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	for i, n := range thresholdRuleNames {
		if n == s {
			*r = ThresholdRule(i)
			return nil
		}
	}
	return fmt.Errorf("%w: unknown threshold rule %q", ErrConfig, s)
}

// DiffMeansConfig configures a difference-of-means ("mass-mean") probe. The
// zero value uses the Midpoint threshold.
type DiffMeansConfig struct {
	Threshold ThresholdRule `json:"threshold"`
}

// Fit implements Fitter.
func (c DiffMeansConfig) Fit(X *tensor.Tensor[float32], y []bool) (Detector, error) {
	d, err := FitDiffMeans(X, y, c)
	if err != nil {
		return nil, err // a nil Detector, not a typed nil
	}
	return d, nil
}

// DiffMeans is a difference-of-means probe. With u = (μ⁺ − μ⁻)/‖μ⁺ − μ⁻‖,
// threshold t and slope a: Score(x) = σ(a·(u·x − t)). The threshold is the
// score-½ point, so flagging score > ½ is flagging u·x > t.
type DiffMeans struct {
	cfg  DiffMeansConfig
	u    []float64 // unit direction, len d
	t    float64   // threshold on u·x
	a    float64   // calibration slope
	head head32    // float32 weights for ScoreNode
}

// FitDiffMeans fits the direction from the class means, the threshold by
// cfg.Threshold, and the slope a by maximum likelihood of σ(a·(u·x − t)) on
// the training rows with Platt's smoothed targets (finite on separable data).
func FitDiffMeans(X *tensor.Tensor[float32], y []bool, cfg DiffMeansConfig) (*DiffMeans, error) {
	if cfg.Threshold != Midpoint && cfg.Threshold != MaxAccuracy {
		return nil, fmt.Errorf("%w: %v", ErrConfig, cfg.Threshold)
	}
	n, d, _, err := checkFit(X, y)
	if err != nil {
		return nil, fmt.Errorf("diffmeans: %w", err)
	}
	x := toFloat64(X)
	mp, mn := classMeans(x, d, y)
	diff := make([]float64, d)
	for j := range diff {
		diff[j] = mp[j] - mn[j]
	}
	u := unit(diff)
	if dot(u, u) == 0 {
		return nil, fmt.Errorf("diffmeans: %w: class means coincide", ErrDegenerate)
	}
	proj := make([]float64, n)
	for i := range proj {
		proj[i] = dot(u, x[i*d:(i+1)*d])
	}
	t := (dot(u, mp) + dot(u, mn)) / 2
	if cfg.Threshold == MaxAccuracy {
		t = maxAccuracyCut(proj, y, t)
	}
	z := make([]float64, n)
	for i, p := range proj {
		z[i] = p - t
	}
	a, _, err := fitSigmoid(z, y, true)
	if err != nil {
		return nil, fmt.Errorf("diffmeans: %w", err)
	}
	return &DiffMeans{cfg: cfg, u: u, t: t, a: a}, nil
}

// maxAccuracyCut returns the accuracy-maximising cut for "positive iff
// proj > t", breaking ties by closeness to ref.
func maxAccuracyCut(proj []float64, y []bool, ref float64) float64 {
	idx := make([]int, len(proj))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return proj[idx[a]] < proj[idx[b]] })
	pos := 0
	for _, v := range y {
		if v {
			pos++
		}
	}
	// Cut below everything: every sample flagged, correct = pos.
	correct := pos
	best, bestT := correct, proj[idx[0]]-1
	for i := 0; i < len(idx); {
		j := i
		for ; j < len(idx) && proj[idx[j]] == proj[idx[i]]; j++ {
			if y[idx[j]] {
				correct-- // now below the cut: wrong
			} else {
				correct++
			}
		}
		t := proj[idx[i]] + 1
		if j < len(idx) {
			t = (proj[idx[i]] + proj[idx[j]]) / 2
		}
		if correct > best || (correct == best && math.Abs(t-ref) < math.Abs(bestT-ref)) {
			best, bestT = correct, t
		}
		i = j
	}
	return bestT
}

// Kind implements Detector.
func (m *DiffMeans) Kind() string { return "diffmeans" }

// Config returns the config the probe was fitted with.
func (m *DiffMeans) Config() DiffMeansConfig { return m.cfg }

// Threshold returns t, the cut on the projection u·x.
func (m *DiffMeans) Threshold() float64 { return m.t }

// Slope returns a, the calibration slope.
func (m *DiffMeans) Slope() float64 { return m.a }

// Score implements Detector.
func (m *DiffMeans) Score(X *tensor.Tensor[float32], dst []float64) error {
	if _, err := checkScore(X, len(m.u), dst); err != nil {
		return fmt.Errorf("diffmeans: %w", err)
	}
	w, b := m.Weights()
	scoreLinear(X, w, b, dst)
	return nil
}

// Direction implements Linear: the unit difference of class means.
func (m *DiffMeans) Direction() []float64 { return clone(m.u) }

// Weights implements Linear: w = a·u, b = −a·t.
func (m *DiffMeans) Weights() ([]float64, float64) {
	w := make([]float64, len(m.u))
	for j, v := range m.u {
		w[j] = m.a * v
	}
	return w, -m.a * m.t
}

func dot(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}
