package nn

import (
	"math"
	"slices"
	"strings"
	"testing"

	"interloop/engine"
	"interloop/hook"
	"interloop/rng"
	"interloop/tensor"
)

// tinyTransformer is the model most hook and gradient tests run on.
func tinyTransformer[T tensor.Float](t testing.TB, layers int) (*Transformer[T], Tokens, []int) {
	t.Helper()
	m, err := NewTransformer[T](TransformerConfig{Vocab: 7, Context: 6, DModel: 8, Heads: 2, Layers: layers, EmbedStd: 0.5}, rng.New(3, 0))
	if err != nil {
		t.Fatal(err)
	}
	r := rng.New(4, 0)
	x := Tokens{IDs: make([]int, 2*5), Seq: 5}
	for i := range x.IDs {
		x.IDs[i] = r.Intn(7)
	}
	targets := NextTokenTargets(x, []int{1, 2}, nil)
	return m, x, targets
}

func tinyMLP[T tensor.Float](t testing.TB, act Activation) (*MLP[T], *tensor.Tensor[T], []int) {
	t.Helper()
	m, err := NewMLP[T](MLPConfig{Sizes: []int{5, 7, 6, 3}, Activation: act}, rng.New(5, 0))
	if err != nil {
		t.Fatal(err)
	}
	r := rng.New(6, 0)
	return m, tensor.Randn[T](r, 1, 4, 5), []int{0, 2, 1, 2}
}

// hooked is a model under test, with one call that runs it.
type hooked struct {
	name  string
	sites []hook.SiteInfo
	run   func(tp *engine.Tape[float64], hooks *hook.Set[float64]) *engine.Node[float64]
}

func hookedModels(t *testing.T) []hooked {
	tr, x, _ := tinyTransformer[float64](t, 2)
	tied, _ := NewTransformer[float64](TransformerConfig{Vocab: 7, Context: 6, DModel: 8, Heads: 4, Layers: 1, TieEmbeddings: true}, rng.New(1, 1))
	mlp, in, _ := tinyMLP[float64](t, GELU)
	return []hooked{
		{"transformer", tr.Sites(), func(tp *engine.Tape[float64], h *hook.Set[float64]) *engine.Node[float64] {
			return tr.Forward(tp, x, h)
		}},
		{"tied", tied.Sites(), func(tp *engine.Tape[float64], h *hook.Set[float64]) *engine.Node[float64] {
			return tied.Forward(tp, x, h)
		}},
		{"mlp", mlp.Sites(), func(tp *engine.Tape[float64], h *hook.Set[float64]) *engine.Node[float64] {
			return mlp.Forward(tp, tp.Const(in), h)
		}},
	}
}

// TestEverySiteFiresOnce captures every listed site and checks that each
// fires exactly once, with the listed shape, and that names are unique.
func TestEverySiteFiresOnce(t *testing.T) {
	for _, m := range hookedModels(t) {
		t.Run(m.name, func(t *testing.T) {
			var hs []hook.Hook[float64]
			names := map[string]bool{}
			for _, si := range m.sites {
				if names[si.Name] || si.Name == "" {
					t.Errorf("site name %q is empty or listed twice", si.Name)
				}
				names[si.Name] = true
				hs = append(hs, hook.CaptureAt[float64](si.Site))
			}
			// A site the model does not have must never fire.
			hs = append(hs, hook.CaptureAt[float64](hook.Block(99, hook.ResidPost)))
			set := hook.NewSet(hs...)
			tp := engine.NewTape[float64]()
			m.run(tp, set)
			if err := tp.Err(); err != nil {
				t.Fatal(err)
			}
			for i, si := range m.sites {
				if n := set.Fired(i); n != 1 {
					t.Errorf("%s fired %d times, want 1", si.Name, n)
					continue
				}
				if got := set.Node(i).Shape(); !hook.ShapeMatches(si.Shape, got) {
					t.Errorf("%s: activation shape %v, listed %v", si.Name, got, si.Shape)
				}
			}
			if n := set.Fired(len(m.sites)); n != 0 {
				t.Errorf("absent site fired %d times", n)
			}
		})
	}
}

