package gpt2

import (
	"fmt"
	"math"

	"interloop/engine"
	"interloop/hook"
	"interloop/nn"
	"interloop/tensor"
)

// Config is a GPT-2-architecture model's shape (the fields of Hugging
// Face's GPT2Config that the forward pass needs).
type Config struct {
	Vocab   int     `json:"vocab_size"`         // token table rows (50257 for GPT-2)
	Context int     `json:"n_positions"`        // position table rows (1024)
	DModel  int     `json:"n_embd"`             // residual width (768 for GPT-2 small)
	Heads   int     `json:"n_head"`             // attention heads (12)
	Layers  int     `json:"n_layer"`            // blocks (12)
	LNEps   float64 `json:"layer_norm_epsilon"` // LayerNorm epsilon (1e-5)
}

// Small is GPT-2 small's configuration (124M parameters).
func Small() Config {
	return Config{Vocab: 50257, Context: 1024, DModel: 768, Heads: 12, Layers: 12, LNEps: 1e-5}
}

// Validate reports the first inconsistent field.
func (c Config) Validate() error {
	if c.Vocab < 1 || c.Context < 1 || c.DModel < 1 || c.Heads < 1 || c.Layers < 1 || c.DModel%c.Heads != 0 || !(c.LNEps > 0) {
		return fmt.Errorf("gpt2: config %+v: sizes must be positive, n_head must divide n_embd, eps > 0", c)
	}
	return nil
}

// Block is one transformer block's parameters, named as the Hugging Face
// checkpoint names them (without the "h.{i}." prefix). Conv1D weights are
// stored [in, out], which is the engine's Linear layout, so they load
// without a transpose.
type Block struct {
	LN1W, LN1B         *engine.Param[float32] // ln_1.weight, ln_1.bias [D]
	AttnW, AttnB       *engine.Param[float32] // attn.c_attn.weight [D, 3D], .bias [3D]: q, k, v side by side
	AttnProjW, AttnPrB *engine.Param[float32] // attn.c_proj.weight [D, D], .bias [D]
	LN2W, LN2B         *engine.Param[float32] // ln_2.weight, ln_2.bias [D]
	FCW, FCB           *engine.Param[float32] // mlp.c_fc.weight [D, 4D], .bias [4D]
	FCProjW, FCProjB   *engine.Param[float32] // mlp.c_proj.weight [4D, D], .bias [D]
}

// Model is a GPT-2-architecture language model: token and learned position
// embeddings, pre-LN blocks with fused QKV attention and a tanh-GELU MLP, a
// final LayerNorm and an unembedding tied to the token table (or a separate
// lm_head when the checkpoint has one).
//
// Hook sites are TransformerLens's, in the order Forward reaches them:
// hook_embed [B, T, D], hook_pos_embed [T, D], per block
// hook_resid_pre, attn.hook_q/k/v [B, T, H, dh], attn.hook_pattern
// [B, H, T, T], attn.hook_z [B, T, H, dh], hook_attn_out, hook_resid_mid,
// mlp.hook_pre/hook_post [B, T, 4D], hook_mlp_out, hook_resid_post, and
// ln_final.hook_normalized [B, T, D] (before the final gain and bias).
type Model struct {
	WTE, WPE   *engine.Param[float32] // wte.weight [V, D], wpe.weight [N, D]
	Blocks     []Block
	LNFW, LNFB *engine.Param[float32] // ln_f.weight, ln_f.bias [D]
	LMHead     *engine.Param[float32] // lm_head.weight [V, D], or nil when tied to WTE
	cfg        Config
	dHead      int
	dMLP       int
	perm       [4]int
}

// Config returns the model's configuration.
func (m *Model) Config() Config { return m.cfg }

// NewModel returns a model of the given shape with zero weights.
func NewModel(cfg Config) (*Model, error) {
	return newModel(cfg, func(name string, shape ...int) *engine.Param[float32] {
		return engine.NewParam(name, tensor.New[float32](shape...))
	})
}

