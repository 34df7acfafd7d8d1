package nn

import (
	"fmt"
	"math"

	"interloop/engine"
	"interloop/hook"
	"interloop/rng"
	"interloop/tensor"
)

// BlockConfig configures one pre-LN transformer block.
type BlockConfig struct {
	DModel int     // residual width (required, > 0, divisible by Heads)
	Heads  int     // attention heads (required, > 0)
	DMLP   int     // MLP hidden width (default 4·DModel)
	LNEps  float64 // LayerNorm epsilon (default 1e-5)
	Index  int     // block number: params "blocks.{Index}.…", sites hook.Block(Index, …)
}

func (c BlockConfig) withDefaults() (BlockConfig, error) {
	if c.DModel <= 0 || c.Heads <= 0 || c.DModel%c.Heads != 0 {
		return c, fmt.Errorf("nn: Block %d: DModel %d must be positive and divisible by Heads %d", c.Index, c.DModel, c.Heads)
	}
	if c.DMLP == 0 {
		c.DMLP = 4 * c.DModel
	}
	if c.DMLP < 0 {
		return c, fmt.Errorf("nn: Block %d: negative DMLP %d", c.Index, c.DMLP)
	}
	return c, nil
}

// Block is a pre-LN transformer block (GPT-2 layout):
//
//	resid_mid  = resid_pre + Attn(LN1(resid_pre))
//	resid_post = resid_mid + MLP(LN2(resid_mid)),  MLP = W_out·GELU(W_in·x)
//
// Attention is causal multi-head self-attention written with engine ops, so
// every intermediate is a real hook site. Q, K, V and O are separate Linear
// layers (not a fused QKV): the state_dict names stay one-to-one with hook
// sites, and three [D, D] products cost the same flops as one [D, 3D]
// product plus the slicing a fused layout would need.
//
// Params, in order (weights [in, out], the transpose of PyTorch's):
//
//	blocks.{i}.ln1.weight/bias, blocks.{i}.attn.{q,k,v,o}.weight/bias,
//	blocks.{i}.ln2.weight/bias, blocks.{i}.mlp.fc_in.weight/bias,
//	blocks.{i}.mlp.fc_out.weight/bias
type Block[T tensor.Float] struct {
	LN1, LN2    *LayerNorm[T]
	Q, K, V, O  *Linear[T]
	FCIn, FCOut *Linear[T]
	cfg         BlockConfig
	dHead       int
	scale       float64
}