// TestTransformerSiteNames pins the TransformerLens names.
func TestTransformerSiteNames(t *testing.T) {
	m, _, _ := tinyTransformer[float32](t, 1)
	var got []string
	for _, s := range m.Sites() {
		got = append(got, s.Name)
	}
	want := []string{"hook_embed", "hook_pos_embed", "blocks.0.hook_resid_pre", "blocks.0.attn.hook_q",
		"blocks.0.attn.hook_k", "blocks.0.attn.hook_v", "blocks.0.attn.hook_pattern", "blocks.0.attn.hook_z",
		"blocks.0.hook_attn_out", "blocks.0.hook_resid_mid", "blocks.0.mlp.hook_pre", "blocks.0.mlp.hook_post",
		"blocks.0.hook_mlp_out", "blocks.0.hook_resid_post", "ln_final.hook_normalized"}
	if !slices.Equal(got, want) {
		t.Errorf("sites\n got %v\nwant %v", got, want)
	}
	if s, ok := hook.Find(m, "blocks.0.attn.hook_pattern"); !ok || s != hook.Block(0, hook.Pattern) {
		t.Errorf("Find(pattern) = %v, %v", s, ok)
	}
}

func equalBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

func forwardOut(m hooked, hooks *hook.Set[float64]) []float64 {
	tp := engine.NewTape[float64]()
	return slices.Clone(m.run(tp, hooks).Value.Data)
}

// TestPassThroughIsBitIdentical: nil, empty and capture-only sets, and a
// set of hooks for sites the model lacks, all leave outputs bit-identical.
func TestPassThroughIsBitIdentical(t *testing.T) {
	for _, m := range hookedModels(t) {
		base := forwardOut(m, nil)
		var caps []hook.Hook[float64]
		for _, si := range m.sites {
			caps = append(caps, hook.CaptureAt[float64](si.Site))
		}
		for name, set := range map[string]*hook.Set[float64]{
			"empty":    hook.NewSet[float64](),
			"captures": hook.NewSet(caps...),
			"absent":   hook.NewSet(hook.ReplaceAt(hook.Block(50, hook.ResidMid), tensor.New[float64](8))),
		} {
			if got := forwardOut(m, set); !equalBits(got, base) {
				t.Errorf("%s: %s set changed the output", m.name, name)
			}
		}
	}
}

// TestReplaceChangesDownstreamOnly, and nothing persists after the call.
func TestReplaceChangesDownstreamOnly(t *testing.T) {
	m, x, _ := tinyTransformer[float64](t, 2)
	base := forwardOut(hooked{run: func(tp *engine.Tape[float64], h *hook.Set[float64]) *engine.Node[float64] {
		return m.Forward(tp, x, h)
	}}, nil)
	set := hook.NewSet(
		hook.CaptureAt[float64](hook.Block(0, hook.ResidPost)),
		hook.ReplaceAt(hook.Block(1, hook.ResidMid), tensor.New[float64](8)), // zero-ablate
		hook.CaptureAt[float64](hook.Block(1, hook.ResidMid)),
	)
	tp := engine.NewTape[float64]()
	out := m.Forward(tp, x, set).Value.Data
	if equalBits(out, base) {
		t.Fatal("replacing blocks.1.hook_resid_mid did not change the logits")
	}
	for _, v := range set.Node(2).Value.Data {
		if v != 0 {
			t.Fatalf("captured resid_mid after zero-ablation holds %v", v)
		}
	}
	// Upstream activations are those of a clean run.
	clean := hook.NewSet(hook.CaptureAt[float64](hook.Block(0, hook.ResidPost)))
	tp2 := engine.NewTape[float64]()
	m.Forward(tp2, x, clean)
	if !equalBits(set.Node(0).Value.Data, clean.Node(0).Value.Data) {
		t.Error("an upstream site changed")
	}
	// The hooks were plain data: a later nil-hook call is the original model.
	tp3 := engine.NewTape[float64]()
	if again := m.Forward(tp3, x, nil).Value.Data; !equalBits(again, base) {
		t.Error("the intervention persisted into a later call")
	}
}

