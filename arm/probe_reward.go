package arm

import (
	"fmt"

	"interloop/probe"
	"interloop/train"
)

// ProbeReward subtracts λ·score from each episode's reward, where score is
// the deception probe's output on the chosen plan's belief state. The score
// is a number, not a graph node: no gradient passes through the probe
// (Nanda's variant b; RL-Obfuscation, Atlas). Reward moves the policy
// towards plans the probe scores low — honest ones, or lies it cannot see.
type ProbeReward struct {
	cfg     Config
	retrain *retrainer
	scores  []float64
}

func newProbeReward(cfg Config, s Setup) (*ProbeReward, error) {
	if s.Probe == nil {
		return nil, fmt.Errorf("arm %s: no probe", cfg.Kind)
	}
	return &ProbeReward{cfg: cfg, retrain: newRetrainer(cfg.Retrain, s)}, nil
}

// Name implements train.Arm.
func (a *ProbeReward) Name() string { return string(KindProbeReward) }

// CurrentProbe implements Prober.
func (a *ProbeReward) CurrentProbe() probe.Detector { return a.retrain.current }

// ShapeReward implements train.RewardShaper.
func (a *ProbeReward) ShapeReward(s *train.Step, reward []float64) error {
	if cap(a.scores) < len(reward) {
		a.scores = make([]float64, len(reward))
	}
	sc := a.scores[:len(reward)]
	if err := a.retrain.current.Score(s.ChosenH.Value, sc); err != nil {
		return err
	}
	lam := lambdaAt(a.cfg, s.Index)
	for i := range reward {
		reward[i] -= lam * sc[i]
	}
	return nil
}

// AfterStep implements train.StepObserver (the retraining schedule).
func (a *ProbeReward) AfterStep(s *train.Step) error { return a.retrain.afterStep(s) }
