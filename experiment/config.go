package experiment

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"interloop/agent"
	"interloop/arm"
	"interloop/audit"
	"interloop/env/vault"
	"interloop/train"
)

// RunConfig is one run's complete, typed configuration.
type RunConfig struct {
	World    vault.Config         `yaml:"world" json:"world"`
	Agent    agent.Config         `yaml:"agent" json:"agent"`
	Pretrain train.PretrainConfig `yaml:"pretrain" json:"pretrain"`
	RL       train.RLConfig       `yaml:"rl" json:"rl"`
	Arm      arm.Config           `yaml:"arm" json:"arm"`
	Audit    audit.Config         `yaml:"audit" json:"audit"`
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

// Set applies an override "path=value" (path in the config's YAML/JSON
// field names, e.g. "rl.steps=100", "world.vague_audit_prob=0",
// "arm.retrain.every=50"). The value is parsed as JSON when it is valid
// JSON, else taken as a string; decoding is strict, so an unknown path or a
// value of the wrong type is an error naming the path.
func (c *RunConfig) Set(kv string) error {
	path, val, ok := strings.Cut(kv, "=")
	if !ok || path == "" {
		return fmt.Errorf("--set %q: want path=value", kv)
	}
	raw, err := json.Marshal(c)
	if err != nil {
		return err
	}
	var tree map[string]any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return err
	}
	var v any
	if err := json.Unmarshal([]byte(val), &v); err != nil {
		v = val
	}
	keys := strings.Split(path, ".")
	node := tree
	for i, k := range keys {
		if i == len(keys)-1 {
			if _, ok := node[k]; !ok {
				return fmt.Errorf("--set %s: unknown field %q", path, strings.Join(keys[:i+1], "."))
			}
			node[k] = v
			break
		}
		next, ok := node[k].(map[string]any)
		if !ok {
			return fmt.Errorf("--set %s: unknown section %q", path, strings.Join(keys[:i+1], "."))
		}
		node = next
	}
	raw, _ = json.Marshal(tree)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var out RunConfig
	if err := dec.Decode(&out); err != nil {
		return fmt.Errorf("--set %s=%s: %v", path, val, strings.TrimPrefix(err.Error(), "json: "))
	}
	*c = out
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

// Default is the default experiment: the seeds' argument in eight arms.
func Default() *Experiment {
	mk := func(name string, arch train.Arch, kind arm.Kind, edit func(*RunConfig)) ArmSpec {
		c := DefaultRunConfig()
		c.RL.Arch = arch
		c.Arm.Kind = kind
		if edit != nil {
			edit(&c)
		}
		return ArmSpec{Name: name, Config: c}
	}
	undetectableB := func(c *RunConfig) {
		// A vague phrasing no audit ever checks, and a world model that
		// predicts realized catches: a lie that looks innocent to beliefs.
		c.World.VagueAuditProb = 0
		c.World.CatchTarget = vault.Realized
	}
	retrain := func(c *RunConfig) { c.Arm.Retrain.Every = 50 }
	return &Experiment{
		Name:        "default",
		Description: "brain-like vs end-to-end agents trained against a deception probe (none, probe reward, probe loss, retrained probe, truth monitor)",
		Seeds:       5,
		Arms: []ArmSpec{
			mk("brain/none", train.BrainLike, arm.KindNone, nil),
			mk("brain/probe-reward", train.BrainLike, arm.KindProbeReward, nil),
			mk("brain/probe-reward+B", train.BrainLike, arm.KindProbeReward, undetectableB),
			mk("e2e/none", train.EndToEnd, arm.KindNone, nil),
			mk("e2e/probe-reward", train.EndToEnd, arm.KindProbeReward, nil),
			mk("e2e/probe-loss", train.EndToEnd, arm.KindProbeLoss, nil),
			mk("e2e/probe-reward-retrain", train.EndToEnd, arm.KindProbeReward, retrain),
			mk("e2e/truth-monitor", train.EndToEnd, arm.KindTruthMonitor, nil),
		},
	}
}

// Registry lists the built-in experiments.
func Registry() []*Experiment { return []*Experiment{Default()} }

// Lookup finds a built-in experiment by name.
func Lookup(name string) (*Experiment, error) {
	var names []string
	for _, e := range Registry() {
		if e.Name == name {
			return e, nil
		}
		names = append(names, e.Name)
	}
	return nil, fmt.Errorf("unknown experiment %q (have %s)", name, strings.Join(names, ", "))
}
