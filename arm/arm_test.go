package arm

import (
	"context"
	"math"
	"testing"

	"interloop/agent"
	"interloop/engine"
	"interloop/env/vault"
	"interloop/hook"
	"interloop/probe"
	"interloop/rng"
	"interloop/tensor"
	"interloop/train"
)

// setup pre-trains a small network briefly and fits the deception probe, as
// the runner does, so arms can be built on it.
func setup(t *testing.T, world vault.Config) Setup {
	t.Helper()
	w, err := vault.New(world, 1)
	if err != nil {
		t.Fatal(err)
	}
	r := rng.New(1, 1)
	cfg := agent.DefaultConfig()
	cfg.Hidden = 16
	net, err := agent.New(cfg, w.Config().ObsDim, r)
	if err != nil {
		t.Fatal(err)
	}
	pc := train.DefaultPretrain()
	pc.Steps = 60
	if _, err := train.Pretrain(context.Background(), net, w, pc, r); err != nil {
		t.Fatal(err)
	}
	X, y, e := train.InstructedData(net, w, 256, r)
	det, err := probe.LogisticConfig{}.Fit(X, y)
	if err != nil {
		t.Fatal(err)
	}
	return Setup{World: w, Arch: train.EndToEnd, Net: net, Probe: det, Fitter: probe.LogisticConfig{},
		ProbeEpisodes: 128, Instructed: e, Labels: y, Seed: 7}
}

// forward runs the network on a batch with hooks and returns the activation
// captured at site (after the hooks at that site).
func forward(t *testing.T, s Setup, bt *train.Batch, hooks []hook.Hook[float32], site hook.Site) *tensor.Tensor[float32] {
	t.Helper()
	tp := engine.NewTape[float32]()
	set := hook.NewSet(append(append([]hook.Hook[float32](nil), hooks...), hook.CaptureAt[float32](site))...)
	s.Net.Forward(tp, agent.Inputs{Obs: bt.Obs, Instruction: bt.Instruction}, agent.Options{}, set)
	if err := set.Err(); err != nil {
		t.Fatal(err)
	}
	return set.Captured(site).Value.Clone()
}

func batch(s Setup, n int) *train.Batch {
	bt := train.NewBatch(s.World, n)
	bt.Sample(s.World, rng.New(9, 9), vault.Honest, false)
	return bt
}

// TestSteeringMechanism: the vector is added in training forward passes and
// absent from evaluation passes.
func TestSteeringMechanism(t *testing.T) {
	s := setup(t, vault.DefaultConfig())
	cfg := DefaultConfig()
	cfg.Kind = KindSteering
	a, err := New(cfg, s)
	if err != nil {
		t.Fatal(err)
	}
	st := a.(*Steering)
	bt := batch(s, 4)
	train1 := st.TrainHooks(&train.Step{})
	site := train1.Hook(0).Site
	withV := forward(t, s, bt, []hook.Hook[float32]{train1.Hook(0)}, site)
	plain := forward(t, s, bt, nil, site)
	d := len(st.vec)
	for i := 0; i < withV.Len(); i++ {
		if diff := float64(withV.Data[i] - plain.Data[i]); math.Abs(diff-st.vec[i%d]) > 1e-5 {
			t.Fatalf("element %d: steered − plain = %v, vector %v", i, diff, st.vec[i%d])
		}
	}
	// Evaluation (train.EvaluateBatch without hooks) sees no vector.
	e := train.EvaluateBatch(s.Net, bt, 0.1, rng.New(1, 1), nil)
	evalAct := e.H0
	if site == agent.Belief {
		evalAct = e.H
	}
	for i := range plain.Data {
		if evalAct.Data[i] != plain.Data[i] {
			t.Fatal("evaluation pass differs from an unsteered forward pass")
		}
	}
}

