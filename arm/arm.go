package arm

import (
	"fmt"

	"interloop/agent"
	"interloop/env/vault"
	"interloop/hook"
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
	KindSteering     Kind = "steering"
	KindAblation     Kind = "ablation"
	KindGradFilter   Kind = "grad-filter"
	KindAwareness    Kind = "awareness-steering"
)

// Kinds lists the techniques New accepts.
func Kinds() []Kind {
	return []Kind{KindNone, KindProbeReward, KindProbeLoss, KindTruthMonitor, KindSteering, KindAblation, KindGradFilter, KindAwareness}
}

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
	// Readout is where probe-reward reads activations: "policy" (the
	// network being trained) or "frozen-copy" (the frozen pre-RL network's
	// activations of the same plan, as Goodfire's RLFR). Default "policy".
	Readout Readout `yaml:"readout" json:"readout"`
	// Steering configures the steering and awareness-steering arms.
	Steering SteeringConfig `yaml:"steering" json:"steering"`
	// Ablation configures the ablation (CAFT) arm.
	Ablation AblationConfig `yaml:"ablation" json:"ablation"`
	// Filter configures the grad-filter arm.
	Filter FilterConfig `yaml:"filter" json:"filter"`
}

// Readout selects the network a probe-reward readout reads.
type Readout string

// Readouts.
const (
	ReadPolicy     Readout = "policy"
	ReadFrozenCopy Readout = "frozen-copy"
)

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{Kind: KindNone, Lambda: 1, Warmup: 50, Recall: 0.9, Retrain: DefaultRetrain(), Readout: ReadPolicy,
		Steering: DefaultSteering(), Ablation: DefaultAblation(), Filter: DefaultFilter()}
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
	case c.Readout != ReadPolicy && c.Readout != ReadFrozenCopy:
		return fmt.Errorf("arm.readout %q is not %q or %q", c.Readout, ReadPolicy, ReadFrozenCopy)
	}
	for _, v := range []interface{ Validate() error }{c.Retrain, c.Steering, c.Ablation, c.Filter} {
		if err := v.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// Setup is what arms may need from the pre-RL phases.
type Setup struct {
	World *vault.World
	Arch  train.Arch
	// Net is the pre-trained network (read only): its sites, and the frozen
	// copy readouts read.
	Net *agent.Net
	// Probe is the deception probe fit before RL on instructed episodes at
	// the belief site; Fitter refits it.
	Probe  probe.Detector
	Fitter probe.Fitter
	// ProbeEpisodes is how many episodes a refit uses.
	ProbeEpisodes int
	// Instructed are the probe's fit episodes (every plan's activations at
	// both plan sites) and Labels their labels (true = instructed "lie"):
	// concept directions come from them.
	Instructed *train.Episodes
	Labels     []bool
	// Seed seeds arm-private randomness (random control directions).
	Seed uint64
}

// EvalIntervener is implemented by arms whose intervention can also be
// applied at evaluation: the audit then reports behaviour with and without
// it (training-only interventions are removed at evaluation by default).
type EvalIntervener interface {
	EvalHooks() []hook.Hook[float32]
}

// Reporter is implemented by arms with statistics of their own (e.g. the
// share of the gradient a filter removed); they are stored with the run.
type Reporter interface {
	Stats() map[string]float64
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
	case KindSteering:
		return newSteering(cfg, s)
	case KindAblation:
		return newAblation(cfg, s)
	case KindGradFilter:
		return newGradFilter(cfg, s)
	case KindAwareness:
		return newAwareness(cfg, s)
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
