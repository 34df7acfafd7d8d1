package nn

import (
	"fmt"

	"interloop/engine"
	"interloop/hook"
	"interloop/rng"
	"interloop/tensor"
)

// TransformerConfig configures a decoder-only, pre-LN transformer.
type TransformerConfig struct {
	Vocab   int // vocabulary size (required, > 0)
	Context int // maximum sequence length: rows of the position table (required, > 0)
	DModel  int // residual width (required, divisible by Heads)
	Heads   int // attention heads per block (required)
	Layers  int // number of blocks (required, > 0)

	DMLP     int     // MLP hidden width (default 4·DModel)
	LNEps    float64 // LayerNorm epsilon (default 1e-5)
	EmbedStd float64 // token and position embedding init std (default 1, torch.nn.Embedding)
	// TieEmbeddings unembeds with the token table's transpose and no bias
	// (default: a separate unembedding Linear with a bias).
	TieEmbeddings bool
}

// Tokens is a batch of equal-length token sequences: IDs holds
// len(IDs)/Seq rows of Seq tokens each, row-major [B, Seq].
type Tokens struct {
	IDs []int
	Seq int
}

// Transformer is a GPT-style language model: token plus learned position
// embeddings, Layers pre-LN Blocks, a final LayerNorm and an unembedding to
// vocabulary logits. Every Linear is initialised as PyTorch's default and
// the embeddings N(0, EmbedStd²), drawn from r in param order.
//
// Params, in order: embed.weight [Vocab, D], pos_embed.weight [Context, D],
// the blocks' params (see Block), ln_final.weight/bias, and unless tied
// unembed.weight [D, Vocab] (transpose of PyTorch's) and unembed.bias.
//
// Hook sites, in order: hook_embed [B, T, D], hook_pos_embed [T, D] (one
// row per position, broadcast over the batch; TransformerLens has a batch
// axis here), each block's sites, and ln_final.hook_normalized [B, T, D]
// (normalised, before the final gain and bias, as in TransformerLens).
type Transformer[T tensor.Float] struct {
	Embed    *Embedding[T]
	PosEmbed *Embedding[T]
	Blocks   []*Block[T]
	LNFinal  *LayerNorm[T]
	Unembed  *Linear[T] // nil when tied
	cfg      TransformerConfig
}

// NewTransformer builds a freshly initialised model.
func NewTransformer[T tensor.Float](cfg TransformerConfig, r *rng.PCG) (*Transformer[T], error) {
	if cfg.Vocab <= 0 || cfg.Context <= 0 || cfg.Layers <= 0 {
		return nil, fmt.Errorf("nn: Transformer: Vocab, Context and Layers must be positive, got %d, %d, %d", cfg.Vocab, cfg.Context, cfg.Layers)
	}
	if cfg.LNEps == 0 {
		cfg.LNEps = 1e-5
	}
	m := &Transformer[T]{}
	var err error
	if m.Embed, err = NewEmbedding[T](EmbeddingConfig{Num: cfg.Vocab, Dim: cfg.DModel, Std: cfg.EmbedStd, Name: "embed."}, r); err != nil {
		return nil, fmt.Errorf("nn: Transformer: %w", err)
	}
	if m.PosEmbed, err = NewEmbedding[T](EmbeddingConfig{Num: cfg.Context, Dim: cfg.DModel, Std: cfg.EmbedStd, Name: "pos_embed."}, r); err != nil {
		return nil, fmt.Errorf("nn: Transformer: %w", err)
	}
	for i := range cfg.Layers {
		b, err := NewBlock[T](BlockConfig{DModel: cfg.DModel, Heads: cfg.Heads, DMLP: cfg.DMLP, LNEps: cfg.LNEps, Index: i}, r)
		if err != nil {
			return nil, fmt.Errorf("nn: Transformer: %w", err)
		}
		m.Blocks = append(m.Blocks, b)
	}
	cfg.DMLP = m.Blocks[0].cfg.DMLP
	if m.LNFinal, err = NewLayerNorm[T](LayerNormConfig{Dim: cfg.DModel, Eps: cfg.LNEps, Name: "ln_final."}); err != nil {
		return nil, err
	}
	if !cfg.TieEmbeddings {
		if m.Unembed, err = NewLinear[T](LinearConfig{In: cfg.DModel, Out: cfg.Vocab, Name: "unembed."}, r); err != nil {
			return nil, err
		}
	}
	m.cfg = cfg
	return m, nil
}