// TestAblationMechanism: the ablated component is zero at the site (zero
// ablation) or equal to the mean's (mean ablation).
func TestAblationMechanism(t *testing.T) {
	s := setup(t, vault.DefaultConfig())
	for _, mode := range []string{"zero", "mean"} {
		for _, detached := range []bool{false, true} {
			cfg := DefaultConfig()
			cfg.Kind = KindAblation
			cfg.Ablation.K, cfg.Ablation.Mode, cfg.Ablation.Detached = 2, mode, detached
			a, err := New(cfg, s)
			if err != nil {
				t.Fatal(err)
			}
			ab := a.(*Ablation)
			bt := batch(s, 4)
			h := forward(t, s, bt, ab.hooks, agent.Belief)
			dirs := ab.Directions()
			d := len(dirs[0])
			var want []float64
			if mode == "mean" {
				X := s.Instructed.Chosen(s.Instructed.Greedy)
				for _, q := range dirs {
					m := 0.0
					for i := 0; i < X.Dim(0); i++ {
						for j := 0; j < d; j++ {
							m += float64(X.Data[i*d+j]) * q[j] / float64(X.Dim(0))
						}
					}
					want = append(want, m)
				}
			}
			for row := 0; row < h.Len()/d; row++ {
				for k, q := range dirs {
					c := 0.0
					for j := 0; j < d; j++ {
						c += float64(h.Data[row*d+j]) * q[j]
					}
					w := 0.0
					if want != nil {
						w = want[k]
					}
					if math.Abs(c-w) > 1e-4 {
						t.Fatalf("%s detached=%v: component %d of row %d is %v, want %v", mode, detached, k, row, c, w)
					}
				}
			}
		}
	}
}

// TestGradFilterFirstOrder: after filtering, the update's first-order effect
// on Σ_b u·h_b along each forbidden direction is zero, checked by central
// finite differences along the filtered update; unfiltered it is not.
func TestGradFilterFirstOrder(t *testing.T) {
	s := setup(t, vault.DefaultConfig())
	cfg := DefaultConfig()
	cfg.Kind = KindGradFilter
	cfg.Filter.Directions = []string{"deception", "z"}
	a, err := New(cfg, s)
	if err != nil {
		t.Fatal(err)
	}
	gf := a.(*GradFilter)
	net := s.Net.Clone()
	bt := batch(s, 8)
	rows := make([]int, bt.Len())
	for i := range rows {
		rows[i] = i*vault.NumPlans + (i*5)%vault.NumPlans
	}
	step := &train.Step{Net: net, Batch: bt, Rows: rows}
	// A pseudo-update: a random perturbation of every belief parameter.
	r := rng.New(3, 3)
	params := net.Params()
	delta := make([][]float32, len(params))
	for i, p := range params {
		delta[i] = make([]float32, p.Value.Len())
		for j := range delta[i] {
			delta[i][j] = float32(r.Normal() * 1e-2)
		}
	}
	orig := make([][]float32, len(delta))
	for i := range delta {
		orig[i] = append([]float32(nil), delta[i]...)
	}
	if err := gf.EditGrads(step); err != nil {
		t.Fatal(err)
	}
	if err := gf.EditUpdate(step, delta); err != nil {
		t.Fatal(err)
	}
	effect := func(d [][]float32, u *tensor.Tensor[float32]) float64 {
		// (f(θ+εd) − f(θ−εd)) / 2ε with f = Σ_b u·h_b, in float64 sums.
		const eps = 1e-2
		f := func(sign float64) float64 {
			c := net.Clone()
			for i, p := range c.Params() {
				for j := range p.Value.Data {
					p.Value.Data[j] += float32(sign * eps * float64(d[i][j]))
				}
			}
			tp := engine.NewTape[float32]()
			o := c.Forward(tp, agent.Inputs{Obs: bt.Obs, Instruction: bt.Instruction}, agent.Options{}, nil)
			hid := c.Config().Hidden
			sum := 0.0
			for _, row := range rows {
				for j := 0; j < hid; j++ {
					sum += float64(o.H.Value.Data[row*hid+j]) * float64(u.Data[j])
				}
			}
			return sum
		}
		return (f(1) - f(-1)) / (2 * eps)
	}
	for k, u := range gf.dirs {
		before, after := effect(orig, u), effect(delta, u)
		t.Logf("direction %d: first-order effect %.3g unfiltered, %.3g filtered", k, before, after)
		if math.Abs(after) > 0.02*math.Abs(before) {
			t.Fatalf("direction %d: filtered effect %v is not ≈0 (unfiltered %v)", k, after, before)
		}
	}
	if gf.Stats()["removed_norm_fraction"] <= 0 {
		t.Fatal("no fraction removed recorded")
	}
}

