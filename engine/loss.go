package engine

import "interloop/tensor"

// Fused losses against constant targets. Each returns a scalar
//
//	Σ_rows Σ_c w_c · ℓ(x[row, c], y[row, c]) / rows
//
// where rows are the tensor's elements grouped by its last axis, and w is an
// optional per-column weight vector ([C]; nil weighs every column 1; a zero
// weight skips the column entirely). Targets and weights are referenced, not
// copied, and must not change before Backward.

type lossKind uint8

const (
	lossSquared lossKind = iota
	lossBCE
)

type fusedLossOp[T Float] struct{ k lossKind }

func (o fusedLossOp[T]) name() string {
	if o.k == lossSquared {
		return "SquaredError"
	}
	return "BCEWithLogits"
}

// SquaredError is the weighted mean over rows of Σ_c w_c·(x − y)².
func (tp *Tape[T]) SquaredError(x *Node[T], y, w *tensor.Tensor[T]) *Node[T] {
	return tp.fusedLoss(lossSquared, x, y, w)
}

// BCEWithLogits is the weighted mean over rows of Σ_c w_c·(softplus(x) − y·x):
// binary cross-entropy of targets y ∈ [0, 1] given logits x, computed stably.
func (tp *Tape[T]) BCEWithLogits(x *Node[T], y, w *tensor.Tensor[T]) *Node[T] {
	return tp.fusedLoss(lossBCE, x, y, w)
}

func (tp *Tape[T]) fusedLoss(k lossKind, x *Node[T], y, w *tensor.Tensor[T]) *Node[T] {
	if tp.err != nil {
		return tp.deadNode()
	}
	o := fusedLossOp[T]{k}
	xs := x.Shape()
	if !tensor.SameShape(xs, y.Shape()) || len(xs) == 0 {
		return tp.fail("engine: %s: logits %v and targets %v", o.name(), shapeCopy(xs), shapeCopy(y.Shape()))
	}
	c := xs[len(xs)-1]
	if w != nil && w.Len() != c {
		return tp.fail("engine: %s: %d column weights for last axis %d", o.name(), w.Len(), c)
	}
	out := tp.alloc(false)
	nd := tp.newNode(o, out, x)
	nd.saved = [2]*tensor.Tensor[T]{y, w}
	xd, yd := x.Value.Data, y.Data
	rows := len(xd) / max(c, 1)
	total := 0.0
	for col := 0; col < c; col++ {
		wc := 1.0
		if w != nil {
			wc = float64(w.Data[col])
		}
		if wc == 0 {
			continue
		}
		s := 0.0
		for i := col; i < len(xd); i += c {
			v, t := float64(xd[i]), float64(yd[i])
			if k == lossSquared {
				s += (v - t) * (v - t)
			} else {
				s += softplus(v) - t*v
			}
		}
		total += wc * s
	}
	out.Data[0] = T(total / float64(max(rows, 1)))
	return nd
}

func (o fusedLossOp[T]) backward(tp *Tape[T], nd *Node[T]) {
	x := nd.in[0]
	if !x.requiresGrad {
		return
	}
	y, w := nd.saved[0], nd.saved[1]
	gx := tp.grad(x).Data
	xd, yd := x.Value.Data, y.Data
	c := x.Value.Dim(-1)
	rows := len(xd) / max(c, 1)
	g := float64(nd.Grad.Data[0]) / float64(max(rows, 1))
	for col := 0; col < c; col++ {
		wc := 1.0
		if w != nil {
			wc = float64(w.Data[col])
		}
		if wc == 0 {
			continue
		}
		s := g * wc
		for i := col; i < len(xd); i += c {
			v, t := float64(xd[i]), float64(yd[i])
			if o.k == lossSquared {
				gx[i] += T(s * 2 * (v - t))
			} else {
				gx[i] += T(s * (sigmoid(v) - t))
			}
		}
	}
}
