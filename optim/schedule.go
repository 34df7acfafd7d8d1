package optim

import "math"

// Schedule gives the learning rate for an optimizer step. Steps count from
// 0: the first call to Step uses LR(0). A training loop sets
// opt.LR = sched.LR(step) before each Step.
type Schedule interface {
	LR(step int) float64
}

// Constant is a fixed learning rate.
type Constant struct {
	Rate float64
}

// LR returns Rate.
func (c Constant) LR(int) float64 { return c.Rate }

// Warmup rises linearly to Peak over the first Steps steps and then stays
// there: LR(s) = Peak·(s+1)/Steps for s < Steps, so step Steps−1 is the
// first at the peak and no step runs at zero. Steps ≤ 0 means no warm-up.
type Warmup struct {
	Peak  float64
	Steps int
}

// LR returns the warmed-up rate.
func (w Warmup) LR(step int) float64 { return warm(w.Peak, w.Steps, step) }

func warm(peak float64, n, step int) float64 {
	if step < n {
		return peak * float64(step+1) / float64(n)
	}
	return peak
}

// Cosine warms up linearly as Warmup over Warmup steps, then decays from
// Peak to Min along a half cosine reaching Min at step Total, and stays at
// Min afterwards:
//
//	LR(s) = Min + (Peak−Min)·½·(1 + cos(π·(s−Warmup)/(Total−Warmup)))
type Cosine struct {
	Peak, Min     float64
	Warmup, Total int
}

// LR returns the scheduled rate.
func (c Cosine) LR(step int) float64 {
	if step < c.Warmup {
		return warm(c.Peak, c.Warmup, step)
	}
	span := c.Total - c.Warmup
	if span <= 0 || step >= c.Total {
		return c.Min
	}
	frac := float64(step-c.Warmup) / float64(span)
	return c.Min + (c.Peak-c.Min)*0.5*(1+math.Cos(math.Pi*frac))
}

// Exponential decays by Gamma every step from Initial, as
// torch.optim.lr_scheduler.ExponentialLR: LR(s) = Initial·Gammaˢ.
type Exponential struct {
	Initial, Gamma float64
}

// LR returns Initial·Gamma^step.
func (e Exponential) LR(step int) float64 { return e.Initial * math.Pow(e.Gamma, float64(step)) }
