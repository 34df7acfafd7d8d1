package arm

// Gradient decomposition and selective application (Goodfire's idea).
//
// Let θ be the belief network's parameters and h_b(θ) the belief state of
// the plan chosen in episode b of the current batch. An update Δθ moves the
// activations, to first order, by J_b·Δθ (J_b = ∂h_b/∂θ), and its summed
// effect along a semantic direction u of activation space is
//
//	a_u(Δθ) = Σ_b uᵀ J_b Δθ = ⟨G_u, Δθ⟩,   G_u = ∇_θ Σ_b u·h_b(θ),
//
// a Jacobian-vector product that one extra backward pass computes exactly:
// G_u is the gradient of the activations' projection on u. So the update
// decomposes into its components along {G_u} (the parts that move the
// activations along the named directions) and the rest. The arm removes the
// first part for forbidden directions: with E an orthonormal basis of
// span{G_u} (Gram–Schmidt in float64),
//
//	Δθ' = Δθ − Σ_k ⟨Δθ, E_k⟩ E_k,   so a_u(Δθ') = 0 for every forbidden u.
//
// It edits the update the optimizer actually made (after Adam's
// preconditioning), so the guarantee holds for the applied step, and records
// how much of the update's norm was removed. The control arm (Random)
// removes as many random unit directions instead, to separate the effect of
// removing *these* directions from the effect of removing any.
//
// Directions: "deception" (the deception probe's unit weights), "z" (a
// logistic probe for the hidden state z), "pca" (the top K principal
// directions of paired lie − honest differences), all at the belief site and
// from pre-RL instructed episodes. The sum over the batch is signed, so the
// constraint is on the batch's net movement along u.

import (
	"fmt"
	"math"

	"interloop/agent"
	"interloop/engine"
	"interloop/probe"
	"interloop/rng"
	"interloop/tensor"
	"interloop/train"
)

// FilterConfig configures the grad-filter arm.
type FilterConfig struct {
	// Directions are the forbidden directions: any of "deception", "z",
	// "pca". Default ["deception"].
	Directions []string `yaml:"directions" json:"directions"`
	// K is the number of PCA directions when "pca" is listed. Default 1.
	K int `yaml:"k" json:"k"`
	// Random replaces the directions by as many random unit directions (the
	// control). Default false.
	Random bool `yaml:"random" json:"random"`
}

// DefaultFilter returns the documented defaults.
func DefaultFilter() FilterConfig { return FilterConfig{Directions: []string{"deception"}, K: 1} }

// Validate reports the first invalid field.
func (c FilterConfig) Validate() error {
	if len(c.Directions) == 0 {
		return fmt.Errorf("arm.filter.directions is empty")
	}
	for _, d := range c.Directions {
		if d != "deception" && d != "z" && d != "pca" {
			return fmt.Errorf("arm.filter.directions: %q is not deception, z or pca", d)
		}
	}
	if c.K < 1 {
		return fmt.Errorf("arm.filter.k %d < 1", c.K)
	}
	return nil
}

// GradFilter removes from each update its first-order effect on the belief
// state along forbidden directions.
type GradFilter struct {
	cfg            Config
	dirs           []*tensor.Tensor[float32] // [1, hidden] each
	tp             *engine.Tape[float32]
	g              [][]float32   // saved gradients
	G              [][][]float64 // G_u per direction, per parameter; reused each step
	basis          [][][]float64 // orthonormal E_k (aliases entries of G)
	removed, steps float64
}

func newGradFilter(cfg Config, s Setup) (*GradFilter, error) {
	var dirs [][]float64
	for _, name := range cfg.Filter.Directions {
		switch name {
		case "deception":
			lin, ok := s.Probe.(probe.Linear)
			if !ok {
				return nil, fmt.Errorf("arm %s: probe %T is not linear", cfg.Kind, s.Probe)
			}
			dirs = append(dirs, lin.Direction())
		case "z":
			u, err := zDirection(s)
			if err != nil {
				return nil, fmt.Errorf("arm %s: %w", cfg.Kind, err)
			}
			dirs = append(dirs, u)
		case "pca":
			c, err := pairedPCA(s, agent.Belief, cfg.Filter.K)
			if err != nil {
				return nil, fmt.Errorf("arm %s: %w", cfg.Kind, err)
			}
			dirs = append(dirs, c...)
		}
	}
	if cfg.Filter.Random {
		r := rng.New(s.Seed, 0x6f11)
		for i := range dirs {
			dirs[i] = randomUnit(r, len(dirs[i]))
		}
	}
	a := &GradFilter{cfg: cfg, tp: engine.NewTape[float32]()}
	for _, u := range dirs {
		a.dirs = append(a.dirs, vec32(u).Reshape(1, len(u)))
	}
	return a, nil
}

