package arm

import (
	"fmt"

	"interloop/hook"
	"interloop/train"
)

// Source is where a concept direction comes from.
type Source string

// Direction sources.
const (
	SourceMeanDiff Source = "mean-diff" // mean instructed-lie activation − mean honest one
	SourceProbe    Source = "probe"     // a logistic probe's unit weights, scaled to the mean difference's projection
)

// SteeringConfig configures preventative steering (Persona Vectors) and the
// evaluation-time awareness steering.
type SteeringConfig struct {
	// Site is the hook site, by name. Default "layers.2.hook_post" (the
	// first plan-conditioned layer). At the belief state ("layers.3.hook_post",
	// the last layer) a vector added to every plan shifts every plan's value
	// by the same w·v, so it cannot change the policy's choice by itself.
	Site string `yaml:"site" json:"site"`
	// Alpha multiplies the concept vector (steering adds α·v). Default 1.
	Alpha float64 `yaml:"alpha" json:"alpha"`
	// Source of the direction. Default "mean-diff".
	Source Source `yaml:"source" json:"source"`
}

// DefaultSteering returns the documented defaults.
func DefaultSteering() SteeringConfig {
	return SteeringConfig{Site: "layers.2.hook_post", Alpha: 1, Source: SourceMeanDiff}
}

// Validate reports the first invalid field.
func (c SteeringConfig) Validate() error {
	if c.Source != SourceMeanDiff && c.Source != SourceProbe {
		return fmt.Errorf("arm.steering.source %q is not %q or %q", c.Source, SourceMeanDiff, SourceProbe)
	}
	return nil
}

// Steering is preventative steering (Persona Vectors, arXiv 2507.21509):
// during RL every training forward pass adds α·v at a site, v the lie-ward
// concept vector from instructed episodes, so the optimizer has less reason
// to move the network towards the trait itself. The vector is removed at
// evaluation; the audit also reports behaviour with it present.
type Steering struct {
	cfg  Config
	vec  []float64
	set  *hook.Set[float32]
	eval []hook.Hook[float32]
}

func newSteering(cfg Config, s Setup) (*Steering, error) {
	site, err := siteByName(s, cfg.Steering.Site)
	if err != nil {
		return nil, fmt.Errorf("arm %s: %w", cfg.Kind, err)
	}
	v, err := conceptVector(s, site, cfg.Steering.Source, s.Labels)
	if err != nil {
		return nil, fmt.Errorf("arm %s: %w", cfg.Kind, err)
	}
	for i := range v {
		v[i] *= cfg.Steering.Alpha
	}
	h := hook.AddAt(site, vec32(v))
	return &Steering{cfg: cfg, vec: v, set: hook.NewSet(h), eval: []hook.Hook[float32]{h}}, nil
}

// Name implements train.Arm.
func (a *Steering) Name() string { return string(KindSteering) }

// TrainHooks implements train.Intervener.
func (a *Steering) TrainHooks(*train.Step) *hook.Set[float32] {
	a.set.Reset()
	return a.set
}

// EvalHooks implements EvalIntervener: the same vector, for the audit's
// "with the vector" reading.
func (a *Steering) EvalHooks() []hook.Hook[float32] { return a.eval }

// Stats implements Reporter.
func (a *Steering) Stats() map[string]float64 { return map[string]float64{"vector_norm": norm(a.vec)} }