// Config returns the resolved configuration.
func (m *Transformer[T]) Config() TransformerConfig { return m.cfg }

// Forward maps tokens [B, T] (T ≤ Context) to next-token logits
// [B, T, Vocab]. Errors (bad ids, T > Context) are recorded on the tape.
func (m *Transformer[T]) Forward(tp *engine.Tape[T], x Tokens, hooks *hook.Set[T]) *engine.Node[T] {
	nt, D := x.Seq, m.cfg.DModel
	// A ragged batch fails in the Reshape and T > Context in the Slice,
	// each recording a shaped error on the tape.
	e := tp.Reshape(m.Embed.Forward(tp, x.IDs), -1, nt, D) // [B, T, D]
	e = hooks.At(tp, hook.Embed, e)
	pos := tp.Slice(tp.Param(m.PosEmbed.W), 0, 0, nt) // [T, D]
	pos = hooks.At(tp, hook.PosEmbed, pos)
	h := tp.Add(e, pos) // [B, T, D]

	for _, b := range m.Blocks {
		h = b.Forward(tp, h, hooks) // [B, T, D]
	}

	h = tp.LayerNorm(h, nil, nil, m.cfg.LNEps) // [B, T, D]
	h = hooks.At(tp, hook.FinalNorm, h)
	h = tp.Mul(h, tp.Param(m.LNFinal.Gain))
	h = tp.Add(h, tp.Param(m.LNFinal.Bias))

	if m.Unembed == nil {
		return tp.MatMulT(h, tp.Param(m.Embed.W), false, true) // [B, T, Vocab]
	}
	return m.Unembed.Forward(tp, h) // [B, T, Vocab]
}

// NextTokenTargets writes into dst (grown if needed) the next-token targets
// for a [B, Seq] batch: position t of each row is labelled with token t+1,
// and the last position with next[b], the token that continues row b, or
// -1 (ignored by CrossEntropy) when next is nil or too short. A batch that
// is not a whole number of rows gives an empty result, which CrossEntropy
// rejects.
func NextTokenTargets(x Tokens, next []int, dst []int) []int {
	n := len(x.IDs)
	if x.Seq <= 0 || n%x.Seq != 0 {
		return dst[:0]
	}
	if cap(dst) < n {
		dst = make([]int, n)
	}
	dst = dst[:n]
	for r := 0; r*x.Seq < n; r++ {
		row := x.IDs[r*x.Seq : (r+1)*x.Seq]
		out := dst[r*x.Seq : (r+1)*x.Seq]
		copy(out, row[1:])
		out[x.Seq-1] = -1
		if r < len(next) {
			out[x.Seq-1] = next[r]
		}
	}
	return dst
}

// Params returns every parameter in state_dict order.
func (m *Transformer[T]) Params() []*engine.Param[T] {
	ps := []*engine.Param[T]{m.Embed.W, m.PosEmbed.W}
	for _, b := range m.Blocks {
		ps = append(ps, b.Params()...)
	}
	ps = append(ps, m.LNFinal.Params()...)
	if m.Unembed != nil {
		ps = append(ps, m.Unembed.Params()...)
	}
	return ps
}

// Sites lists every hook site in the order Forward reaches them.
func (m *Transformer[T]) Sites() []hook.SiteInfo {
	D := m.cfg.DModel
	s := []hook.SiteInfo{hook.Info(hook.Embed, -1, -1, D), hook.Info(hook.PosEmbed, -1, D)}
	for _, b := range m.Blocks {
		s = append(s, b.Sites()...)
	}
	return append(s, hook.Info(hook.FinalNorm, -1, -1, D))
}
