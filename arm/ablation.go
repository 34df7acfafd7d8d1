package arm

import (
	"fmt"

	"interloop/hook"
	"interloop/train"
)

// AblationConfig configures concept ablation fine-tuning.
type AblationConfig struct {
	// Site is the hook site, by name. Default "layers.3.hook_post".
	Site string `yaml:"site" json:"site"`
	// Source of the directions: "pca" (top-K principal directions of paired
	// lie − honest activation differences) or "probe" (the deception
	// direction of a logistic probe at the site; K is then 1). Default "pca".
	Source string `yaml:"source" json:"source"`
	// K is the number of PCA directions. Default 1.
	K int `yaml:"k" json:"k"`
	// Mode is "zero" (remove the component) or "mean" (replace it by its mean
	// over the instructed episodes). Default "zero".
	Mode string `yaml:"mode" json:"mode"`
	// Detached applies the projection straight-through: the forward value
	// is ablated but the backward pass treats the hook as the identity, which
	// separates the activation effect from the gradient effect. Default false.
	Detached bool `yaml:"detached" json:"detached"`
}

// DefaultAblation returns the documented defaults.
func DefaultAblation() AblationConfig {
	return AblationConfig{Site: "layers.3.hook_post", Source: "pca", K: 1, Mode: "zero"}
}

// Validate reports the first invalid field.
func (c AblationConfig) Validate() error {
	switch {
	case c.Source != "pca" && c.Source != "probe":
		return fmt.Errorf("arm.ablation.source %q is not \"pca\" or \"probe\"", c.Source)
	case c.K < 1:
		return fmt.Errorf("arm.ablation.k %d < 1", c.K)
	case c.Mode != "zero" && c.Mode != "mean":
		return fmt.Errorf("arm.ablation.mode %q is not \"zero\" or \"mean\"", c.Mode)
	}
	return nil
}

// Ablation is concept ablation fine-tuning (CAFT, arXiv 2507.16795): during
// RL the concept directions Q are projected out of the activations at a site,
// h ← h − (h·Q)Qᵀ (zero ablation) or h ← h − (h·Q)Qᵀ + (μ·Q)Qᵀ (mean
// ablation, μ the mean instructed activation), so training cannot use what
// those directions carry. Removed at evaluation.
type Ablation struct {
	cfg   Config
	hooks []hook.Hook[float32]
	set   *hook.Set[float32]
}

func newAblation(cfg Config, s Setup) (*Ablation, error) {
	c := cfg.Ablation
	site, err := siteByName(s, c.Site)
	if err != nil {
		return nil, fmt.Errorf("arm %s: %w", cfg.Kind, err)
	}
	var dirs [][]float64
	if c.Source == "probe" {
		v, err := conceptVector(s, site, SourceProbe, s.Labels)
		if err != nil {
			return nil, fmt.Errorf("arm %s: %w", cfg.Kind, err)
		}
		n := norm(v)
		for i := range v {
			v[i] /= n
		}
		dirs = [][]float64{v}
	} else if dirs, err = pairedPCA(s, site, c.K); err != nil {
		return nil, fmt.Errorf("arm %s: %w", cfg.Kind, err)
	}
	proj, err := hook.ProjectOutAt(site, columns(dirs))
	if err != nil {
		return nil, fmt.Errorf("arm %s: %w", cfg.Kind, err)
	}
	if c.Detached {
		proj = proj.Detach()
	}
	hooks := []hook.Hook[float32]{proj}
	if c.Mode == "mean" {
		// (μ·q)q summed over the (orthonormalised) directions.
		X := s.Instructed.ChosenAt(site, s.Instructed.Greedy)
		d := X.Dim(1)
		mu := make([]float64, d)
		for i := 0; i < X.Dim(0); i++ {
			for j := 0; j < d; j++ {
				mu[j] += float64(X.Data[i*d+j]) / float64(X.Dim(0))
			}
		}
		Q, k := proj.Dirs, proj.Dirs.Dim(1)
		back := make([]float64, d)
		for col := 0; col < k; col++ {
			q := make([]float64, d)
			for i := range q {
				q[i] = float64(Q.Data[i*k+col])
			}
			m := dot(mu, q)
			for i := range back {
				back[i] += m * q[i]
			}
		}
		add := hook.AddAt(site, vec32(back))
		if c.Detached {
			add = add.Detach()
		}
		hooks = append(hooks, add)
	}
	return &Ablation{cfg: cfg, hooks: hooks, set: hook.NewSet(hooks...)}, nil
}

// Name implements train.Arm.
func (a *Ablation) Name() string { return string(KindAblation) }

// TrainHooks implements train.Intervener.
func (a *Ablation) TrainHooks(*train.Step) *hook.Set[float32] {
	a.set.Reset()
	return a.set
}

// EvalHooks implements EvalIntervener (the audit's "with ablation" reading).
func (a *Ablation) EvalHooks() []hook.Hook[float32] { return a.hooks }

// Directions returns the ablated directions as the columns of [d, k].
func (a *Ablation) Directions() [][]float64 {
	Q := a.hooks[0].Dirs
	d, k := Q.Dim(0), Q.Dim(1)
	out := make([][]float64, k)
	for j := range out {
		out[j] = make([]float64, d)
		for i := range out[j] {
			out[j][i] = float64(Q.Data[i*k+j])
		}
	}
	return out
}
