package probe

import (
	"sync"

	"interloop/engine"
	"interloop/tensor"
)

// Differentiable is a detector that can be recorded on an autodiff tape, so
// a training loss can put a gradient through it (technique (a): a probe
// penalty differentiated into the model).
//
// ScoreNode records the detector on tp for activations h of shape [..., d]
// and returns the logits, shape [...]: Score = σ(logit). Logits rather than
// probabilities keep losses stable (−log(1 − score) = Softplus(logit)).
// Shape errors are recorded on the tape like any engine op error (check
// tp.Err or Backward). The detector's weights enter as constants: no gradient
// reaches them, and ScoreNode never mutates the detector.
type Differentiable interface {
	Detector
	ScoreNode(tp *engine.Tape[float32], h *engine.Node[float32]) *engine.Node[float32]
}

// DifferentiableSeq is the sequence counterpart: h is [n, T, d], mask the
// [n, T] valid positions (nil = all), and the result the [n] logits.
type DifferentiableSeq interface {
	SeqDetector
	ScoreSeqNode(tp *engine.Tape[float32], h *engine.Node[float32], mask []bool) *engine.Node[float32]
}

// head32 caches a linear detector's weights as float32 tensors for the tape.
// It is built once, on first use, and read-only afterwards, so concurrent
// ScoreNode calls are safe.
type head32 struct {
	once sync.Once
	w, b *tensor.Tensor[float32] // [d, 1], [1]
}

func (h *head32) get(weights func() ([]float64, float64)) (*tensor.Tensor[float32], *tensor.Tensor[float32]) {
	h.once.Do(func() {
		w, b := weights()
		h.w = tensor.New[float32](len(w), 1)
		for j, v := range w {
			h.w.Data[j] = float32(v)
		}
		h.b = tensor.FromData([]float32{float32(b)}, 1)
	})
	return h.w, h.b
}

// linearLogits records h·w + b for h [..., d], w [d, 1], b [1] and returns
// shape [...].
func linearLogits[T tensor.Float](tp *engine.Tape[T], h, w, b *engine.Node[T]) *engine.Node[T] {
	return dropLast(tp, tp.Linear(h, w, b)) // [..., 1] → [...]
}

// dropLast removes a trailing axis of size 1.
func dropLast[T tensor.Float](tp *engine.Tape[T], z *engine.Node[T]) *engine.Node[T] {
	s := z.Shape()
	if len(s) == 0 { // a failed op's placeholder: the tape holds the error
		return z
	}
	var buf [tensor.MaxRank]int
	return tp.Reshape(z, buf[:copy(buf[:], s[:len(s)-1])]...)
}

func linearScoreNode(tp *engine.Tape[float32], h *engine.Node[float32], c *head32, weights func() ([]float64, float64)) *engine.Node[float32] {
	wt, bt := c.get(weights)
	return linearLogits(tp, h, tp.Const(wt), tp.Const(bt))
}

// ScoreNode implements Differentiable: logits w·h + b.
func (l *Logistic) ScoreNode(tp *engine.Tape[float32], h *engine.Node[float32]) *engine.Node[float32] {
	return linearScoreNode(tp, h, &l.head, l.Weights)
}

// ScoreNode implements Differentiable: logits a·(u·h − t).
func (m *DiffMeans) ScoreNode(tp *engine.Tape[float32], h *engine.Node[float32]) *engine.Node[float32] {
	return linearScoreNode(tp, h, &m.head, m.Weights)
}

// ScoreNode implements Differentiable: logits w·h + b.
func (l *LDA) ScoreNode(tp *engine.Tape[float32], h *engine.Node[float32]) *engine.Node[float32] {
	return linearScoreNode(tp, h, &l.head, l.Weights)
}

// AsDifferentiable returns the ensemble as a Differentiable when every
// member is one. Its logit is that of the mean member probability,
// logit(p̄) = log Σₘ σ(lₘ) − log Σₘ σ(−lₘ), computed stably as a difference
// of log-sum-exps of −softplus(∓lₘ).
func (e *Ensemble) AsDifferentiable() (Differentiable, bool) {
	ms := make([]Differentiable, len(e.members))
	for i, m := range e.members {
		d, ok := m.(Differentiable)
		if !ok {
			return nil, false
		}
		ms[i] = d
	}
	return &diffEnsemble{Ensemble: e, members: ms}, true
}

type diffEnsemble struct {
	*Ensemble
	members []Differentiable
}

func (e *diffEnsemble) ScoreNode(tp *engine.Tape[float32], h *engine.Node[float32]) *engine.Node[float32] {
	ls := make([]*engine.Node[float32], len(e.members))
	for i, m := range e.members {
		ls[i] = m.ScoreNode(tp, h)
	}
	return ensembleLogits(tp, ls)
}

// ensembleLogits combines member logits (each of shape [...]) into the
// logit of their mean probability.
func ensembleLogits[T tensor.Float](tp *engine.Tape[T], ls []*engine.Node[T]) *engine.Node[T] {
	var stack *engine.Node[T] // [m, ...]
	for _, l := range ls {
		var buf [tensor.MaxRank]int
		buf[0] = 1
		s := l.Shape()
		if len(s)+1 > tensor.MaxRank {
			return tp.Reshape(l, buf[:]...) // records a rank error on the tape
		}
		row := tp.Reshape(l, buf[:1+copy(buf[1:], s)]...) // [1, ...]
		if stack == nil {
			stack = row
		} else {
			stack = tp.Concat(0, stack, row)
		}
	}
	logP := tp.LogSumExp(tp.Neg(tp.Softplus(tp.Neg(stack))), 0) // log Σ σ(l)
	logQ := tp.LogSumExp(tp.Neg(tp.Softplus(stack)), 0)         // log Σ σ(−l)
	return tp.Sub(logP, logQ)
}

// AsDifferentiable returns the calibrated detector as a Differentiable when
// its base is one: logit = A·(base logit) + B. (Score clamps the base score
// to [1e-15, 1−1e-15] before taking its logit; the two agree elsewhere.)
func (c *Calibrated) AsDifferentiable() (Differentiable, bool) {
	b, ok := c.base.(Differentiable)
	if !ok {
		return nil, false
	}
	return &diffCalibrated{Calibrated: c, base: b}, true
}

type diffCalibrated struct {
	*Calibrated
	base Differentiable
}

func (c *diffCalibrated) ScoreNode(tp *engine.Tape[float32], h *engine.Node[float32]) *engine.Node[float32] {
	return tp.Scale(c.base.ScoreNode(tp, h), c.platt.A, c.platt.B)
}