// Name implements train.Arm.
func (a *GradFilter) Name() string { return string(KindGradFilter) }

// EditGrads implements train.GradEditor. It does not change the gradient:
// it computes, at the pre-step parameters, the parameter-space directions
// G_u whose components EditUpdate removes.
func (a *GradFilter) EditGrads(s *train.Step) error {
	params := s.Net.BeliefParams()
	if a.g == nil {
		for _, p := range params {
			a.g = append(a.g, make([]float32, p.Grad.Len()))
		}
		a.G = make([][][]float64, len(a.dirs))
		for k := range a.G {
			for _, p := range params {
				a.G[k] = append(a.G[k], make([]float64, p.Grad.Len()))
			}
		}
		a.basis = make([][][]float64, 0, len(a.dirs))
	}
	for i, p := range params {
		copy(a.g[i], p.Grad.Data)
	}
	err := Directions(a.tp, s.Net, s.Batch, s.Rows, a.dirs, a.G)
	for i, p := range params {
		copy(p.Grad.Data, a.g[i])
	}
	if err != nil {
		return err
	}
	a.basis = orthonormalize(a.G, a.basis[:0])
	return nil
}

// EditUpdate implements train.UpdateEditor: Δθ ← Δθ − Σ ⟨Δθ, E_k⟩ E_k over
// the belief parameters (the desire's parameters do not move the beliefs).
func (a *GradFilter) EditUpdate(s *train.Step, delta [][]float32) error {
	nb := len(s.Net.BeliefParams()) // belief parameters come first in Params
	total, removed := 0.0, 0.0
	for _, d := range delta[:nb] {
		for _, v := range d {
			total += float64(v) * float64(v)
		}
	}
	for _, e := range a.basis {
		c := 0.0
		for i, d := range delta[:nb] {
			for j, v := range d {
				c += float64(v) * e[i][j]
			}
		}
		for i, d := range delta[:nb] {
			for j := range d {
				d[j] -= float32(c * e[i][j])
			}
		}
		removed += c * c
	}
	if total > 0 {
		a.removed += math.Sqrt(removed / total)
	}
	a.steps++
	return nil
}

// Stats implements Reporter: the mean fraction of the update's norm removed.
func (a *GradFilter) Stats() map[string]float64 {
	if a.steps == 0 {
		return map[string]float64{"removed_norm_fraction": math.NaN()}
	}
	return map[string]float64{"removed_norm_fraction": a.removed / a.steps, "directions": float64(len(a.dirs))}
}

// Directions computes, for each activation direction u ([1, hidden]), the
// parameter-space vector G_u = ∇_θ Σ_b u·h_b over the belief parameters,
// with h_b the belief state of plan rows[b] (index into the flattened
// [B·P] plan axis) of episode b, into dst[k][i] (sized like the belief
// parameters). It overwrites the parameters' Grad.
func Directions(tp *engine.Tape[float32], net *agent.Net, bt *train.Batch, rows []int, dirs []*tensor.Tensor[float32], dst [][][]float64) error {
	params := net.BeliefParams()
	hid := net.Config().Hidden
	for k, u := range dirs {
		for _, p := range params {
			p.ZeroGrad()
		}
		tp.Reset()
		o := net.Forward(tp, agent.Inputs{Obs: bt.Obs, Instruction: bt.Instruction}, agent.Options{}, nil)
		h := tp.Index(tp.Reshape(o.H, -1, hid), 0, rows)
		if err := tp.Backward(tp.Sum(tp.Mul(h, tp.Const(u)))); err != nil {
			return fmt.Errorf("gradient direction %d: %w", k, err)
		}
		for i, p := range params {
			for j, v := range p.Grad.Data {
				dst[k][i][j] = float64(v)
			}
		}
	}
	return nil
}

// orthonormalize runs modified Gram–Schmidt in place over parameter-space
// vectors, appending to basis the ones not (numerically) in the span of
// earlier ones.
func orthonormalize(G [][][]float64, basis [][][]float64) [][][]float64 {
	for _, v := range G {
		n0 := sq(v)
		for _, e := range basis {
			c := 0.0
			for i := range v {
				for j, x := range v[i] {
					c += x * e[i][j]
				}
			}
			for i := range v {
				for j := range v[i] {
					v[i][j] -= c * e[i][j]
				}
			}
		}
		n := sq(v)
		if n0 == 0 || n <= 1e-12*n0 {
			continue
		}
		n = math.Sqrt(n)
		for i := range v {
			for j := range v[i] {
				v[i][j] /= n
			}
		}
		basis = append(basis, v)
	}
	return basis
}

func sq(v [][]float64) float64 {
	s := 0.0
	for i := range v {
		for _, x := range v[i] {
			s += x * x
		}
	}
	return s
}
