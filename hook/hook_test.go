package hook

import (
	"math"
	"strings"
	"testing"

	"interloop/engine"
	"interloop/rng"
	"interloop/tensor"
)

func TestSiteNames(t *testing.T) {
	for _, tc := range []struct {
		s    Site
		want string
	}{
		{Embed, "hook_embed"},
		{PosEmbed, "hook_pos_embed"},
		{FinalNorm, "ln_final.hook_normalized"},
		{Block(0, ResidPre), "blocks.0.hook_resid_pre"},
		{Block(3, ResidMid), "blocks.3.hook_resid_mid"},
		{Block(11, ResidPost), "blocks.11.hook_resid_post"},
		{Block(0, Q), "blocks.0.attn.hook_q"},
		{Block(0, K), "blocks.0.attn.hook_k"},
		{Block(0, V), "blocks.0.attn.hook_v"},
		{Block(1, Pattern), "blocks.1.attn.hook_pattern"},
		{Block(1, Z), "blocks.1.attn.hook_z"},
		{Block(2, AttnOut), "blocks.2.hook_attn_out"},
		{Block(2, MLPPre), "blocks.2.mlp.hook_pre"},
		{Block(2, MLPPost), "blocks.2.mlp.hook_post"},
		{Block(2, MLPOut), "blocks.2.hook_mlp_out"},
		{Layer(0, Pre), "layers.0.hook_pre"},
		{Layer(4, Post), "layers.4.hook_post"},
		{Site{}, ""},
	} {
		if got := tc.s.Name(); got != tc.want {
			t.Errorf("Name() = %q, want %q", got, tc.want)
		}
	}
	if Block(1, ResidPost) == Block(2, ResidPost) || Block(1, ResidPost) != Block(1, ResidPost) {
		t.Error("Site equality is wrong")
	}
	if Layer(0, Pre) == Block(0, ResidPre) {
		t.Error("a layer site equals a block site")
	}
}

func TestShapeMatches(t *testing.T) {
	if !ShapeMatches([]int{-1, -1, 8}, []int{2, 5, 8}) || ShapeMatches([]int{-1, 8}, []int{2, 7}) || ShapeMatches([]int{-1}, []int{2, 1}) {
		t.Error("ShapeMatches")
	}
}

func TestProjectOutOrthonormalises(t *testing.T) {
	r := rng.New(1, 0)
	q := tensor.Randn[float64](r, 1, 6, 3)
	h, err := ProjectOutAt(Embed, q)
	if err != nil {
		t.Fatal(err)
	}
	Q := h.Dirs
	for a := 0; a < 3; a++ {
		for b := 0; b < 3; b++ {
			var dot float64
			for i := 0; i < 6; i++ {
				dot += Q.Data[i*3+a] * Q.Data[i*3+b]
			}
			want := 0.0
			if a == b {
				want = 1
			}
			if math.Abs(dot-want) > 1e-12 {
				t.Errorf("QᵀQ[%d][%d] = %v", a, b, dot)
			}
		}
	}
	// A single direction may be given as [d].
	if h, err := ProjectOutAt(Embed, tensor.FromData([]float64{3, 4}, 2)); err != nil || h.Dirs.Data[0] != 0.6 || h.Dirs.Data[1] != 0.8 {
		t.Errorf("[d] direction: %v, %v", h.Dirs, err)
	}
	for name, bad := range map[string]*tensor.Tensor[float64]{
		"zero":      tensor.New[float64](4, 1),
		"dependent": tensor.FromData([]float64{1, 2, 2, 4, 3, 6}, 3, 2),
		"too many":  tensor.New[float64](2, 3),
		"rank 3":    tensor.New[float64](2, 2, 1),
	} {
		if _, err := ProjectOutAt(Embed, bad); err == nil {
			t.Errorf("%s directions: no error", name)
		}
	}
}

// TestProjectOutRank1Site covers a site without a batch axis.
func TestProjectOutRank1Site(t *testing.T) {
	h, err := ProjectOutAt(Embed, tensor.FromData([]float32{1, 0, 0}, 3))
	if err != nil {
		t.Fatal(err)
	}
	tp := engine.NewTape[float32]()
	x := tp.Input(tensor.FromData([]float32{2, 3, 4}, 3))
	out := NewSet(h).At(tp, Embed, x)
	if err := tp.Err(); err != nil {
		t.Fatal(err)
	}
	if got := out.Value.Data; got[0] != 0 || got[1] != 3 || got[2] != 4 || out.Value.Rank() != 1 {
		t.Errorf("ProjectOut([2 3 4]) = %v", out.Value)
	}
}

func TestNilSet(t *testing.T) {
	var s *Set[float32]
	tp := engine.NewTape[float32]()
	x := tp.Const(tensor.New[float32](2, 3))
	if s.At(tp, Embed, x) != x || s.Len() != 0 || s.Err() != nil || s.Captured(Embed) != nil {
		t.Error("nil Set is not a pass-through")
	}
	s.Reset()
}

func TestSetErrors(t *testing.T) {
	tp := engine.NewTape[float32]()
	x := tp.Const(tensor.New[float32](2, 3))
	for _, h := range []Hook[float32]{
		AddAt(Embed, tensor.New[float32](4)),
		ReplaceAt(Embed, tensor.New[float32](3, 3)),
		ReplaceAt[float32](Embed, nil),
		{Site: Embed, Verb: ProjectOut, Dirs: tensor.New[float32](4, 1)},
		{Site: Embed, Verb: Verb(9)},
	} {
		s := NewSet(h)
		if y := s.At(tp, Embed, x); y != x {
			t.Errorf("%v: a failing hook changed the node", h.Verb)
		}
		if err := s.Err(); err == nil || !strings.Contains(err.Error(), "hook_embed") {
			t.Errorf("%v: Err() = %v, want an error naming the site", h.Verb, err)
		}
		if s.Fired(0) != 0 {
			t.Errorf("%v: a failing hook counted as fired", h.Verb)
		}
	}
	if err := tp.Err(); err != nil {
		t.Errorf("hook errors leaked into the tape: %v", err)
	}
}

// TestAtAllocations: the hot path allocates nothing for a nil set, a set
// with no hook at the site, or a capture; interventions reuse tape buffers.
func TestAtAllocations(t *testing.T) {
	tp := engine.NewTape[float32]()
	xv := tensor.New[float32](4, 8)
	q, _ := ProjectOutAt(Block(0, ResidPost), tensor.Randn[float32](rng.New(1, 0), 1, 8, 2))
	sets := map[string]*Set[float32]{
		"nil":     nil,
		"empty":   NewSet[float32](),
		"other":   NewSet(CaptureAt[float32](Block(1, ResidPost))),
		"capture": NewSet(CaptureAt[float32](Block(0, ResidPost))),
		"all verbs": NewSet(
			CaptureAt[float32](Block(0, ResidPost)),
			AddAt(Block(0, ResidPost), tensor.New[float32](8)),
			ReplaceAt(Block(0, ResidPost), tensor.New[float32](8)).Detach(),
			ReplaceAt(Block(0, ResidPost), tensor.New[float32](8)),
			q, q.Detach()),
	}
	for name, s := range sets {
		allocs := testing.AllocsPerRun(100, func() {
			tp.Reset()
			s.Reset()
			x := tp.Input(xv)
			for i := 0; i < 3; i++ {
				x = s.At(tp, Block(i%2, ResidPost), x)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per call", name, allocs)
		}
	}
}
