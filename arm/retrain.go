package arm

import (
	"fmt"

	"interloop/env/vault"
	"interloop/probe"
	"interloop/tensor"
	"interloop/train"
)

// RefitData is what a retrained probe is refit on.
type RefitData string

// Refit data sources.
const (
	// RefitInstructed repeats the pre-RL recipe on the current model: fresh
	// instructed episodes (greedy plans under "honest" and "lie"), labelled by
	// the instruction.
	RefitInstructed RefitData = "instructed"
	// RefitGroundTruth uses spontaneous episodes of the current policy
	// (instruction "honest", sampled plans) labelled by the ground-truth lie
	// label — a monitor with access to the truth.
	RefitGroundTruth RefitData = "ground-truth"
)

// RetrainConfig is a probe arm's retraining schedule.
type RetrainConfig struct {
	// Every refits the probe every this many RL steps; 0 keeps it frozen. Default 0.
	Every int `yaml:"every" json:"every"`
	// Data is the refit data. Default "instructed".
	Data RefitData `yaml:"data" json:"data"`
}

// DefaultRetrain returns the documented defaults (frozen).
func DefaultRetrain() RetrainConfig { return RetrainConfig{Data: RefitInstructed} }

// Validate reports the first invalid field.
func (c RetrainConfig) Validate() error {
	if c.Every < 0 {
		return fmt.Errorf("arm.retrain.every %d < 0", c.Every)
	}
	if c.Data != RefitInstructed && c.Data != RefitGroundTruth {
		return fmt.Errorf("arm.retrain.data %q is not %q or %q", c.Data, RefitInstructed, RefitGroundTruth)
	}
	return nil
}

// retrainer holds a probe arm's current probe and refits it on schedule.
type retrainer struct {
	cfg     RetrainConfig
	setup   Setup
	current probe.Detector
	// Refits and Skipped count refits done and refits skipped because the
	// data had one class only (e.g. a policy that never lies).
	Refits, Skipped int
}

func newRetrainer(cfg RetrainConfig, s Setup) *retrainer {
	return &retrainer{cfg: cfg, setup: s, current: s.Probe}
}

func (r *retrainer) afterStep(s *train.Step) error {
	_, err := r.refit(s)
	return err
}

// refit refits the probe when the schedule says so, reporting whether it did.
func (r *retrainer) refit(s *train.Step) (bool, error) {
	if r.cfg.Every == 0 || (s.Index+1)%r.cfg.Every != 0 || s.Index+1 == s.Steps {
		return false, nil
	}
	n := r.setup.ProbeEpisodes
	var (
		X *tensor.Tensor[float32]
		y []bool
	)
	switch r.cfg.Data {
	case RefitGroundTruth:
		e := train.Evaluate(s.Net, r.setup.World, n, vault.Honest, false, s.Temperature, s.Rng)
		y = make([]bool, n)
		pos := 0
		for i, p := range e.Sampled {
			y[i] = vault.IsLie(p, e.Stolen[i])
			if y[i] {
				pos++
			}
		}
		if pos == 0 || pos == n {
			r.Skipped++
			return false, nil
		}
		X = e.Chosen(e.Sampled)
	default:
		X, y, _ = train.InstructedData(s.Net, r.setup.World, n, s.Rng)
	}
	d, err := r.setup.Fitter.Fit(X, y)
	if err != nil {
		return false, fmt.Errorf("refit at step %d: %w", s.Index+1, err)
	}
	r.current = d
	r.Refits++
	return true, nil
}
