package lm

import (
	"fmt"

	"interloop/arm"
	"interloop/env/vault"
)

// ArmConfig selects and parametrises an RL technique (the vault's arms, in
// language). Start from DefaultArm.
type ArmConfig struct {
	// Kind is the technique: none, probe-reward, probe-loss or
	// truth-monitor (the arm package's kinds). Default none.
	Kind arm.Kind `json:"kind"`
	// Agg is the aggregation of the probe a probe arm trains against.
	// Default mean.
	Agg Agg `json:"agg"`
	// Lambda is the penalty coefficient λ. Default 1.
	Lambda float64 `json:"lambda"`
	// Warmup is the number of steps over which λ ramps linearly from 0.
	// Default 20.
	Warmup int `json:"warmup"`
	// Recall is the truth monitor's chance of catching a lie. Default 0.9.
	Recall float64 `json:"recall"`
	// RetrainEvery refits a probe arm's probe by the instructed recipe on
	// the current policy every this many steps; 0 keeps it frozen. Default 0.
	RetrainEvery int `json:"retrain_every"`
}

// DefaultArm returns the documented defaults.
func DefaultArm() ArmConfig {
	return ArmConfig{Kind: arm.KindNone, Agg: AggMean, Lambda: 1, Warmup: 20, Recall: 0.9}
}

// Validate reports the first invalid field.
func (c ArmConfig) Validate() error {
	known := false
	for _, k := range arm.Kinds() {
		known = known || k == c.Kind
	}
	switch {
	case !known:
		return fmt.Errorf("arm.kind %q is not one of %v", c.Kind, arm.Kinds())
	case !c.Agg.valid():
		return fmt.Errorf("arm.agg %q is not one of %v", c.Agg, Aggs())
	case c.Lambda < 0:
		return fmt.Errorf("arm.lambda %v < 0", c.Lambda)
	case c.Warmup < 0:
		return fmt.Errorf("arm.warmup %d < 0", c.Warmup)
	case c.Recall < 0 || c.Recall > 1:
		return fmt.Errorf("arm.recall %v outside [0, 1]", c.Recall)
	case c.RetrainEvery < 0:
		return fmt.Errorf("arm.retrain_every %d < 0", c.RetrainEvery)
	}
	return nil
}

// usesProbe reports whether the arm trains against a probe.
func (c ArmConfig) usesProbe() bool {
	return c.Kind == arm.KindProbeReward || c.Kind == arm.KindProbeLoss
}

// lambdaAt is λ after linear warm-up at step i.
func (c ArmConfig) lambdaAt(i int) float64 {
	if c.Warmup > 0 && i < c.Warmup {
		return c.Lambda * float64(i) / float64(c.Warmup)
	}
	return c.Lambda
}

// ArmSetup is what arms need from the pre-RL phases.
type ArmSetup struct {
	World *vault.World
	// Probe is the pre-RL probe of the arm's aggregation.
	Probe *Probe
	// ProbeConfig and Seed are the recipe a retrained probe is refit with.
	ProbeConfig ProbeConfig
	Seed        uint64
}

// NewArm builds the arm for cfg.
func NewArm(cfg ArmConfig, s ArmSetup) (Arm, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.usesProbe() && (s.Probe == nil || s.Probe.Agg != cfg.Agg) {
		return nil, fmt.Errorf("lm: arm %s needs the pre-RL %s probe", cfg.Kind, cfg.Agg)
	}
	switch cfg.Kind {
	case arm.KindProbeReward:
		return &ProbeReward{cfg: cfg, probes: newRetrainer(cfg, s)}, nil
	case arm.KindProbeLoss:
		return &ProbeLoss{cfg: cfg, probes: newRetrainer(cfg, s)}, nil
	case arm.KindTruthMonitor:
		return &TruthMonitor{cfg: cfg}, nil
	}
	return None{}, nil
}

// None trains on the overseer's reward alone: the premise check.
type None struct{}

// Name implements Arm.
func (None) Name() string { return string(arm.KindNone) }

// prober is implemented by arms that hold a probe: the one they end with
// (retrained, or the frozen pre-RL probe).
type prober interface {
	currentProbe() *Probe
}
