package lm

import (
	"errors"
	"fmt"

	"interloop/probe"
)

// retrainer holds a probe arm's current probe and refits it on schedule by
// the instructed recipe (fresh instructed episodes, teacher-forced, on the
// current policy): "retrain the probe regularly" of Nanda's variant d.
type retrainer struct {
	cfg     ArmConfig
	setup   ArmSetup
	current *Probe
	// Refits counts refits done; Failed counts refits whose fit failed
	// (the solver did not converge), after which the previous probe stays.
	Refits, Failed int
}

func newRetrainer(cfg ArmConfig, s ArmSetup) *retrainer {
	return &retrainer{cfg: cfg, setup: s, current: s.Probe}
}

func (r *retrainer) afterStep(s *Step) error {
	every := r.cfg.RetrainEvery
	if every == 0 || (s.Index+1)%every != 0 || s.Index+1 == s.Steps {
		return nil
	}
	p, err := refit(s.Policy, r.setup.World, r.cfg.Agg, r.setup.ProbeConfig, r.setup.Seed+uint64(s.Index), s.Rng)
	if errors.Is(err, probe.ErrNotConverged) {
		r.Failed++
		return nil
	}
	if err != nil {
		return fmt.Errorf("refit at step %d: %w", s.Index+1, err)
	}
	r.current = p
	r.Refits++
	return nil
}
