package agent

import (
	"testing"

	"interloop/engine"
	"interloop/env/vault"
	"interloop/hook"
	"interloop/rng"
	"interloop/tensor"
)

func testInputs(b int) Inputs {
	r := rng.New(5, 5)
	ins := make([]vault.Instruction, b)
	for i := range ins {
		ins[i] = vault.Instruction(i % 2)
	}
	return Inputs{Obs: tensor.Randn[float32](r, 1, b, 16), Instruction: ins}
}

// TestDesireDetachIsolatesBeliefs: a loss on the values sends exactly zero
// gradient into the belief parameters when the desire is detached, and a
// nonzero one when it is not.
func TestDesireDetachIsolatesBeliefs(t *testing.T) {
	for _, entry := range []Entry{EntryDesire, EntryBelief} {
		cfg := DefaultConfig()
		cfg.InstructionEntry = entry
		for _, detach := range []bool{true, false} {
			net, err := New(cfg, 16, rng.New(1, 1))
			if err != nil {
				t.Fatal(err)
			}
			tp := engine.NewTape[float32]()
			out := net.Forward(tp, testInputs(6), Options{DetachDesire: detach}, nil)
			if err := tp.Backward(tp.Mean(tp.Mul(out.Value, out.Value))); err != nil {
				t.Fatal(err)
			}
			var beliefNorm, desireNorm float64
			for _, p := range net.BeliefParams() {
				for _, g := range p.Grad.Data {
					beliefNorm += float64(g * g)
				}
			}
			for _, p := range net.DesireParams() {
				for _, g := range p.Grad.Data {
					desireNorm += float64(g * g)
				}
			}
			if desireNorm == 0 {
				t.Fatalf("%s detach=%v: desire received no gradient", entry, detach)
			}
			if detach && beliefNorm != 0 {
				t.Fatalf("%s: detached desire leaked gradient %g into beliefs", entry, beliefNorm)
			}
			if !detach && beliefNorm == 0 {
				t.Fatalf("%s: end-to-end value loss reached no belief parameter", entry)
			}
		}
	}
}

func TestShapesAndSites(t *testing.T) {
	net, _ := New(DefaultConfig(), 16, rng.New(1, 1))
	var hooks []hook.Hook[float32]
	for _, s := range []hook.Site{Encoder0, Encoder1, Plan0, Belief} {
		hooks = append(hooks, hook.CaptureAt[float32](s))
	}
	set := hook.NewSet(hooks...)
	tp := engine.NewTape[float32]()
	out := net.Forward(tp, testInputs(3), Options{}, set)
	if err := tp.Err(); err != nil {
		t.Fatal(err)
	}
	want := map[string][]int{}
	for _, si := range net.Sites() {
		want[si.Name] = si.Shape
	}
	for i := range hooks {
		if set.Fired(i) != 1 {
			t.Errorf("site %s fired %d times", hooks[i].Site.Name(), set.Fired(i))
		}
		got := set.Node(i).Shape()
		w := want[hooks[i].Site.Name()]
		if len(got) != len(w) {
			t.Fatalf("site %s shape %v, listed %v", hooks[i].Site.Name(), got, w)
		}
		for j := 1; j < len(w); j++ {
			if got[j] != w[j] {
				t.Errorf("site %s shape %v, listed %v", hooks[i].Site.Name(), got, w)
			}
		}
	}
	if s := out.Value.Shape(); s[0] != 3 || s[1] != vault.NumPlans {
		t.Fatalf("value shape %v", s)
	}
	if s := out.Pred.Shape(); s[2] != vault.NumTargets {
		t.Fatalf("pred shape %v", s)
	}
}

// TestInstructionEntry: with the default entry the belief state does not
// depend on the instruction; entering the beliefs, it does.
func TestInstructionEntry(t *testing.T) {
	for _, entry := range []Entry{EntryDesire, EntryBelief} {
		cfg := DefaultConfig()
		cfg.InstructionEntry = entry
		net, _ := New(cfg, 16, rng.New(2, 2))
		in := testInputs(2)
		in.Instruction = []vault.Instruction{vault.Honest, vault.Honest}
		tp := engine.NewTape[float32]()
		a := net.Forward(tp, in, Options{}, nil).H.Value.Clone()
		in.Instruction = []vault.Instruction{vault.Lie, vault.Lie}
		b := net.Forward(tp, in, Options{}, nil).H.Value
		same := true
		for i := range a.Data {
			same = same && a.Data[i] == b.Data[i]
		}
		if same != (entry == EntryDesire) {
			t.Errorf("entry %s: belief state identical across instructions = %v", entry, same)
		}
	}
}

func TestCloneIsIndependent(t *testing.T) {
	net, _ := New(DefaultConfig(), 16, rng.New(3, 3))
	c := net.Clone()
	net.Params()[0].Value.Data[0] += 1
	if c.Params()[0].Value.Data[0] == net.Params()[0].Value.Data[0] {
		t.Fatal("clone shares parameter memory")
	}
	if len(c.Params()) != len(net.Params()) {
		t.Fatal("clone lost parameters")
	}
}
