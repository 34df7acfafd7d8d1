package lm

import (
	"fmt"

	"interloop/arm"
)

// ProbeReward subtracts λ·score from each response's reward, the score being
// the probe's reading of the policy's own activations on that response. No
// gradient flows through the probe: the policy can only lower the penalty
// by choosing different responses or, through ordinary policy-gradient
// updates, by drifting its activations (RL-Obfuscation's setting; Nanda's
// variant b).
type ProbeReward struct {
	cfg    ArmConfig
	probes *retrainer
}

// Name implements Arm.
func (a *ProbeReward) Name() string { return string(arm.KindProbeReward) }

func (a *ProbeReward) currentProbe() *Probe { return a.probes.current }

func (a *ProbeReward) shapeReward(s *Step, reward []float64) error {
	sc, err := a.probes.current.scores(stepSeqs(s))
	if err != nil {
		return fmt.Errorf("probe reward: %w", err)
	}
	lam := a.cfg.lambdaAt(s.Index)
	for i := range reward {
		reward[i] -= lam * sc[i]
	}
	return nil
}

func (a *ProbeReward) afterStep(s *Step) error { return a.probes.afterStep(s) }

func (a *ProbeReward) refits() (done, failed int) { return a.probes.Refits, a.probes.Failed }
