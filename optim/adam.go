package optim

import (
	"fmt"
	"math"

	"interloop/engine"
	"interloop/tensor"
)

// AdamConfig configures Adam and AdamW. Zero fields take torch's defaults.
// (A literal β1 = 0 cannot be written in the config; set opt.Beta1 = 0 on
// the optimizer after construction.)
type AdamConfig struct {
	LR    float64 // learning rate (default 1e-3)
	Beta1 float64 // first-moment decay β1 (default 0.9)
	Beta2 float64 // second-moment decay β2 (default 0.999)
	Eps   float64 // denominator term ε (default 1e-8)
	// WeightDecay λ. Adam adds λθ to the gradient (L2, default 0); AdamW
	// shrinks θ by lr·λ before the update (decoupled, default 0.01 as
	// torch.optim.AdamW; use Adam for no decay).
	WeightDecay float64
}

// Adam is torch.optim.Adam (or, built by NewAdamW, torch.optim.AdamW),
// without amsgrad. With t the 1-based step count, each parameter θ with
// gradient g is updated:
//
//	g ← g + λθ                        (Adam)     θ ← θ·(1 − lr·λ)   (AdamW)
//	m ← β1·m + (1−β1)·g
//	v ← β2·v + (1−β2)·g²
//	θ ← θ − (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + ε)
//
// exactly the operation order of torch's single-tensor implementation. The
// config is embedded, so the learning rate can be changed between steps.
type Adam[T tensor.Float] struct {
	AdamConfig
	params    []*engine.Param[T]
	m, v      [][]T
	steps     int
	decoupled bool
}

// NewAdam returns Adam with L2 weight decay over params.
func NewAdam[T tensor.Float](params []*engine.Param[T], cfg AdamConfig) (*Adam[T], error) {
	return newAdam(params, cfg, false)
}

// NewAdamW returns AdamW (decoupled weight decay) over params.
func NewAdamW[T tensor.Float](params []*engine.Param[T], cfg AdamConfig) (*Adam[T], error) {
	if cfg.WeightDecay == 0 {
		cfg.WeightDecay = 0.01
	}
	return newAdam(params, cfg, true)
}

func newAdam[T tensor.Float](params []*engine.Param[T], cfg AdamConfig, decoupled bool) (*Adam[T], error) {
	name := "Adam"
	if decoupled {
		name = "AdamW"
	}
	if cfg.LR == 0 {
		cfg.LR = 1e-3
	}
	if cfg.Beta1 == 0 {
		cfg.Beta1 = 0.9
	}
	if cfg.Beta2 == 0 {
		cfg.Beta2 = 0.999
	}
	if cfg.Eps == 0 {
		cfg.Eps = 1e-8
	}
	if cfg.LR < 0 || cfg.Eps < 0 || cfg.WeightDecay < 0 || cfg.Beta1 < 0 || cfg.Beta1 >= 1 || cfg.Beta2 < 0 || cfg.Beta2 >= 1 {
		return nil, fmt.Errorf("optim: %s: invalid config %+v (need LR, Eps, WeightDecay ≥ 0 and betas in [0, 1))", name, cfg)
	}
	if err := checkParams(params); err != nil {
		return nil, fmt.Errorf("optim: %s: %w", name, err)
	}
	o := &Adam[T]{AdamConfig: cfg, params: append([]*engine.Param[T](nil), params...), decoupled: decoupled}
	o.m = make([][]T, len(params))
	o.v = make([][]T, len(params))
	for i, p := range params {
		o.m[i] = make([]T, p.Value.Len())
		o.v[i] = make([]T, p.Value.Len())
	}
	return o, nil
}

// Step applies one update from the params' current gradients.
func (o *Adam[T]) Step() {
	o.steps++
	t := float64(o.steps)
	b1, b2 := T(o.Beta1), T(o.Beta2)
	c1, c2 := 1-b1, 1-b2
	stepSize := T(o.LR / (1 - math.Pow(o.Beta1, t)))
	bc2Sqrt := T(math.Sqrt(1 - math.Pow(o.Beta2, t)))
	eps, wd := T(o.Eps), T(o.WeightDecay)
	shrink := T(1 - o.LR*o.WeightDecay)
	for i, p := range o.params {
		w := p.Value.Data
		g, m, v := p.Grad.Data[:len(w)], o.m[i][:len(w)], o.v[i][:len(w)]
		for j := range w {
			d := g[j]
			if o.decoupled {
				w[j] *= shrink
			} else if wd != 0 {
				d += wd * w[j]
			}
			m[j] = b1*m[j] + c1*d
			v[j] = b2*v[j] + c2*d*d
			denom := T(math.Sqrt(float64(v[j])))/bc2Sqrt + eps
			w[j] -= stepSize * m[j] / denom
		}
	}
}

// ZeroGrad clears every parameter's gradient.
func (o *Adam[T]) ZeroGrad() { zeroGrad(o.params) }

// Steps is the number of Step calls so far (t in the formulas).
func (o *Adam[T]) Steps() int { return o.steps }
