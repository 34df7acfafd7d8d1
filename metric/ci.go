package metric

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"

	"interloop/rng"
)

// CI is a point estimate with a two-sided confidence interval.
type CI struct {
	Estimate, Lo, Hi float64
	Level            float64 // e.g. 0.95
}

func (c CI) String() string {
	return fmt.Sprintf("%.4g [%.4g, %.4g]", c.Estimate, c.Lo, c.Hi)
}

// HalfWidth is (Hi−Lo)/2, the "±" of a symmetric interval.
func (c CI) HalfWidth() float64 { return (c.Hi - c.Lo) / 2 }

// ErrTooFew is returned by MeanCI for fewer than two values.
var ErrTooFew = errors.New("metric: need at least two values")

func level(l float64) (float64, error) {
	if l == 0 {
		return 0.95, nil
	}
	if !(l > 0 && l < 1) {
		return 0, fmt.Errorf("metric: confidence level %v outside (0, 1)", l)
	}
	return l, nil
}

// MeanCI returns mean ± t(1−α/2, n−1)·s/√n over xs (one value per seed), the
// Student-t interval for the mean. lvl = 0 means 0.95.
func MeanCI(xs []float64, lvl float64) (CI, error) {
	lvl, err := level(lvl)
	if err != nil {
		return CI{}, err
	}
	n := len(xs)
	if n < 2 {
		return CI{}, fmt.Errorf("MeanCI: %w (got %d)", ErrTooFew, n)
	}
	var mean float64
	for i, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return CI{}, fmt.Errorf("MeanCI: non-finite value %v at index %d", x, i)
		}
		mean += x
	}
	mean /= float64(n)
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	sd := math.Sqrt(ss / float64(n-1))
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(1 - (1-lvl)/2)
	h := t * sd / math.Sqrt(float64(n))
	return CI{Estimate: mean, Lo: mean - h, Hi: mean + h, Level: lvl}, nil
}

// BootstrapConfig configures a bootstrap. The zero value means 1000
// resamples, a 95% interval and seed 0.
type BootstrapConfig struct {
	Resamples int     // number of resamples; 0 = 1000
	Level     float64 // confidence level; 0 = 0.95
	Seed      uint64  // seed of the rng stream the resamples draw from
}

// bootstrapStream separates bootstrap draws from other uses of the same seed.
const bootstrapStream = 0xB007

// Statistic evaluates a statistic on the samples at idx (indices may repeat).
type Statistic func(idx []int) (float64, error)

// Bootstrap resamples n items with replacement and returns the percentile
// interval of stat around its full-sample value.
func Bootstrap(n int, stat Statistic, cfg BootstrapConfig) (CI, error) {
	if n == 0 {
		return CI{}, fmt.Errorf("Bootstrap: %w", ErrEmpty)
	}
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	return bootstrap([][]int{all}, stat, cfg)
}

// BootstrapStratified resamples positives and negatives separately (each
// with replacement, class sizes fixed) and returns the percentile interval.
func BootstrapStratified(y []bool, stat Statistic, cfg BootstrapConfig) (CI, error) {
	var pos, neg []int
	for i, v := range y {
		if v {
			pos = append(pos, i)
		} else {
			neg = append(neg, i)
		}
	}
	if len(pos) == 0 || len(neg) == 0 {
		return CI{}, fmt.Errorf("BootstrapStratified: %w", ErrOneClass)
	}
	return bootstrap([][]int{pos, neg}, stat, cfg)
}

// bootstrap draws from each stratum independently, concatenating the draws.
func bootstrap(strata [][]int, stat Statistic, cfg BootstrapConfig) (CI, error) {
	lvl, err := level(cfg.Level)
	if err != nil {
		return CI{}, err
	}
	b := cfg.Resamples
	if b == 0 {
		b = 1000
	}
	if b < 0 {
		return CI{}, fmt.Errorf("bootstrap: negative Resamples %d", b)
	}
	var full []int
	for _, s := range strata {
		full = append(full, s...)
	}
	est, err := stat(full)
	if err != nil {
		return CI{}, fmt.Errorf("bootstrap: full sample: %w", err)
	}
	r := rng.New(cfg.Seed, bootstrapStream)
	vals := make([]float64, b)
	idx := make([]int, len(full))
	for k := range vals {
		off := 0
		for _, s := range strata {
			for i := range s {
				idx[off+i] = s[r.Intn(len(s))]
			}
			off += len(s)
		}
		v, err := stat(idx)
		if err != nil {
			return CI{}, fmt.Errorf("bootstrap: resample %d: %w", k, err)
		}
		vals[k] = v
	}
	sort.Float64s(vals)
	a := (1 - lvl) / 2
	return CI{Estimate: est, Lo: Quantile(vals, a), Hi: Quantile(vals, 1-a), Level: lvl}, nil
}

// Quantile returns the q-quantile of sorted (ascending) values by linear
// interpolation between order statistics (NumPy's default method).
func Quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	h := q * float64(len(sorted)-1)
	lo := int(math.Floor(h))
	if lo >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	if lo < 0 {
		return sorted[0]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// gather returns scores and labels at idx.
func gather(scores []float64, y []bool, idx []int) ([]float64, []bool) {
	s := make([]float64, len(idx))
	l := make([]bool, len(idx))
	for i, j := range idx {
		s[i], l[i] = scores[j], y[j]
	}
	return s, l
}

// BootstrapAUROC is a stratified bootstrap interval for AUROC.
func BootstrapAUROC(scores []float64, y []bool, cfg BootstrapConfig) (CI, error) {
	if _, _, err := check(scores, y, true); err != nil {
		return CI{}, fmt.Errorf("BootstrapAUROC: %w", err)
	}
	return BootstrapStratified(y, func(idx []int) (float64, error) {
		return AUROC(gather(scores, y, idx))
	}, cfg)
}

// BootstrapRecallAtFPR is a stratified bootstrap interval for RecallAtFPR.
func BootstrapRecallAtFPR(scores []float64, y []bool, target float64, cfg BootstrapConfig) (CI, error) {
	if _, _, err := check(scores, y, true); err != nil {
		return CI{}, fmt.Errorf("BootstrapRecallAtFPR: %w", err)
	}
	return BootstrapStratified(y, func(idx []int) (float64, error) {
		s, l := gather(scores, y, idx)
		return RecallAtFPR(s, l, target)
	}, cfg)
}
