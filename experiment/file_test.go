package experiment

import (
	"reflect"
	"strings"
	"testing"

	"interloop/arm"
	"interloop/config"
	"interloop/env/vault"
	"interloop/experiment/internal/docsrc"
	"interloop/train"
)

// legacyDefault is the default experiment as Go code built it before it
// became experiments/default.yaml; the YAML must resolve to exactly this.
func legacyDefault() *Experiment {
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
		c.World.VagueAuditProb = 0
		c.World.CatchTarget = vault.Realized
	}
	retrain := func(c *RunConfig) { c.Arm.Retrain.Every = 50 }
	return &Experiment{
		Name:        "default",
		Description: "brain-like vs end-to-end agents trained against a deception probe (none, probe reward, probe loss, retrained probe, truth monitor)",
		Seeds:       5,
		Source:      "builtin:default.yaml",
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

func TestDefaultYAMLEqualsCode(t *testing.T) {
	got, want := Default(), legacyDefault()
	if !reflect.DeepEqual(got, want) {
		for i := range want.Arms {
			if i < len(got.Arms) {
				for _, c := range config.Diff(want.Arms[i].Config, got.Arms[i].Config) {
					t.Errorf("arm %s: %s = %v", want.Arms[i].Name, c.Path, c.Value)
				}
			}
		}
		t.Fatalf("default.yaml resolves to\n%+v\nwant\n%+v", got, want)
	}
}

// TestBuiltinsRoundTrip: every built-in experiment loads, validates, and
// survives `config show` (both forms) unchanged.
func TestBuiltinsRoundTrip(t *testing.T) {
	all, err := Registry()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 || all[0].Name != "default" {
		t.Fatalf("registry %v", all)
	}
	for _, e := range all {
		if err := e.Validate(); err != nil {
			t.Errorf("%s: %v", e.Name, err)
		}
		for _, full := range []bool{false, true} {
			src, err := e.YAML(full)
			if err != nil {
				t.Fatal(err)
			}
			back, err := Parse("shown.yaml", src)
			if err != nil {
				t.Fatalf("%s (full=%v): %v\n%s", e.Name, full, err, src)
			}
			back.Source = e.Source
			if !reflect.DeepEqual(back, e) {
				t.Errorf("%s (full=%v): round trip differs\n%s", e.Name, full, src)
			}
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"name: x\nseeds: 2\narms:\n  - name: a\n    set: {rl.stepz: 3}\n", `x.yaml:5:14: arms[0].set.rl.stepz: unknown field "stepz"`},
		{"name: x\nseeds: 2\narms:\n  - name: a\n    set:\n      rl:\n        steps: many\n", `x.yaml:7:16: arms[0].set.rl.steps: want an integer, got string "many"`},
		{"name: x\nseeds: 2\nbase: {arm.kind: magic}\narms: [{name: a}]\n", `x.yaml:3:18: base.arm.kind: "magic" is not one of`},
		{"name: x\nseedz: 2\n", `x.yaml:2:1: seedz: unknown field "seedz"`},
		{"name: x\nseeds: 2\narms: [{name: a}, {name: a}]\n", `arms[1].name: duplicate arm "a"`},
		{"name: x\nseeds: 0\narms: [{name: a}]\n", `seeds: required`},
		{"name: x\nseeds: 1\narms: [{name: a}]\nsweep: {grid: {rl.steps: [1, two]}}\n", `x.yaml:4:30: sweep.grid.rl.steps: want an integer`},
		{"name: x\nseeds: 1\narms: [{name: a}]\nsweep: {zip: {rl.steps: [1, 2], rl.lr: [0.1]}}\n", `zip axes differ`},
		{"name: x\nseeds: 1\n  arms: [\n", `x.yaml:3:`},
		{"name: x\nseeds: 1.5\n", `x.yaml:2:8: seeds: want an integer`},
		{"name: x\nseeds: 1\nseeds: 2\n", `repeated key`},
	}
	for _, c := range cases {
		_, err := Parse("x.yaml", []byte(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q:\n got %v\nwant %s", c.src, err, c.want)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("error is not one line: %q", err)
		}
	}
}

func TestSweepExpand(t *testing.T) {
	e, err := Parse("s.yaml", []byte(`name: s
seeds: 2
base: {rl.steps: 10}
arms: [{name: a, set: {arm.kind: probe-reward}}, {name: b}]
sweep:
  grid: {arm.lambda: [0.5, 2], rl.lr: [0.001, 0.01]}
  zip: {rl.batch: [8, 16, 32], rl.log_every: [1, 2, 3]}
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.AddAxis("arm.warmup=0,5", false); err != nil {
		t.Fatal(err)
	}
	x, err := e.Expand()
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Arms) != 2*2*2*2*3 {
		t.Fatalf("%d variants", len(x.Arms))
	}
	v := x.Arms[1]
	if v.Name != "a[arm.lambda=0.5,rl.lr=0.001,arm.warmup=0,rl.batch=16,rl.log_every=2]" ||
		v.Config.Arm.Lambda != 0.5 || v.Config.RL.LR != 0.001 || v.Config.RL.Batch != 16 || v.Config.RL.Steps != 10 ||
		v.Config.Arm.Kind != arm.KindProbeReward {
		t.Fatalf("%s %+v", v.Name, v.Config)
	}
	ids := map[string]bool{}
	for _, a := range x.Arms {
		for s := 0; s < 2; s++ {
			ids[RunID(a.Config, s)] = true
		}
	}
	if len(ids) != 2*len(x.Arms) {
		t.Fatalf("%d distinct IDs for %d runs", len(ids), 2*len(x.Arms))
	}
	if RunID(x.Arms[0].Config, 0) != RunID(x.Arms[0].Config, 0) {
		t.Fatal("RunID not stable")
	}
	for _, bad := range []string{"arm.lambda", "arm.lambda=x,y", "nosuch.path=1,2"} {
		if err := e.AddAxis(bad, false); err == nil {
			t.Errorf("--grid %s accepted", bad)
		}
	}
}

// TestFieldDocsFresh: fielddocs.go matches the source comments; after
// documenting a config field, run `go generate ./experiment`.
func TestFieldDocsFresh(t *testing.T) {
	docs, err := docsrc.Read("..")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(docs, fieldDocs) {
		t.Fatal("experiment/fielddocs.go is stale: run go generate ./experiment")
	}
}

// FuzzParse: no experiment file makes the parser panic; errors are one line.
func FuzzParse(f *testing.F) {
	src, _ := builtin.ReadFile("experiments/default.yaml")
	f.Add(string(src))
	f.Add("name: x\nseeds: 1\narms: [{name: a, set: {rl: {steps: 1}}}]\nsweep: {grid: {arm.lambda: [1, 2]}, zip: {rl.lr: [0.1]}}\n")
	f.Fuzz(func(t *testing.T, s string) {
		_, err := Parse("f.yaml", []byte(s))
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("multi-line error %q", err)
		}
	})
}
