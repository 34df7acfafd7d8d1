package experiment

import (
	"encoding/json"
	"fmt"

	"interloop/agent"
	"interloop/arm"
	"interloop/audit"
	"interloop/config"
	"interloop/env/vault"
	"interloop/train"
)

// RunConfig is one run's complete, typed configuration.
type RunConfig struct {
	// World is the vault: observations, rewards, the overseer's audits.
	World vault.Config `yaml:"world" json:"world"`
	// Agent sizes the plan-conditioned network.
	Agent agent.Config `yaml:"agent" json:"agent"`
	// Pretrain is phase (a): predictive learning and the probe's data.
	Pretrain train.PretrainConfig `yaml:"pretrain" json:"pretrain"`
	// RL is phase (c): the proxy-reward training schedule.
	RL train.RLConfig `yaml:"rl" json:"rl"`
	// Arm is the interpretability-in-the-loop technique.
	Arm arm.Config `yaml:"arm" json:"arm"`
	// Audit is what every run reports after RL.
	Audit audit.Config `yaml:"audit" json:"audit"`
}

// DefaultRunConfig returns every section's documented defaults.
func DefaultRunConfig() RunConfig {
	return RunConfig{
		World: vault.DefaultConfig(), Agent: agent.DefaultConfig(), Pretrain: train.DefaultPretrain(),
		RL: train.DefaultRL(), Arm: arm.DefaultConfig(), Audit: audit.DefaultConfig(),
	}
}

// Validate checks every section.
func (c RunConfig) Validate() error {
	for _, v := range []interface{ Validate() error }{c.World, c.Agent, c.Pretrain, c.RL, c.Arm, c.Audit} {
		if err := v.Validate(); err != nil {
			return err
		}
	}
	if c.Arm.Kind == arm.KindProbeLoss && c.RL.Arch == train.BrainLike {
		return fmt.Errorf("arm.kind %s needs rl.arch %s", c.Arm.Kind, train.EndToEnd)
	}
	return nil
}

// pretrainKey identifies the pre-RL phases a run needs: runs of one seed
// with equal keys share them.
func (c RunConfig) pretrainKey() string {
	b, _ := json.Marshal(struct {
		W vault.Config
		A agent.Config
		P train.PretrainConfig
		U audit.Config
	}{c.World, c.Agent, c.Pretrain, c.Audit})
	return string(b)
}

// Set applies an override "path=value" (path in the config's YAML field
// names, e.g. "rl.steps=100", "world.vague_audit_prob=0",
// "arm.retrain.every=50"). The value is read as YAML and decoded strictly
// (see package config), so an unknown path or a value of the wrong type is
// an error naming the path. On error c is unchanged.
func (c *RunConfig) Set(kv string) error {
	tmp := *c
	if err := config.Set(&tmp, kv); err != nil {
		return err
	}
	*c = tmp
	return nil
}

// ArmSpec is one arm of an experiment: a name and its resolved config.
type ArmSpec struct {
	Name   string    `json:"name"`
	Config RunConfig `json:"config"`
}

// Experiment is a set of arms run over seeds.
type Experiment struct {
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Seeds       int       `json:"seeds"`
	Arms        []ArmSpec `json:"arms"`
	// Sweep makes variants of every arm (see Expand).
	Sweep Sweep `json:"sweep"`
	// Source is the file the experiment was read from ("builtin:NAME.yaml"
	// for the built-in ones).
	Source string `json:"source,omitempty"`
}

// Override applies --set overrides to every arm.
func (e *Experiment) Override(sets []string) error {
	for i := range e.Arms {
		for _, s := range sets {
			if err := e.Arms[i].Config.Set(s); err != nil {
				return err
			}
		}
	}
	return nil
}

// Validate checks every arm.
func (e *Experiment) Validate() error {
	if e.Seeds < 1 {
		return fmt.Errorf("experiment %s: seeds %d < 1", e.Name, e.Seeds)
	}
	seen := map[string]bool{}
	for _, a := range e.Arms {
		if seen[a.Name] {
			return fmt.Errorf("experiment %s: duplicate arm %q", e.Name, a.Name)
		}
		seen[a.Name] = true
		if err := a.Config.Validate(); err != nil {
			return fmt.Errorf("experiment %s: arm %s: %w", e.Name, a.Name, err)
		}
	}
	return nil
}