// TestFrozenCopyReadout: with readout "frozen-copy" the shaped reward does
// not change when the policy's weights change; with "policy" it does.
func TestFrozenCopyReadout(t *testing.T) {
	s := setup(t, vault.DefaultConfig())
	for _, ro := range []Readout{ReadFrozenCopy, ReadPolicy} {
		cfg := DefaultConfig()
		cfg.Kind, cfg.Readout, cfg.Warmup = KindProbeReward, ro, 0
		a, err := New(cfg, s)
		if err != nil {
			t.Fatal(err)
		}
		pr := a.(*ProbeReward)
		bt := batch(s, 6)
		shaped := func(net *agent.Net) []float64 {
			tp := engine.NewTape[float32]()
			in := agent.Inputs{Obs: bt.Obs, Instruction: bt.Instruction}
			out := net.Forward(tp, in, agent.Options{}, nil)
			ref := s.Net.Forward(tp, in, agent.Options{Frozen: true}, nil)
			rows := []int{1, 13, 26, 39, 50, 61}
			ch := tp.Index(tp.Reshape(out.H, -1, net.Config().Hidden), 0, rows)
			st := &train.Step{Tape: tp, Net: net, Ref: s.Net, Batch: bt, Out: out, RefOut: ref, ChosenH: ch, Rows: rows}
			rw := make([]float64, 6)
			if err := pr.ShapeReward(st, rw); err != nil {
				t.Fatal(err)
			}
			return rw
		}
		policy := s.Net.Clone()
		a1 := shaped(policy)
		for _, p := range policy.BeliefParams() {
			for j := range p.Value.Data {
				p.Value.Data[j] *= 1.5
			}
		}
		a2 := shaped(policy)
		same := true
		for i := range a1 {
			same = same && a1[i] == a2[i]
		}
		if same != (ro == ReadFrozenCopy) {
			t.Errorf("readout %s: reward unchanged by the policy's weights = %v", ro, same)
		}
	}
}

func TestAwarenessNeedsTests(t *testing.T) {
	s := setup(t, vault.DefaultConfig())
	cfg := DefaultConfig()
	cfg.Kind = KindAwareness
	if _, err := New(cfg, s); err == nil {
		t.Fatal("awareness steering accepted a world without tests")
	}
	wc := vault.DefaultConfig()
	wc.TestProb = 0.5
	s = setup(t, wc)
	a, err := New(cfg, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.(EvalIntervener).EvalHooks()) != 1 {
		t.Fatal("no evaluation hook")
	}
}

func TestConfigErrors(t *testing.T) {
	for _, edit := range []func(*Config){
		func(c *Config) { c.Kind = "magic" },
		func(c *Config) { c.Readout = "both" },
		func(c *Config) { c.Ablation.Mode = "half" },
		func(c *Config) { c.Filter.Directions = []string{"north"} },
		func(c *Config) { c.Steering.Source = "vibes" },
		func(c *Config) { c.Retrain.Data = "some" },
	} {
		c := DefaultConfig()
		edit(&c)
		if c.Validate() == nil {
			t.Errorf("invalid config accepted: %+v", c)
		}
	}
}

// TestGradFilterStepAllocatesNothing: the filter reuses its buffers, so an
// RL step with it stays allocation-free after warm-up.
func TestGradFilterStepAllocatesNothing(t *testing.T) {
	s := setup(t, vault.DefaultConfig())
	cfg := DefaultConfig()
	cfg.Kind = KindGradFilter
	run := func(steps int) float64 {
		return testing.AllocsPerRun(1, func() {
			a, err := New(cfg, s)
			if err != nil {
				t.Fatal(err)
			}
			rc := train.DefaultRL()
			rc.Arch, rc.Steps, rc.LogEvery = train.EndToEnd, steps, 0
			if _, err := train.RL(context.Background(), s.Net.Clone(), s.Net, s.World, rc, a, rng.New(4, 4), nil); err != nil {
				t.Fatal(err)
			}
		})
	}
	short, long := run(20), run(120)
	if perStep := (long - short) / 100; perStep > 0.05 {
		t.Fatalf("a grad-filter RL step allocates %.2f times (%v for 20 steps, %v for 120)", perStep, short, long)
	}
}
