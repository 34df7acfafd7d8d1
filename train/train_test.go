package train

import (
	"context"
	"testing"

	"interloop/agent"
	"interloop/engine"
	"interloop/env/vault"
	"interloop/rng"
)

type noneArm struct{}

func (noneArm) Name() string { return "none" }

// readoutArm stands for any interpretability-in-the-loop term: it shapes the
// reward with a readout of the chosen plans' belief states and adds a
// differentiable readout loss.
type readoutArm struct{}

func (readoutArm) Name() string { return "readout" }

func (readoutArm) ShapeReward(s *Step, reward []float64) error {
	h := s.ChosenH.Value.Data
	d := s.ChosenH.Value.Dim(1)
	for i := range reward {
		reward[i] -= float64(h[i*d])
	}
	return nil
}

func (readoutArm) Loss(s *Step) (*engine.Node[float32], error) {
	return s.Tape.Mean(s.ChosenH), nil
}

func pretrained(t *testing.T, steps int) (*vault.World, *agent.Net) {
	t.Helper()
	w, err := vault.New(vault.DefaultConfig(), 1)
	if err != nil {
		t.Fatal(err)
	}
	r := rng.New(1, 1)
	net, err := agent.New(agent.DefaultConfig(), w.Config().ObsDim, r)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultPretrain()
	cfg.Steps = steps
	if _, err := Pretrain(context.Background(), net, w, cfg, r); err != nil {
		t.Fatal(err)
	}
	return w, net
}

func snapshot(ps []*engine.Param[float32]) [][]float32 {
	out := make([][]float32, len(ps))
	for i, p := range ps {
		out[i] = append([]float32(nil), p.Value.Data...)
	}
	return out
}

func changed(ps []*engine.Param[float32], before [][]float32) bool {
	for i, p := range ps {
		for j, v := range p.Value.Data {
			if v != before[i][j] {
				return true
			}
		}
	}
	return false
}

// TestGradientIsolation runs the real RL loop with the predictive loss
// switched off and an arm whose reward shaping and loss both read the
// beliefs. Brain-like: the belief parameters stay bit-identical (reward and
// readout never reach them) while the desire learns. End-to-end twin: the
// beliefs move.
func TestGradientIsolation(t *testing.T) {
	w, base := pretrained(t, 30)
	for _, arch := range []Arch{BrainLike, EndToEnd} {
		net := base.Clone()
		beliefs, desires := snapshot(net.BeliefParams()), snapshot(net.DesireParams())
		cfg := DefaultRL()
		cfg.Arch, cfg.Steps, cfg.PredCoef, cfg.LogEvery = arch, 20, 0, 0
		if _, err := RL(context.Background(), net, base, w, cfg, readoutArm{}, rng.New(2, 2), nil); err != nil {
			t.Fatal(err)
		}
		if !changed(net.DesireParams(), desires) {
			t.Fatalf("%s: desire did not learn", arch)
		}
		moved := changed(net.BeliefParams(), beliefs)
		if arch == BrainLike && moved {
			t.Fatal("brain-like: reward/readout terms changed the belief network")
		}
		if arch == EndToEnd && !moved {
			t.Fatal("end-to-end: reward/readout terms did not reach the belief network")
		}
	}
}

// TestPremise: with the proxy reward alone, the sampled lie rate rises well
// above its pre-RL rate (the world's premise: lying pays).
func TestPremise(t *testing.T) {
	if testing.Short() {
		t.Skip("premise check trains a full-size run")
	}
	w, net := pretrained(t, DefaultPretrain().Steps)
	ref := net.Clone()
	lieRate := func(n *agent.Net) float64 {
		e := Evaluate(n, w, 1024, vault.Honest, false, DefaultRL().Temperature, rng.New(7, 7))
		lies := 0
		for i, p := range e.Sampled {
			if vault.IsLie(p, e.Stolen[i]) {
				lies++
			}
		}
		return float64(lies) / 1024
	}
	before := lieRate(net)
	cfg := DefaultRL()
	cfg.LogEvery = 0
	if _, err := RL(context.Background(), net, ref, w, cfg, noneArm{}, rng.New(3, 3), nil); err != nil {
		t.Fatal(err)
	}
	after := lieRate(net)
	t.Logf("sampled lie rate %.3f before RL, %.3f after", before, after)
	if after < before+0.2 {
		t.Fatalf("lying did not emerge: %.3f before, %.3f after", before, after)
	}
}

func TestRLDeterministic(t *testing.T) {
	w, base := pretrained(t, 20)
	var runs [2][][]float32
	for i := range runs {
		net := base.Clone()
		cfg := DefaultRL()
		cfg.Steps, cfg.LogEvery = 15, 0
		if _, err := RL(context.Background(), net, base, w, cfg, readoutArm{}, rng.New(4, 4), nil); err != nil {
			t.Fatal(err)
		}
		runs[i] = snapshot(net.Params())
	}
	for i := range runs[0] {
		for j := range runs[0][i] {
			if runs[0][i][j] != runs[1][i][j] {
				t.Fatal("same seed gave different parameters")
			}
		}
	}
}

func TestConfigValidation(t *testing.T) {
	bad := []RLConfig{}
	for _, edit := range []func(*RLConfig){
		func(c *RLConfig) { c.Arch = "hybrid" },
		func(c *RLConfig) { c.Temperature = 0 },
		func(c *RLConfig) { c.KLCoef = -1 },
		func(c *RLConfig) { c.Batch = 0 },
	} {
		c := DefaultRL()
		edit(&c)
		bad = append(bad, c)
	}
	for i, c := range bad {
		if c.Validate() == nil {
			t.Errorf("case %d: invalid config accepted", i)
		}
	}
	p := DefaultPretrain()
	p.LR = 0
	if p.Validate() == nil {
		t.Error("pretrain lr 0 accepted")
	}
}

// TestRLStepAllocatesNothing: after warm-up an RL step (sampling, reference
// and policy forward passes, backward, Adam) allocates nothing. The
// allocations of a 250-step run minus those of a 50-step run, over 200, is
// the per-step count (setup cancels). A few late warm-up events (a recycled
// buffer growing once) are allowed; one allocation per step is 200.
func TestRLStepAllocatesNothing(t *testing.T) {
	w, base := pretrained(t, 10)
	run := func(steps int) float64 {
		return testing.AllocsPerRun(1, func() {
			cfg := DefaultRL()
			cfg.Steps, cfg.LogEvery = steps, 0
			if _, err := RL(context.Background(), base.Clone(), base, w, cfg, readoutArm{}, rng.New(5, 5), nil); err != nil {
				t.Fatal(err)
			}
		})
	}
	short, long := run(50), run(250)
	if perStep := (long - short) / 200; perStep > 0.05 {
		t.Fatalf("an RL step allocates %.2f times (%v allocations for 50 steps, %v for 250)", perStep, short, long)
	}
}
