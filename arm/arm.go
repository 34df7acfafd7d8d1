package arm

import (
	"fmt"

	"interloop/env/vault"
	"interloop/probe"
	"interloop/train"
)

// Kind names a technique.
type Kind string

// The techniques.
const (
	KindNone         Kind = "none"
	KindProbeReward  Kind = "probe-reward"
	KindProbeLoss    Kind = "probe-loss"
	KindTruthMonitor Kind = "truth-monitor"
)

// Kinds lists the techniques New accepts.
func Kinds() []Kind { return []Kind{KindNone, KindProbeReward, KindProbeLoss, KindTruthMonitor} }

// Config selects and parametrises an arm. Start from DefaultConfig.
type Config struct {
	// Kind is the technique. Default "none".
	Kind Kind `yaml:"kind" json:"kind"`
	// Lambda is the penalty coefficient λ. Default 1.
	Lambda float64 `yaml:"lambda" json:"lambda"`
	// Warmup is the number of RL steps over which λ ramps linearly from 0. Default 50.
	Warmup int `yaml:"warmup" json:"warmup"`
	// Recall is the truth monitor's chance of catching a lie. Default 0.9.
	Recall float64 `yaml:"recall" json:"recall"`
	// Retrain is the probe's retraining schedule (probe arms). Default frozen.
	Retrain RetrainConfig `yaml:"retrain" json:"retrain"`
}

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{Kind: KindNone, Lambda: 1, Warmup: 50, Recall: 0.9, Retrain: DefaultRetrain()}
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	known := false
	for _, k := range Kinds() {
		known = known || k == c.Kind
	}
	switch {
	case !known:
		return fmt.Errorf("arm.kind %q is not one of %v", c.Kind, Kinds())
	case c.Lambda < 0:
		return fmt.Errorf("arm.lambda %v < 0", c.Lambda)
	case c.Warmup < 0:
		return fmt.Errorf("arm.warmup %d < 0", c.Warmup)
	case c.Recall < 0 || c.Recall > 1:
		return fmt.Errorf("arm.recall %v outside [0, 1]", c.Recall)
	}
	return c.Retrain.Validate()
}

// Setup is what arms may need from the pre-RL phases.
type Setup struct {
	World *vault.World
	Arch  train.Arch
	// Probe is the deception probe fit before RL on instructed episodes at
	// the belief site; Fitter refits it.
	Probe  probe.Detector
	Fitter probe.Fitter
	// ProbeEpisodes is how many episodes a refit uses.
	ProbeEpisodes int
}

// Prober is implemented by arms that train against a probe: the probe they
// hold at the end of RL (the retrained one, or the frozen pre-RL probe).
type Prober interface {
	CurrentProbe() probe.Detector
}

// New builds the arm for cfg.
func New(cfg Config, s Setup) (train.Arm, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	switch cfg.Kind {
	case KindProbeReward:
		return newProbeReward(cfg, s)
	case KindProbeLoss:
		return newProbeLoss(cfg, s)
	case KindTruthMonitor:
		return newTruthMonitor(cfg, s), nil
	default:
		return None{}, nil
	}
}

// lambdaAt is λ after linear warm-up at step i.
func lambdaAt(cfg Config, i int) float64 {
	if cfg.Warmup > 0 && i < cfg.Warmup {
		return cfg.Lambda * float64(i) / float64(cfg.Warmup)
	}
	return cfg.Lambda
}
