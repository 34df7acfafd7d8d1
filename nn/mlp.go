package nn

import (
	"fmt"

	"interloop/engine"
	"interloop/hook"
	"interloop/rng"
	"interloop/tensor"
)

// MLPConfig configures a multilayer perceptron.
type MLPConfig struct {
	// Sizes are the layer widths from input to output, e.g. {32, 128, 8}
	// for one hidden layer (required, at least two entries, all > 0).
	Sizes []int
	// Activation follows every layer but the last (default ReLU).
	Activation Activation
	// NoBias omits the biases (default: every layer has one).
	NoBias bool
}

// MLP is a stack of Linear layers with an activation between them. Layer i
// maps Sizes[i] → Sizes[i+1]; its params are "layers.{i}.weight" ([in, out],
// the transpose of PyTorch's) and "layers.{i}.bias", as the state_dict of a
// torch module holding an nn.ModuleList named layers.
//
// Hook sites, for every layer i (the last layer's activation is the
// identity, so its hook_post is the network's output):
//
//	layers.{i}.hook_pre   [B, Sizes[i+1]]  affine output
//	layers.{i}.hook_post  [B, Sizes[i+1]]  after the activation
type MLP[T tensor.Float] struct {
	Layers []*Linear[T]
	Act    Activation
	cfg    MLPConfig
}

// NewMLP returns an MLP initialised as PyTorch's nn.Linear default (see
// Linear), layers drawn in order from r.
func NewMLP[T tensor.Float](cfg MLPConfig, r *rng.PCG) (*MLP[T], error) {
	if len(cfg.Sizes) < 2 {
		return nil, fmt.Errorf("nn: MLP needs at least 2 sizes, got %v", cfg.Sizes)
	}
	if !cfg.Activation.valid() {
		return nil, fmt.Errorf("nn: MLP: unknown activation %v", cfg.Activation)
	}
	cfg.Sizes = append([]int(nil), cfg.Sizes...)
	m := &MLP[T]{Act: cfg.Activation, cfg: cfg}
	for i := 0; i+1 < len(cfg.Sizes); i++ {
		l, err := NewLinear[T](LinearConfig{
			In: cfg.Sizes[i], Out: cfg.Sizes[i+1], NoBias: cfg.NoBias,
			Name: fmt.Sprintf("layers.%d.", i),
		}, r)
		if err != nil {
			return nil, fmt.Errorf("nn: MLP layer %d: %w", i, err)
		}
		m.Layers = append(m.Layers, l)
	}
	return m, nil
}

// Config returns the configuration the MLP was built with.
func (m *MLP[T]) Config() MLPConfig {
	c := m.cfg
	c.Sizes = append([]int(nil), c.Sizes...)
	return c
}

// Forward maps x [B, Sizes[0]] to the output [B, Sizes[len-1]] (logits for
// a classifier), applying hooks at every site.
func (m *MLP[T]) Forward(tp *engine.Tape[T], x *engine.Node[T], hooks *hook.Set[T]) *engine.Node[T] {
	last := len(m.Layers) - 1
	for i, l := range m.Layers {
		x = l.Forward(tp, x) // [B, out_i]
		x = hooks.At(tp, hook.Layer(i, hook.Pre), x)
		if i < last {
			x = activate(m.Act, tp, x)
		}
		x = hooks.At(tp, hook.Layer(i, hook.Post), x)
	}
	return x
}

// Params returns every layer's weight then bias, layer by layer.
func (m *MLP[T]) Params() []*engine.Param[T] {
	var ps []*engine.Param[T]
	for _, l := range m.Layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// Sites lists the hook sites in the order Forward reaches them.
func (m *MLP[T]) Sites() []hook.SiteInfo {
	var s []hook.SiteInfo
	for i, l := range m.Layers {
		s = append(s,
			hook.Info(hook.Layer(i, hook.Pre), -1, l.Out),
			hook.Info(hook.Layer(i, hook.Post), -1, l.Out))
	}
	return s
}