func TestAddSteersAndReportsShapeErrors(t *testing.T) {
	m, x, _ := tinyTransformer[float64](t, 1)
	site := hook.Block(0, hook.ResidPost)
	v := tensor.Randn[float64](rng.New(9, 0), 1, 8)
	set := hook.NewSet(hook.CaptureAt[float64](site), hook.AddAt(site, v), hook.CaptureAt[float64](site))
	tp := engine.NewTape[float64]()
	m.Forward(tp, x, set)
	before, after := set.Node(0).Value.Data, set.Node(2).Value.Data
	for i := range after {
		if math.Abs(after[i]-before[i]-v.Data[i%8]) > 1e-12 {
			t.Fatalf("Add: element %d moved by %v, want %v", i, after[i]-before[i], v.Data[i%8])
		}
	}
	bad := hook.NewSet(hook.AddAt(site, tensor.New[float64](5)))
	tp.Reset()
	m.Forward(tp, x, bad)
	if err := bad.Err(); err == nil || !strings.Contains(err.Error(), "blocks.0.hook_resid_post") {
		t.Errorf("shape mismatch: Err() = %v, want an error naming the site", err)
	}
}

// TestProjectOutRemovesDirections checks x·q = 0 at the site afterwards for
// the caller's (non-orthonormal) directions.
func TestProjectOutRemovesDirections(t *testing.T) {
	m, x, _ := tinyTransformer[float64](t, 2)
	r := rng.New(10, 0)
	q := tensor.Randn[float64](r, 1, 8, 3) // [d, k], not orthonormal
	site := hook.Block(1, hook.ResidPre)
	po, err := hook.ProjectOutAt(site, q)
	if err != nil {
		t.Fatal(err)
	}
	set := hook.NewSet(hook.CaptureAt[float64](site), po, hook.CaptureAt[float64](site))
	tp := engine.NewTape[float64]()
	m.Forward(tp, x, set)
	before, after := set.Node(0).Value, set.Node(2).Value
	rows := after.Len() / 8
	for r := 0; r < rows; r++ {
		for j := 0; j < 3; j++ {
			var dotA, dotB float64
			for i := 0; i < 8; i++ {
				dotA += after.Data[r*8+i] * q.Data[i*3+j]
				dotB += before.Data[r*8+i] * q.Data[i*3+j]
			}
			if math.Abs(dotA) > 1e-12*math.Max(1, math.Abs(dotB)) {
				t.Fatalf("row %d: component along q%d is %g after ProjectOut (was %g)", r, j, dotA, dotB)
			}
		}
	}
}

// TestDetachedGradients: at one site, Capture → intervention → Capture.
// The gradient reaching the site's input is (I − QQᵀ)·g (ProjectOut), 0
// (Replace) without Detached, and g itself with it; forward values agree.
func TestDetachedGradients(t *testing.T) {
	m, in, labels := tinyMLP[float64](t, Tanh)
	site := hook.Layer(0, hook.Post)
	q := tensor.Randn[float64](rng.New(11, 0), 1, 7, 2)
	po, err := hook.ProjectOutAt(site, q)
	if err != nil {
		t.Fatal(err)
	}
	Q := po.Dirs // orthonormal [7, 2]
	repl := hook.ReplaceAt(site, tensor.Randn[float64](rng.New(12, 0), 1, 7))
	run := func(h hook.Hook[float64]) (x, out *engine.Node[float64], tp *engine.Tape[float64]) {
		set := hook.NewSet(hook.CaptureAt[float64](site), h, hook.CaptureAt[float64](site))
		tp = engine.NewTape[float64]()
		loss := tp.CrossEntropy(m.Forward(tp, tp.Const(in), set), labels)
		if err := tp.Backward(loss); err != nil {
			t.Fatal(err)
		}
		return set.Node(0), set.Node(2), tp
	}
	for _, tc := range []struct {
		name string
		h    hook.Hook[float64]
		want func(g []float64, row int) []float64 // expected x.Grad row from out.Grad row
	}{
		{"ProjectOut", po, func(g []float64, _ int) []float64 {
			out := slices.Clone(g)
			for j := 0; j < 2; j++ {
				var c float64
				for i := range g {
					c += g[i] * Q.Data[i*2+j]
				}
				for i := range out {
					out[i] -= c * Q.Data[i*2+j]
				}
			}
			return out
		}},
		{"ProjectOut/detached", po.Detach(), func(g []float64, _ int) []float64 { return g }},
		{"Replace", repl, func(g []float64, _ int) []float64 { return make([]float64, len(g)) }},
		{"Replace/detached", repl.Detach(), func(g []float64, _ int) []float64 { return g }},
	} {
		x, out, _ := run(tc.h)
		if out.Grad == nil {
			t.Fatalf("%s: no gradient at the site's output", tc.name)
		}
		for r := 0; r < 4; r++ {
			want := tc.want(out.Grad.Data[r*7:(r+1)*7], r)
			var got []float64
			if x.Grad != nil {
				got = x.Grad.Data[r*7 : (r+1)*7]
			} else {
				got = make([]float64, 7)
			}
			for i := range want {
				if math.Abs(got[i]-want[i]) > 1e-12 {
					t.Fatalf("%s: ∂L/∂x[%d][%d] = %g, want %g", tc.name, r, i, got[i], want[i])
				}
			}
		}
	}
	// Detaching changes gradients only, never the forward value.
	_, a, _ := run(po)
	_, b, _ := run(po.Detach())
	if !equalBits(a.Value.Data, b.Value.Data) {
		t.Error("Detached ProjectOut changed the forward value")
	}
	_, a, _ = run(repl)
	_, b, _ = run(repl.Detach())
	if !equalBits(a.Value.Data, b.Value.Data) {
		t.Error("Detached Replace changed the forward value")
	}
}

