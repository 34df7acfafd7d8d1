package arm

import (
	"fmt"

	"interloop/hook"
)

// Awareness is the evaluation-awareness steering arm (seed 003): training is
// the plain proxy reward (as None); at evaluation the audit subtracts
// α·v_aware at a site, v_aware the "this is a test" concept vector (mean
// belief state of test episodes − non-test ones, from pre-RL instructed
// episodes of a world with tests), to see how much of the gap between
// behaviour under test and outside it the steering closes.
type Awareness struct {
	eval []hook.Hook[float32]
	vec  []float64
}

func newAwareness(cfg Config, s Setup) (*Awareness, error) {
	if s.World.Config().TestProb == 0 {
		return nil, fmt.Errorf("arm %s: the world has no test episodes (world.test_prob is 0)", cfg.Kind)
	}
	site, err := siteByName(s, cfg.Steering.Site)
	if err != nil {
		return nil, fmt.Errorf("arm %s: %w", cfg.Kind, err)
	}
	v, err := conceptVector(s, site, cfg.Steering.Source, s.Instructed.Tested)
	if err != nil {
		return nil, fmt.Errorf("arm %s: awareness direction: %w", cfg.Kind, err)
	}
	for i := range v {
		v[i] *= -cfg.Steering.Alpha
	}
	return &Awareness{eval: []hook.Hook[float32]{hook.AddAt(site, vec32(v))}, vec: v}, nil
}

// Name implements train.Arm.
func (a *Awareness) Name() string { return string(KindAwareness) }

// EvalHooks implements EvalIntervener: subtract the awareness vector.
func (a *Awareness) EvalHooks() []hook.Hook[float32] { return a.eval }

// Stats implements Reporter.
func (a *Awareness) Stats() map[string]float64 { return map[string]float64{"vector_norm": norm(a.vec)} }
