package nn

import (
	"fmt"
	"math"

	"interloop/engine"
	"interloop/rng"
	"interloop/tensor"
)

// LinearConfig configures a dense layer.
type LinearConfig struct {
	In, Out int    // input and output widths (required, > 0)
	NoBias  bool   // omit the bias (default: with bias, as torch.nn.Linear)
	Name    string // state_dict prefix, e.g. "layers.0." (default "": params "weight", "bias")
}

// Linear is y = x·W + b with W stored [In, Out] (the transpose of
// torch.nn.Linear's [out, in] weight: load a PyTorch weight by transposing
// it). Both W and b are initialised as PyTorch's default,
// U(−1/√In, 1/√In) (kaiming_uniform with a = √5 works out to this bound),
// drawn from the given rng: W first, row-major in our layout, then b.
type Linear[T tensor.Float] struct {
	W, B    *engine.Param[T] // B is nil with NoBias
	In, Out int
}

// NewLinear returns a freshly initialised dense layer.
func NewLinear[T tensor.Float](cfg LinearConfig, r *rng.PCG) (*Linear[T], error) {
	if cfg.In <= 0 || cfg.Out <= 0 {
		return nil, fmt.Errorf("nn: Linear %q: In and Out must be positive, got %d, %d", cfg.Name, cfg.In, cfg.Out)
	}
	bound := 1 / math.Sqrt(float64(cfg.In))
	l := &Linear[T]{In: cfg.In, Out: cfg.Out}
	l.W = engine.NewParam(cfg.Name+"weight", tensor.Rand[T](r, -bound, bound, cfg.In, cfg.Out))
	if !cfg.NoBias {
		l.B = engine.NewParam(cfg.Name+"bias", tensor.Rand[T](r, -bound, bound, cfg.Out))
	}
	return l, nil
}

// Forward returns x·W + b: x [..., In] → [..., Out].
func (l *Linear[T]) Forward(tp *engine.Tape[T], x *engine.Node[T]) *engine.Node[T] {
	var b *engine.Node[T]
	if l.B != nil {
		b = tp.Param(l.B)
	}
	return tp.Linear(x, tp.Param(l.W), b)
}

// Params returns W then b.
func (l *Linear[T]) Params() []*engine.Param[T] {
	if l.B == nil {
		return []*engine.Param[T]{l.W}
	}
	return []*engine.Param[T]{l.W, l.B}
}

// LayerNormConfig configures a layer normalisation over the last axis.
type LayerNormConfig struct {
	Dim  int     // normalised width (required, > 0)
	Eps  float64 // added to the variance (default 1e-5, as PyTorch)
	Name string  // state_dict prefix (params Name+"weight", Name+"bias")
}

// LayerNorm normalises its input over the last axis with the biased
// variance and applies a gain (init 1) and bias (init 0), as
// torch.nn.LayerNorm with elementwise_affine.
type LayerNorm[T tensor.Float] struct {
	Gain, Bias *engine.Param[T]
	Eps        float64
}

// NewLayerNorm returns a LayerNorm with unit gain and zero bias.
func NewLayerNorm[T tensor.Float](cfg LayerNormConfig) (*LayerNorm[T], error) {
	if cfg.Dim <= 0 {
		return nil, fmt.Errorf("nn: LayerNorm %q: Dim must be positive, got %d", cfg.Name, cfg.Dim)
	}
	eps := cfg.Eps
	if eps == 0 {
		eps = 1e-5
	}
	g := tensor.New[T](cfg.Dim)
	g.Fill(1)
	return &LayerNorm[T]{
		Gain: engine.NewParam(cfg.Name+"weight", g),
		Bias: engine.NewParam(cfg.Name+"bias", tensor.New[T](cfg.Dim)),
		Eps:  eps,
	}, nil
}

// Forward normalises x [..., Dim] → [..., Dim].
func (n *LayerNorm[T]) Forward(tp *engine.Tape[T], x *engine.Node[T]) *engine.Node[T] {
	return tp.LayerNorm(x, tp.Param(n.Gain), tp.Param(n.Bias), n.Eps)
}

// Params returns the gain then the bias.
func (n *LayerNorm[T]) Params() []*engine.Param[T] { return []*engine.Param[T]{n.Gain, n.Bias} }

// EmbeddingConfig configures a lookup table.
type EmbeddingConfig struct {
	Num, Dim int     // table rows and width (required, > 0)
	Std      float64 // init standard deviation (default 1, torch.nn.Embedding's N(0, 1))
	Name     string  // state_dict prefix (param Name+"weight")
}

// Embedding is a [Num, Dim] table of learned vectors, stored like
// torch.nn.Embedding (no transpose when loading).
type Embedding[T tensor.Float] struct {
	W *engine.Param[T]
}

// NewEmbedding returns a table initialised N(0, Std²).
func NewEmbedding[T tensor.Float](cfg EmbeddingConfig, r *rng.PCG) (*Embedding[T], error) {
	if cfg.Num <= 0 || cfg.Dim <= 0 {
		return nil, fmt.Errorf("nn: Embedding %q: Num and Dim must be positive, got %d, %d", cfg.Name, cfg.Num, cfg.Dim)
	}
	std := cfg.Std
	if std == 0 {
		std = 1
	}
	return &Embedding[T]{W: engine.NewParam(cfg.Name+"weight", tensor.Randn[T](r, std, cfg.Num, cfg.Dim))}, nil
}

// Forward looks up ids → [len(ids), Dim].
func (e *Embedding[T]) Forward(tp *engine.Tape[T], ids []int) *engine.Node[T] {
	return tp.Embedding(tp.Param(e.W), ids)
}

// Params returns the table.
func (e *Embedding[T]) Params() []*engine.Param[T] { return []*engine.Param[T]{e.W} }

// Activation selects an elementwise nonlinearity.
type Activation uint8

// Activations. The zero value is ReLU.
const (
	ReLU     Activation = iota
	GELU                // exact (erf) GELU, torch.nn.GELU()
	Tanh                //
	Identity            // no nonlinearity
)

var actNames = [...]string{"relu", "gelu", "tanh", "identity"}

func (a Activation) String() string {
	if int(a) < len(actNames) {
		return actNames[a]
	}
	return fmt.Sprintf("Activation(%d)", a)
}

func (a Activation) valid() bool { return int(a) < len(actNames) }

// activate records a(x) on the tape.
func activate[T tensor.Float](a Activation, tp *engine.Tape[T], x *engine.Node[T]) *engine.Node[T] {
	switch a {
	case GELU:
		return tp.Gelu(x)
	case Tanh:
		return tp.Tanh(x)
	case Identity:
		return x
	default:
		return tp.Relu(x)
	}
}
