package probe

import (
	"fmt"
	"math"

	"interloop/engine"
	"interloop/optim"
	"interloop/rng"
	"interloop/tensor"
)

// AttnPoolConfig configures the learned attention-pooling probe. The zero
// value is 100 epochs of minibatch Adam over sequences (batch 32, learning
// rate 5e-3, no weight decay), seed 0.
type AttnPoolConfig struct {
	Epochs      int     `json:"epochs,omitempty"`       // 0 = 100
	BatchSize   int     `json:"batch_size,omitempty"`   // sequences per step; 0 = 32
	LR          float64 `json:"lr,omitempty"`           // 0 = 5e-3
	WeightDecay float64 `json:"weight_decay,omitempty"` // Adam L2 coefficient; 0 = none
	Seed        uint64  `json:"seed,omitempty"`
}

func (c AttnPoolConfig) resolved() (AttnPoolConfig, error) {
	if c.Epochs == 0 {
		c.Epochs = 100
	}
	if c.BatchSize == 0 {
		c.BatchSize = 32
	}
	if c.LR == 0 {
		c.LR = 5e-3
	}
	if c.Epochs < 1 || c.BatchSize < 1 || !(c.LR > 0) || !(c.WeightDecay >= 0) {
		return c, fmt.Errorf("%w: attention pool %+v", ErrConfig, c)
	}
	return c, nil
}

const attnStream = 0xA77

// maskedOut is the additive attention logit of an invalid position: large
// enough that its softmax weight is exactly 0 in float32.
const maskedOut = -1e9

// AttnPool is a learned attention-pooling probe over sequences. For sequence
// positions t with activations xₜ:
//
//	αₜ = softmax over valid t of q·xₜ
//	logit = Σₜ αₜ·(w·xₜ) + b,   Score = σ(logit)
//
// so the probe learns where to look (q) and what to read (w), as in the
// attention probes of RL-Obfuscation.
type AttnPool struct {
	cfg     AttnPoolConfig
	q, w, b *tensor.Tensor[float32] // [d, 1], [d, 1], [1]
}

// FitAttnPool trains the probe by minibatch Adam on the mean binary
// cross-entropy. q and w start at zero (uniform attention, score ½).
func FitAttnPool(s Seqs, y []bool, cfg AttnPoolConfig) (*AttnPool, error) {
	cfg, err := cfg.resolved()
	if err != nil {
		return nil, err
	}
	n, T, d, err := s.dims()
	if err != nil {
		return nil, fmt.Errorf("attnpool: %w", err)
	}
	if len(y) != n {
		return nil, fmt.Errorf("attnpool: %w: %d sequences, %d labels", ErrShape, n, len(y))
	}
	pos := 0
	for _, v := range y {
		if v {
			pos++
		}
	}
	if pos == 0 || pos == n {
		return nil, fmt.Errorf("attnpool: %w: %d positive of %d", ErrOneClass, pos, n)
	}
	a := &AttnPool{cfg: cfg, q: tensor.New[float32](d, 1), w: tensor.New[float32](d, 1), b: tensor.New[float32](1)}
	params := []*engine.Param[float32]{
		engine.NewParam("q", a.q), engine.NewParam("w", a.w), engine.NewParam("b", a.b),
	}
	opt, err := optim.NewAdam(params, optim.AdamConfig{LR: cfg.LR, WeightDecay: cfg.WeightDecay})
	if err != nil {
		return nil, fmt.Errorf("attnpool: %w", err)
	}
	step := T * d
	err = minibatches(n, cfg.Epochs, cfg.BatchSize, rng.New(cfg.Seed, attnStream), func(idx []int, tp *engine.Tape[float32]) (*engine.Node[float32], error) {
		xb := tensor.New[float32](len(idx), T, d) // [b, T, d]
		mb := tensor.New[float32](len(idx), T)    // [b, T] additive mask
		yb := tensor.New[float32](len(idx))       // [b]
		for k, i := range idx {
			copy(xb.Data[k*step:(k+1)*step], s.X.Data[i*step:(i+1)*step])
			for t := 0; t < T; t++ {
				if !s.valid(i, t, T) {
					mb.Data[k*T+t] = maskedOut
				}
			}
			if y[i] {
				yb.Data[k] = 1
			}
		}
		z := attnLogits(tp, tp.Const(xb), tp.Param(params[0]), tp.Param(params[1]), tp.Param(params[2]), tp.Const(mb))
		return bceWithLogits(tp, z, tp.Const(yb)), nil
	}, opt)
	if err != nil {
		return nil, fmt.Errorf("attnpool: %w", err)
	}
	return a, nil
}

// attnLogits records the probe on h [n, T, d] with additive mask [n, T]
// (0 valid, maskedOut invalid; nil = all valid) and returns logits [n].
func attnLogits[T tensor.Float](tp *engine.Tape[T], h, q, w, b, mask *engine.Node[T]) *engine.Node[T] {
	att := dropLast(tp, tp.Linear(h, q, nil)) // [n, T]
	if mask != nil {
		att = tp.Add(att, mask) // [n, T]
	}
	alpha := tp.Softmax(att, 1)                     // [n, T]
	val := dropLast(tp, tp.Linear(h, w, nil))       // [n, T]
	return tp.Add(tp.Sum(tp.Mul(alpha, val), 1), b) // [n] + [1]
}