// TestCaptureGradMatchesFiniteDifference: a captured activation's Grad is
// ∂loss/∂activation, checked by re-running with a perturbation added there.
func TestCaptureGradMatchesFiniteDifference(t *testing.T) {
	m, x, targets := tinyTransformer[float64](t, 1)
	site := hook.Block(0, hook.Z)
	set := hook.NewSet(hook.CaptureAt[float64](site))
	tp := engine.NewTape[float64]()
	if err := tp.Backward(tp.CrossEntropy(m.Forward(tp, x, set), targets)); err != nil {
		t.Fatal(err)
	}
	node := set.Captured(site)
	shape, grad := slices.Clone(node.Shape()), slices.Clone(node.Grad.Data)
	loss := func(idx int, eps float64) float64 {
		d := tensor.New[float64](shape...)
		d.Data[idx] = eps
		tp := engine.NewTape[float64]()
		return tp.CrossEntropy(m.Forward(tp, x, hook.NewSet(hook.AddAt(site, d))), targets).Value.Item()
	}
	for _, idx := range []int{0, 7, 19, len(grad) - 1} {
		num := (loss(idx, 1e-6) - loss(idx, -1e-6)) / 2e-6
		if math.Abs(num-grad[idx]) > 1e-7 {
			t.Errorf("∂L/∂z[%d] = %g, finite difference %g", idx, grad[idx], num)
		}
	}
}

func TestNextTokenTargets(t *testing.T) {
	x := Tokens{IDs: []int{1, 2, 3, 4, 5, 6}, Seq: 3}
	if got := NextTokenTargets(x, []int{9, 8}, nil); !slices.Equal(got, []int{2, 3, 9, 5, 6, 8}) {
		t.Errorf("with next: %v", got)
	}
	if got := NextTokenTargets(x, nil, make([]int, 1)); !slices.Equal(got, []int{2, 3, -1, 5, 6, -1}) {
		t.Errorf("without next: %v", got)
	}
	if got := NextTokenTargets(Tokens{IDs: []int{1, 2, 3}, Seq: 2}, nil, nil); len(got) != 0 {
		t.Errorf("ragged: %v", got)
	}
	if got := NextTokenTargets(Tokens{IDs: []int{1}}, nil, nil); len(got) != 0 {
		t.Errorf("Seq 0: %v", got)
	}
}

// TestForwardErrorsAreSticky: bad inputs record a tape error, not a panic.
func TestForwardErrorsAreSticky(t *testing.T) {
	m, _, _ := tinyTransformer[float32](t, 1)
	for name, x := range map[string]Tokens{
		"ragged":      {IDs: []int{1, 2, 3}, Seq: 2},
		"too long":    {IDs: make([]int, 7), Seq: 7},
		"bad id":      {IDs: []int{1, 99}, Seq: 2},
		"zero length": {IDs: []int{1}, Seq: 0},
	} {
		tp := engine.NewTape[float32]()
		m.Forward(tp, x, nil)
		if tp.Err() == nil {
			t.Errorf("%s: no tape error", name)
		}
	}
	b := m.Blocks[0]
	tp := engine.NewTape[float32]()
	b.Forward(tp, tp.Const(tensor.New[float32](4, 8)), nil) // rank 2: needs [B, T, D]
	if tp.Err() == nil {
		t.Error("Block accepted a rank-2 input")
	}
}
