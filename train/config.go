package train

import "fmt"

// Arch is the agent architecture during RL.
type Arch string

// Architectures.
const (
	BrainLike Arch = "brain-like" // reward updates only the desire
	EndToEnd  Arch = "end-to-end" // reward gradients flow into the beliefs
)

// PretrainConfig sets phase (a). Start from DefaultPretrain.
type PretrainConfig struct {
	// Steps of Adam. Default 600.
	Steps int `yaml:"steps" json:"steps"`
	// Batch is the number of observations per step (each with every plan). Default 32.
	Batch int `yaml:"batch" json:"batch"`
	// LR is Adam's learning rate. Default 3e-3.
	LR float64 `yaml:"lr" json:"lr"`
	// ProbeEpisodes is the number of instructed episodes the probe is fit on
	// (half honest, half lie). Default 1024.
	ProbeEpisodes int `yaml:"probe_episodes" json:"probe_episodes"`
}

// DefaultPretrain returns the documented defaults.
func DefaultPretrain() PretrainConfig {
	return PretrainConfig{Steps: 600, Batch: 32, LR: 3e-3, ProbeEpisodes: 1024}
}

// Validate reports the first invalid field.
func (c PretrainConfig) Validate() error {
	switch {
	case c.Steps < 0:
		return fmt.Errorf("pretrain.steps %d < 0", c.Steps)
	case c.Batch < 1:
		return fmt.Errorf("pretrain.batch %d < 1", c.Batch)
	case !(c.LR > 0):
		return fmt.Errorf("pretrain.lr %v must be > 0", c.LR)
	case c.ProbeEpisodes < 4:
		return fmt.Errorf("pretrain.probe_episodes %d < 4", c.ProbeEpisodes)
	}
	return nil
}

// RLConfig sets phase (c). Start from DefaultRL.
type RLConfig struct {
	// Arch is the architecture. Default brain-like.
	Arch Arch `yaml:"arch" json:"arch"`
	// Steps of RL. Default 400.
	Steps int `yaml:"steps" json:"steps"`
	// Batch is the number of episodes per step. Default 32.
	Batch int `yaml:"batch" json:"batch"`
	// LR is Adam's learning rate for every parameter. Default 3e-3.
	LR float64 `yaml:"lr" json:"lr"`
	// Temperature of the policy softmax over plan values. Default 0.1.
	Temperature float64 `yaml:"temperature" json:"temperature"`
	// KLCoef weights the exact KL(π ‖ π_ref) to the pre-trained policy. Default 0.01.
	KLCoef float64 `yaml:"kl_coef" json:"kl_coef"`
	// PGCoef weights the REINFORCE term. Default 1.
	PGCoef float64 `yaml:"pg_coef" json:"pg_coef"`
	// ValueCoef weights the value regression on received reward. Default 1.
	ValueCoef float64 `yaml:"value_coef" json:"value_coef"`
	// PredCoef weights continued predictive learning. Default 1.
	PredCoef float64 `yaml:"pred_coef" json:"pred_coef"`
	// LogEvery is the curve resolution in steps (0: no curves). Default 25.
	LogEvery int `yaml:"log_every" json:"log_every"`
	// EvalEpisodes is the number of fixed evaluation episodes used for curves. Default 256.
	EvalEpisodes int `yaml:"eval_episodes" json:"eval_episodes"`
}

// DefaultRL returns the documented defaults.
func DefaultRL() RLConfig {
	return RLConfig{Arch: BrainLike, Steps: 400, Batch: 32, LR: 3e-3, Temperature: 0.1, KLCoef: 0.01,
		PGCoef: 1, ValueCoef: 1, PredCoef: 1, LogEvery: 25, EvalEpisodes: 256}
}

// Validate reports the first invalid field.
func (c RLConfig) Validate() error {
	switch {
	case c.Arch != BrainLike && c.Arch != EndToEnd:
		return fmt.Errorf("rl.arch %q is not %q or %q", c.Arch, BrainLike, EndToEnd)
	case c.Steps < 0:
		return fmt.Errorf("rl.steps %d < 0", c.Steps)
	case c.Batch < 1:
		return fmt.Errorf("rl.batch %d < 1", c.Batch)
	case !(c.LR > 0):
		return fmt.Errorf("rl.lr %v must be > 0", c.LR)
	case !(c.Temperature > 0):
		return fmt.Errorf("rl.temperature %v must be > 0", c.Temperature)
	case c.KLCoef < 0 || c.PGCoef < 0 || c.ValueCoef < 0 || c.PredCoef < 0:
		return fmt.Errorf("rl: loss coefficients must be ≥ 0")
	case c.LogEvery < 0:
		return fmt.Errorf("rl.log_every %d < 0", c.LogEvery)
	case c.EvalEpisodes < 8:
		return fmt.Errorf("rl.eval_episodes %d < 8", c.EvalEpisodes)
	}
	return nil
}
