package optim

import (
	"fmt"

	"interloop/engine"
	"interloop/tensor"
)

// SGDConfig configures stochastic gradient descent, with the semantics of
// torch.optim.SGD.
type SGDConfig struct {
	LR          float64 // learning rate (default 1e-3, torch's default)
	Momentum    float64 // momentum factor μ (default 0: plain SGD)
	Dampening   float64 // dampening τ of the momentum buffer (default 0)
	Nesterov    bool    // Nesterov momentum (needs Momentum > 0 and Dampening 0)
	WeightDecay float64 // L2 penalty λ added to the gradient (default 0)
}

// SGD updates each parameter θ with gradient g as torch.optim.SGD does:
//
//	g ← g + λθ
//	b ← g on the first step, else μb + (1−τ)g     (when μ ≠ 0)
//	g ← g + μb if Nesterov, else b                (when μ ≠ 0)
//	θ ← θ − lr·g
//
// The config is embedded, so the learning rate can be changed between
// steps (opt.LR = sched.LR(step)).
type SGD[T tensor.Float] struct {
	SGDConfig
	params []*engine.Param[T]
	buf    [][]T // momentum buffers, nil without momentum
	steps  int
}

// NewSGD returns an SGD optimizer over params. The parameter list is
// copied; the parameters themselves are updated in place by Step.
func NewSGD[T tensor.Float](params []*engine.Param[T], cfg SGDConfig) (*SGD[T], error) {
	if cfg.LR == 0 {
		cfg.LR = 1e-3
	}
	switch {
	case cfg.LR < 0 || cfg.Momentum < 0 || cfg.WeightDecay < 0:
		return nil, fmt.Errorf("optim: SGD: negative LR, Momentum or WeightDecay in %+v", cfg)
	case cfg.Nesterov && (cfg.Momentum <= 0 || cfg.Dampening != 0):
		return nil, fmt.Errorf("optim: SGD: Nesterov momentum needs Momentum > 0 and Dampening 0, got %+v", cfg)
	}
	if err := checkParams(params); err != nil {
		return nil, fmt.Errorf("optim: SGD: %w", err)
	}
	o := &SGD[T]{SGDConfig: cfg, params: append([]*engine.Param[T](nil), params...)}
	if cfg.Momentum != 0 {
		o.buf = make([][]T, len(params))
		for i, p := range params {
			o.buf[i] = make([]T, p.Value.Len())
		}
	}
	return o, nil
}

// Step applies one update from the params' current gradients.
func (o *SGD[T]) Step() {
	lr, wd, mu := T(o.LR), T(o.WeightDecay), T(o.Momentum)
	damp := T(1 - o.Dampening)
	first := o.steps == 0
	for i, p := range o.params {
		w, g := p.Value.Data, p.Grad.Data[:len(p.Value.Data)]
		var b []T
		if o.buf != nil {
			b = o.buf[i][:len(w)]
		}
		for j := range w {
			d := g[j]
			if wd != 0 {
				d += wd * w[j]
			}
			if b != nil {
				if first {
					b[j] = d
				} else {
					b[j] = mu*b[j] + damp*d
				}
				if o.Nesterov {
					d += mu * b[j]
				} else {
					d = b[j]
				}
			}
			w[j] -= lr * d
		}
	}
	o.steps++
}

// ZeroGrad clears every parameter's gradient.
func (o *SGD[T]) ZeroGrad() { zeroGrad(o.params) }

// Steps is the number of Step calls so far.
func (o *SGD[T]) Steps() int { return o.steps }

func zeroGrad[T tensor.Float](ps []*engine.Param[T]) {
	for _, p := range ps {
		p.ZeroGrad()
	}
}

func checkParams[T tensor.Float](ps []*engine.Param[T]) error {
	for i, p := range ps {
		if p == nil || p.Value == nil || p.Grad == nil || p.Grad.Len() != p.Value.Len() {
			name := ""
			if p != nil {
				name = p.Name
			}
			return fmt.Errorf("param %d (%q) has no value or a gradient of the wrong size", i, name)
		}
	}
	return nil
}
