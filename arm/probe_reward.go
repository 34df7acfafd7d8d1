package arm

import (
	"fmt"

	"interloop/probe"
	"interloop/tensor"
	"interloop/train"
)

// ProbeReward subtracts λ·score from each episode's reward, where score is
// the deception probe's output on the chosen plan's belief state. The score
// is a number, not a graph node: no gradient passes through the probe
// (Nanda's variant b; RL-Obfuscation, Atlas). Reward moves the policy
// towards plans the probe scores low — honest ones, or lies it cannot see.
//
// With Readout "frozen-copy" the probe reads the frozen pre-RL network's
// belief state of the chosen plan instead of the policy's (Goodfire's
// RLFR): the policy cannot move the activations the probe reads, only its
// choices.
type ProbeReward struct {
	cfg     Config
	retrain *retrainer
	scores  []float64
	refH    *tensor.Tensor[float32]
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
	X := s.ChosenH.Value
	if a.cfg.Readout == ReadFrozenCopy {
		if a.refH == nil || a.refH.Dim(0) != len(reward) {
			a.refH = tensor.New[float32](len(reward), X.Dim(1))
		}
		s.ChosenRows(s.RefOut.H.Value, a.refH)
		X = a.refH
	}
	if err := a.retrain.current.Score(X, sc); err != nil {
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