// NewBlock returns a block with PyTorch default initialisation (Linear
// U(±1/√in), LayerNorm gain 1 bias 0), drawn from r in param order.
func NewBlock[T tensor.Float](cfg BlockConfig, r *rng.PCG) (*Block[T], error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	p := fmt.Sprintf("blocks.%d.", cfg.Index)
	d := cfg.DModel
	b := &Block[T]{cfg: cfg, dHead: d / cfg.Heads}
	b.scale = 1 / math.Sqrt(float64(b.dHead))
	lin := func(name string, in, out int) *Linear[T] {
		if err != nil {
			return nil
		}
		var l *Linear[T]
		l, err = NewLinear[T](LinearConfig{In: in, Out: out, Name: p + name}, r)
		return l
	}
	if b.LN1, err = NewLayerNorm[T](LayerNormConfig{Dim: d, Eps: cfg.LNEps, Name: p + "ln1."}); err != nil {
		return nil, err
	}
	b.Q, b.K, b.V, b.O = lin("attn.q.", d, d), lin("attn.k.", d, d), lin("attn.v.", d, d), lin("attn.o.", d, d)
	if err != nil {
		return nil, err
	}
	if b.LN2, err = NewLayerNorm[T](LayerNormConfig{Dim: d, Eps: cfg.LNEps, Name: p + "ln2."}); err != nil {
		return nil, err
	}
	b.FCIn, b.FCOut = lin("mlp.fc_in.", d, cfg.DMLP), lin("mlp.fc_out.", cfg.DMLP, d)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// Config returns the resolved configuration.
func (b *Block[T]) Config() BlockConfig { return b.cfg }

// Forward maps the residual stream x [B, T, DModel] to [B, T, DModel].
func (b *Block[T]) Forward(tp *engine.Tape[T], x *engine.Node[T], hooks *hook.Set[T]) *engine.Node[T] {
	i := b.cfg.Index
	s := x.Shape()
	if len(s) != 3 {
		// The engine has no public way to record an error, so provoke one
		// that names x's shape: no tensor reshapes to [-1, 0, D].
		return tp.Reshape(x, -1, 0, b.cfg.DModel)
	}
	nb, nt, D, H, dh := s[0], s[1], b.cfg.DModel, b.cfg.Heads, b.dHead

	x = hooks.At(tp, hook.Block(i, hook.ResidPre), x) // [B, T, D]
	h := b.LN1.Forward(tp, x)                         // [B, T, D]

	heads := func(l *Linear[T], p hook.BlockPoint) *engine.Node[T] {
		y := tp.Reshape(l.Forward(tp, h), nb, nt, H, dh) // [B, T, H, dh]
		return hooks.At(tp, hook.Block(i, p), y)
	}
	q, k, v := heads(b.Q, hook.Q), heads(b.K, hook.K), heads(b.V, hook.V)

	// The attention ops work on the [B, T, H, dh] layout in place (no
	// permutes); CausalSoftmax scales by 1/√dh, masks and normalises in one
	// pass.
	scores := tp.AttnScores(q, k)                // [B, H, T, T]
	pattern := tp.CausalSoftmax(scores, b.scale) // [B, H, T, T]
	pattern = hooks.At(tp, hook.Block(i, hook.Pattern), pattern)

	z := tp.AttnMix(pattern, v) // [B, T, H, dh]
	z = hooks.At(tp, hook.Block(i, hook.Z), z)
	z = tp.Reshape(z, nb, nt, D) // [B, T, D]
	attn := b.O.Forward(tp, z)   // [B, T, D]
	attn = hooks.At(tp, hook.Block(i, hook.AttnOut), attn)

	x = tp.Add(x, attn) // [B, T, D]
	x = hooks.At(tp, hook.Block(i, hook.ResidMid), x)

	m := b.FCIn.Forward(tp, b.LN2.Forward(tp, x)) // [B, T, DMLP]
	m = hooks.At(tp, hook.Block(i, hook.MLPPre), m)
	m = tp.Gelu(m)
	m = hooks.At(tp, hook.Block(i, hook.MLPPost), m)
	m = b.FCOut.Forward(tp, m) // [B, T, D]
	m = hooks.At(tp, hook.Block(i, hook.MLPOut), m)

	x = tp.Add(x, m) // [B, T, D]
	return hooks.At(tp, hook.Block(i, hook.ResidPost), x)
}

// Params returns the block's params in state_dict order.
func (b *Block[T]) Params() []*engine.Param[T] {
	var ps []*engine.Param[T]
	ps = append(ps, b.LN1.Params()...)
	for _, l := range []*Linear[T]{b.Q, b.K, b.V, b.O} {
		ps = append(ps, l.Params()...)
	}
	ps = append(ps, b.LN2.Params()...)
	ps = append(ps, b.FCIn.Params()...)
	return append(ps, b.FCOut.Params()...)
}

// Sites lists the block's hook sites in the order Forward reaches them.
func (b *Block[T]) Sites() []hook.SiteInfo {
	i, D, H, dh, M := b.cfg.Index, b.cfg.DModel, b.cfg.Heads, b.dHead, b.cfg.DMLP
	at := func(p hook.BlockPoint, shape ...int) hook.SiteInfo { return hook.Info(hook.Block(i, p), shape...) }
	return []hook.SiteInfo{
		at(hook.ResidPre, -1, -1, D),
		at(hook.Q, -1, -1, H, dh),
		at(hook.K, -1, -1, H, dh),
		at(hook.V, -1, -1, H, dh),
		at(hook.Pattern, -1, H, -1, -1),
		at(hook.Z, -1, -1, H, dh),
		at(hook.AttnOut, -1, -1, D),
		at(hook.ResidMid, -1, -1, D),
		at(hook.MLPPre, -1, -1, M),
		at(hook.MLPPost, -1, -1, M),
		at(hook.MLPOut, -1, -1, D),
		at(hook.ResidPost, -1, -1, D),
	}
}