// newModel builds the model's structure with parameters made by p.
func newModel(cfg Config, p func(name string, shape ...int) *engine.Param[float32]) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	D := cfg.DModel
	m := &Model{cfg: cfg, dHead: D / cfg.Heads, dMLP: 4 * D, perm: [4]int{0, 2, 1, 3},
		WTE: p("wte.weight", cfg.Vocab, D), WPE: p("wpe.weight", cfg.Context, D),
		LNFW: p("ln_f.weight", D), LNFB: p("ln_f.bias", D)}
	for i := 0; i < cfg.Layers; i++ {
		n := fmt.Sprintf("h.%d.", i)
		m.Blocks = append(m.Blocks, Block{
			LN1W: p(n+"ln_1.weight", D), LN1B: p(n+"ln_1.bias", D),
			AttnW: p(n+"attn.c_attn.weight", D, 3*D), AttnB: p(n+"attn.c_attn.bias", 3*D),
			AttnProjW: p(n+"attn.c_proj.weight", D, D), AttnPrB: p(n+"attn.c_proj.bias", D),
			LN2W: p(n+"ln_2.weight", D), LN2B: p(n+"ln_2.bias", D),
			FCW: p(n+"mlp.c_fc.weight", D, 4*D), FCB: p(n+"mlp.c_fc.bias", 4*D),
			FCProjW: p(n+"mlp.c_proj.weight", 4*D, D), FCProjB: p(n+"mlp.c_proj.bias", D),
		})
	}
	return m, nil
}

// Params returns every parameter in checkpoint order: wte, wpe, the blocks,
// ln_f, and lm_head when untied.
func (m *Model) Params() []*engine.Param[float32] {
	ps := []*engine.Param[float32]{m.WTE, m.WPE}
	for i := range m.Blocks {
		b := &m.Blocks[i]
		ps = append(ps, b.LN1W, b.LN1B, b.AttnW, b.AttnB, b.AttnProjW, b.AttnPrB, b.LN2W, b.LN2B, b.FCW, b.FCB, b.FCProjW, b.FCProjB)
	}
	ps = append(ps, m.LNFW, m.LNFB)
	if m.LMHead != nil {
		ps = append(ps, m.LMHead)
	}
	return ps
}

// Forward maps tokens [B, T] (T ≤ Context, ids < Vocab) to next-token
// logits [B, T, Vocab], applying hooks at every site. Errors are recorded
// on the tape.
func (m *Model) Forward(tp *engine.Tape[float32], x nn.Tokens, hooks *hook.Set[float32]) *engine.Node[float32] {
	T, D := x.Seq, m.cfg.DModel
	e := tp.Reshape(tp.Embedding(tp.Param(m.WTE), x.IDs), -1, T, D) // [B, T, D]
	e = hooks.At(tp, hook.Embed, e)
	pos := tp.Slice(tp.Param(m.WPE), 0, 0, T) // [T, D]
	pos = hooks.At(tp, hook.PosEmbed, pos)
	h := tp.Add(e, pos) // [B, T, D]
	for i := range m.Blocks {
		h = m.block(tp, i, h, hooks) // [B, T, D]
	}
	h = tp.LayerNorm(h, nil, nil, m.cfg.LNEps) // [B, T, D]
	h = hooks.At(tp, hook.FinalNorm, h)
	h = tp.Add(tp.Mul(h, tp.Param(m.LNFW)), tp.Param(m.LNFB))
	head := m.WTE
	if m.LMHead != nil {
		head = m.LMHead
	}
	return tp.MatMulT(h, tp.Param(head), false, true) // [B, T, V]
}

