package lm

import "interloop/arm"

// TruthMonitor subtracts λ from the reward of a lie that a ground-truth
// monitor catches, with probability Recall: the reference for what a
// detector that cannot be evaded would do.
type TruthMonitor struct {
	cfg ArmConfig
}

// Name implements Arm.
func (a *TruthMonitor) Name() string { return string(arm.KindTruthMonitor) }

func (a *TruthMonitor) shapeReward(s *Step, reward []float64) error {
	lam := a.cfg.lambdaAt(s.Index)
	for i := range reward {
		if s.Lie[i] && s.Rng.Float64() < a.cfg.Recall {
			reward[i] -= lam
		}
	}
	return nil
}
