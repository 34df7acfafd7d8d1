package arm

import "interloop/train"

// TruthMonitor penalises lies using the ground-truth label, catching each
// with probability Recall: the "perfect monitor" reference that no
// interpretability tool can be better than. Its rare misses still leave a
// gain from lying when λ·Recall is below the lie's proxy gain.
type TruthMonitor struct {
	cfg Config
}

func newTruthMonitor(cfg Config, _ Setup) *TruthMonitor { return &TruthMonitor{cfg: cfg} }

// Name implements train.Arm.
func (a *TruthMonitor) Name() string { return string(KindTruthMonitor) }

// ShapeReward implements train.RewardShaper.
func (a *TruthMonitor) ShapeReward(s *train.Step, reward []float64) error {
	lam := lambdaAt(a.cfg, s.Index)
	for i := range reward {
		if s.Lie[i] && s.Rng.Float64() < a.cfg.Recall {
			reward[i] -= lam
		}
	}
	return nil
}