// block is GPT-2's block: x + attn(ln_1(x)), then + mlp(ln_2(·)).
func (m *Model) block(tp *engine.Tape[float32], i int, x *engine.Node[float32], hooks *hook.Set[float32]) *engine.Node[float32] {
	b := &m.Blocks[i]
	s := x.Shape()
	if len(s) != 3 {
		return tp.Reshape(x, -1, 0, m.cfg.DModel) // records a shaped error on the tape
	}
	B, T, D, H, dh := s[0], s[1], m.cfg.DModel, m.cfg.Heads, m.dHead
	site := func(p hook.BlockPoint) hook.Site { return hook.Block(i, p) }

	x = hooks.At(tp, site(hook.ResidPre), x)                              // [B, T, D]
	a := tp.LayerNorm(x, tp.Param(b.LN1W), tp.Param(b.LN1B), m.cfg.LNEps) // [B, T, D]
	qkv := tp.Linear(a, tp.Param(b.AttnW), tp.Param(b.AttnB))             // [B, T, 3D]
	split := func(k int, p hook.BlockPoint) *engine.Node[float32] {
		y := tp.Reshape(tp.Slice(qkv, 2, k*D, (k+1)*D), B, T, H, dh) // [B, T, H, dh]
		y = hooks.At(tp, site(p), y)
		return tp.Permute(y, m.perm[:]...) // [B, H, T, dh]
	}
	q, k, v := split(0, hook.Q), split(1, hook.K), split(2, hook.V)
	scores := tp.Scale(tp.MatMulT(q, k, false, true), 1/math.Sqrt(float64(dh)), 0) // [B, H, T, T]
	pattern := tp.Softmax(tp.CausalMask(scores), -1)                               // [B, H, T, T]
	pattern = hooks.At(tp, site(hook.Pattern), pattern)
	z := tp.Permute(tp.MatMul(pattern, v), m.perm[:]...) // [B, T, H, dh]
	z = hooks.At(tp, site(hook.Z), z)
	attn := tp.Linear(tp.Reshape(z, B, T, D), tp.Param(b.AttnProjW), tp.Param(b.AttnPrB)) // [B, T, D]
	attn = hooks.At(tp, site(hook.AttnOut), attn)
	x = hooks.At(tp, site(hook.ResidMid), tp.Add(x, attn)) // [B, T, D]

	f := tp.LayerNorm(x, tp.Param(b.LN2W), tp.Param(b.LN2B), m.cfg.LNEps) // [B, T, D]
	f = tp.Linear(f, tp.Param(b.FCW), tp.Param(b.FCB))                    // [B, T, 4D]
	f = hooks.At(tp, site(hook.MLPPre), f)
	f = GeluTanh(tp, f) // [B, T, 4D]
	f = hooks.At(tp, site(hook.MLPPost), f)
	f = tp.Linear(f, tp.Param(b.FCProjW), tp.Param(b.FCProjB)) // [B, T, D]
	f = hooks.At(tp, site(hook.MLPOut), f)
	return hooks.At(tp, site(hook.ResidPost), tp.Add(x, f)) // [B, T, D]
}

// GeluTanh records GPT-2's "gelu_new", the tanh approximation of GELU,
//
//	½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))),
//
// composed from engine ops (the engine's Gelu is the exact erf form, which
// differs by up to ~1e-3 and would break parity with GPT-2 checkpoints).
func GeluTanh(tp *engine.Tape[float32], x *engine.Node[float32]) *engine.Node[float32] {
	x3 := tp.Mul(tp.Mul(x, x), x)                                                    // x³
	inner := tp.Scale(tp.Add(x, tp.Scale(x3, 0.044715, 0)), math.Sqrt(2/math.Pi), 0) // √(2/π)(x + 0.044715x³)
	return tp.Mul(tp.Scale(x, 0.5, 0), tp.Scale(tp.Tanh(inner), 1, 1))               // ½x·(1 + tanh(·))
}

// Sites lists every hook site in the order Forward reaches them.
func (m *Model) Sites() []hook.SiteInfo {
	D, H, dh, M := m.cfg.DModel, m.cfg.Heads, m.dHead, m.dMLP
	s := []hook.SiteInfo{hook.Info(hook.Embed, -1, -1, D), hook.Info(hook.PosEmbed, -1, D)}
	for i := range m.Blocks {
		at := func(p hook.BlockPoint, shape ...int) hook.SiteInfo { return hook.Info(hook.Block(i, p), shape...) }
		s = append(s,
			at(hook.ResidPre, -1, -1, D), at(hook.Q, -1, -1, H, dh), at(hook.K, -1, -1, H, dh), at(hook.V, -1, -1, H, dh),
			at(hook.Pattern, -1, H, -1, -1), at(hook.Z, -1, -1, H, dh), at(hook.AttnOut, -1, -1, D),
			at(hook.ResidMid, -1, -1, D), at(hook.MLPPre, -1, -1, M), at(hook.MLPPost, -1, -1, M),
			at(hook.MLPOut, -1, -1, D), at(hook.ResidPost, -1, -1, D))
	}
	return append(s, hook.Info(hook.FinalNorm, -1, -1, D))
}
