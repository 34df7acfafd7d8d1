package metric

import (
	"fmt"
	"math"
)

// SeedStat is a metric aggregated over seeds: its mean and 95% t-interval
// over the seeds where it is defined (N of them; NaN and ±Inf values — e.g.
// an AUROC with no lies to detect — are left out; the interval needs N ≥ 2,
// else Lo and Hi are NaN). Both experiment tracks tabulate with it.
type SeedStat struct {
	Mean, Lo, Hi float64
	N            int
}

// OverSeeds aggregates one value per seed.
func OverSeeds(xs []float64) SeedStat {
	var ok []float64
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			ok = append(ok, x)
		}
	}
	c := SeedStat{N: len(ok), Mean: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
	switch len(ok) {
	case 0:
	case 1:
		c.Mean = ok[0]
	default:
		if ci, err := MeanCI(ok, 0.95); err == nil {
			c.Mean, c.Lo, c.Hi = ci.Estimate, ci.Lo, ci.Hi
		}
	}
	return c
}

// Short formats "mean±half-width" with prec decimals ("n/a" when undefined).
func (c SeedStat) Short(prec int) string {
	switch {
	case c.N == 0:
		return "n/a"
	case c.N == 1 || math.IsNaN(c.Lo):
		return fmt.Sprintf("%.*f", prec, c.Mean)
	}
	return fmt.Sprintf("%.*f±%.*f", prec, c.Mean, prec, (c.Hi-c.Lo)/2)
}

// String is Short(3).
func (c SeedStat) String() string { return c.Short(3) }

// Sentence formats "mean [lo, hi]" for prose, as a percentage when percent
// is set, noting a single run.
func (c SeedStat) Sentence(percent bool) string {
	f := func(x float64) string {
		if percent {
			return fmt.Sprintf("%.1f%%", 100*x)
		}
		return fmt.Sprintf("%.3f", x)
	}
	switch {
	case c.N == 0:
		return "n/a"
	case c.N == 1 || math.IsNaN(c.Lo):
		return f(c.Mean) + " (1 run)"
	}
	return fmt.Sprintf("%s [%s, %s]", f(c.Mean), f(c.Lo), f(c.Hi))
}

// Diff formats a paired difference: in points for rates ("+4.2 points
// [+1.0, +7.4]"), else as Sentence.
func (c SeedStat) Diff(percent bool) string {
	if c.N == 0 {
		return "n/a"
	}
	if !percent {
		return c.Sentence(false)
	}
	if c.N < 2 || math.IsNaN(c.Lo) {
		return fmt.Sprintf("%+.1f points", 100*c.Mean)
	}
	return fmt.Sprintf("%+.1f points [%+.1f, %+.1f]", 100*c.Mean, 100*c.Lo, 100*c.Hi)
}