// Kind implements SeqDetector.
func (a *AttnPool) Kind() string { return "attnpool" }

// Config returns the resolved config the probe was trained with.
func (a *AttnPool) Config() AttnPoolConfig { return a.cfg }

// Attention returns the attention weights αₜ (row-major [n, T], 0 at
// invalid positions): where the probe looks.
func (a *AttnPool) Attention(s Seqs) ([]float64, error) {
	n, T, _, err := a.check(s)
	if err != nil {
		return nil, err
	}
	alpha := make([]float64, n*T)
	for i := 0; i < n; i++ {
		a.sequence(s, i, alpha[i*T:(i+1)*T])
	}
	return alpha, nil
}

func (a *AttnPool) check(s Seqs) (n, T, d int, err error) {
	n, T, d, err = s.dims()
	if err != nil {
		return n, T, d, fmt.Errorf("attnpool: %w", err)
	}
	if d != a.q.Dim(0) {
		return n, T, d, fmt.Errorf("attnpool: %w: activations have width %d, probe expects %d", ErrShape, d, a.q.Dim(0))
	}
	return n, T, d, nil
}

// sequence computes sequence i's attention into alpha (len T) and returns
// its logit, in float64.
func (a *AttnPool) sequence(s Seqs, i int, alpha []float64) float64 {
	T, d := s.X.Dim(1), s.X.Dim(2)
	val := make([]float64, T)
	best := math.Inf(-1)
	for t := 0; t < T; t++ {
		if !s.valid(i, t, T) {
			alpha[t] = math.Inf(-1)
			continue
		}
		x := s.X.Data[(i*T+t)*d : (i*T+t+1)*d]
		var att, v float64
		for j, xv := range x {
			att += float64(a.q.Data[j]) * float64(xv)
			v += float64(a.w.Data[j]) * float64(xv)
		}
		alpha[t], val[t] = att, v
		best = math.Max(best, att)
	}
	var z float64
	for t := range alpha {
		alpha[t] = math.Exp(alpha[t] - best) // exp(−Inf) = 0 at invalid positions
		z += alpha[t]
	}
	logit := float64(a.b.Data[0])
	for t := range alpha {
		alpha[t] /= z
		logit += alpha[t] * val[t]
	}
	return logit
}

// ScoreSeqs implements SeqDetector, in float64 over the float32 weights.
func (a *AttnPool) ScoreSeqs(s Seqs, dst []float64) error {
	n, T, _, err := a.check(s)
	if err != nil {
		return err
	}
	if len(dst) != n {
		return fmt.Errorf("attnpool: %w: dst has length %d for %d sequences", ErrShape, len(dst), n)
	}
	alpha := make([]float64, T)
	for i := range dst {
		dst[i] = sigmoid(a.sequence(s, i, alpha))
	}
	return nil
}

// ScoreSeqNode implements DifferentiableSeq. The mask must hold n·T entries
// (a wrong length surfaces as a shape error on the tape).
func (a *AttnPool) ScoreSeqNode(tp *engine.Tape[float32], h *engine.Node[float32], mask []bool) *engine.Node[float32] {
	var m *engine.Node[float32]
	if mask != nil {
		mt := tensor.New[float32](len(mask)) // [n·T], reshaped when it fits
		for i, v := range mask {
			if !v {
				mt.Data[i] = maskedOut
			}
		}
		if hs := h.Shape(); len(hs) == 3 && hs[0]*hs[1] == len(mask) {
			mt = mt.Reshape(hs[0], hs[1])
		}
		m = tp.Const(mt)
	}
	return attnLogits(tp, h, tp.Const(a.q), tp.Const(a.w), tp.Const(a.b), m)
}

func init() { register("attnpool", decodeAttnPool) }

func (a *AttnPool) encode() (*document, error) {
	cfg, err := rawConfig(a.cfg)
	d := a.q.Dim(0)
	return &document{Config: cfg, Tensors: map[string]Array{
		"q": f32Array(a.q.Data, d, 1),
		"w": f32Array(a.w.Data, d, 1),
		"b": f32Array(a.b.Data, 1),
	}}, err
}

func decodeAttnPool(doc *document) (Kinded, error) {
	var cfg AttnPoolConfig
	if err := strictConfig(doc.Config, &cfg); err != nil {
		return nil, err
	}
	q, shape, err := doc.tensor("q", -1, 1)
	if err != nil {
		return nil, err
	}
	w, _, err := doc.tensor("w", shape[0], 1)
	if err != nil {
		return nil, err
	}
	b, _, err := doc.tensor("b", 1)
	if err != nil {
		return nil, err
	}
	if shape[0] == 0 {
		return nil, fmt.Errorf("%w: zero-width attention probe", ErrShape)
	}
	return &AttnPool{cfg: cfg,
		q: tensor.FromData(to32(q), shape[0], 1),
		w: tensor.FromData(to32(w), shape[0], 1),
		b: tensor.FromData(to32(b), 1),
	}, nil
}
