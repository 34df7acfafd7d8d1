package engine

import "math"

// Softmax, log-softmax and cross-entropy along one axis. The tensor is viewed
// as [outer, n, inner] around the axis.

type smKind uint8

const (
	smSoftmax smKind = iota
	smLogSoftmax
)

type softmaxOp[T Float] struct{ k smKind }

func (o softmaxOp[T]) name() string {
	if o.k == smSoftmax {
		return "Softmax"
	}
	return "LogSoftmax"
}

// Softmax normalises exp(x) along axis.
func (tp *Tape[T]) Softmax(x *Node[T], axis int) *Node[T] { return tp.softmax(smSoftmax, x, axis) }

// LogSoftmax returns x − logsumexp(x) along axis.
func (tp *Tape[T]) LogSoftmax(x *Node[T], axis int) *Node[T] {
	return tp.softmax(smLogSoftmax, x, axis)
}

// axisSplit views shape as [outer, n, inner] around axis.
func axisSplit(shape []int, axis int) (outer, n, inner int, ok bool) {
	if axis < 0 {
		axis += len(shape)
	}
	if axis < 0 || axis >= len(shape) {
		return 0, 0, 0, false
	}
	outer, inner = 1, 1
	for i, d := range shape {
		switch {
		case i < axis:
			outer *= d
		case i > axis:
			inner *= d
		}
	}
	return outer, shape[axis], inner, true
}

func (tp *Tape[T]) softmax(k smKind, x *Node[T], axis int) *Node[T] {
	if tp.err != nil {
		return tp.deadNode()
	}
	outer, n, inner, ok := axisSplit(x.Shape(), axis)
	if !ok {
		return tp.fail("engine: %s: axis %d out of range for shape %v", softmaxOp[T]{k}.name(), axis, shapeCopy(x.Shape()))
	}
	out := tp.alloc(false, x.Shape()...)
	nd := tp.newNode(softmaxOp[T]{k}, out, x)
	nd.ints = [4]int{outer, n, inner}
	src, dst := x.Value.Data, out.Data
	for o := 0; o < outer; o++ {
		for in := 0; in < inner; in++ {
			base := o*n*inner + in
			m := math.Inf(-1)
			for i := 0; i < n; i++ {
				m = math.Max(m, float64(src[base+i*inner]))
			}
			s := 0.0
			for i := 0; i < n; i++ {
				e := math.Exp(float64(src[base+i*inner]) - m)
				s += e
				if k == smSoftmax {
					dst[base+i*inner] = T(e)
				}
			}
			if k == smSoftmax {
				inv := 1 / s
				for i := 0; i < n; i++ {
					dst[base+i*inner] = T(float64(dst[base+i*inner]) * inv)
				}
			} else {
				lse := m + math.Log(s)
				for i := 0; i < n; i++ {
					dst[base+i*inner] = T(float64(src[base+i*inner]) - lse)
				}
			}
		}
	}
	return nd
}

func (o softmaxOp[T]) backward(tp *Tape[T], nd *Node[T]) {
	x := nd.in[0]
	if !x.requiresGrad {
		return
	}
	gx := tp.grad(x).Data
	g, y := nd.Grad.Data, nd.Value.Data
	outer, n, inner := nd.ints[0], nd.ints[1], nd.ints[2]
	for ou := 0; ou < outer; ou++ {
		for in := 0; in < inner; in++ {
			base := ou*n*inner + in
			if o.k == smSoftmax {
				// dx = y ⊙ (g − Σ g·y)
				var dot T
				for i := 0; i < n; i++ {
					j := base + i*inner
					dot += g[j] * y[j]
				}
				for i := 0; i < n; i++ {
					j := base + i*inner
					gx[j] += y[j] * (g[j] - dot)
				}
			} else {
				// dx = g − softmax ⊙ Σ g
				var sum T
				for i := 0; i < n; i++ {
					sum += g[base+i*inner]
				}
				for i := 0; i < n; i++ {
					j := base + i*inner
					gx[j] += g[j] - T(math.Exp(float64(y[j])))*sum
				}
			}
		}
	}
}

type crossEntropyOp[T Float] struct{}

func (crossEntropyOp[T]) name() string { return "CrossEntropy" }

// CrossEntropy returns the mean over rows of −log softmax(logits)[target],
// with logits [..., C] flattened to rows and one integer target per row in
// [0, C). A target of −1 is ignored (excluded from the mean, as PyTorch's
// ignore_index). targets is copied.
func (tp *Tape[T]) CrossEntropy(logits *Node[T], targets []int) *Node[T] {
	if tp.err != nil {
		return tp.deadNode()
	}
	shape := logits.Shape()
	if len(shape) == 0 {
		return tp.fail("engine: CrossEntropy on a scalar")
	}
	c := shape[len(shape)-1]
	rows := logits.Value.Len() / max(c, 1)
	if len(targets) != rows {
		return tp.fail("engine: CrossEntropy: %d targets for %d rows of %v", len(targets), rows, shapeCopy(shape))
	}
	for _, t := range targets {
		if t < -1 || t >= c {
			return tp.fail("engine: CrossEntropy: target %d outside [0, %d)", t, c)
		}
	}
	out := tp.alloc(false)
	// Saved softmax probabilities for the backward.
	probs := tp.alloc(false, rows, c)
	nd := tp.newNode(crossEntropyOp[T]{}, out, logits)
	nd.idx = tp.ints.copyOf(targets)
	nd.saved[0] = probs
	src := logits.Value.Data
	total, count := 0.0, 0
	for r := 0; r < rows; r++ {
		row := src[r*c : (r+1)*c]
		m := math.Inf(-1)
		for _, v := range row {
			m = math.Max(m, float64(v))
		}
		s := 0.0
		for i, v := range row {
			e := math.Exp(float64(v) - m)
			s += e
			probs.Data[r*c+i] = T(e)
		}
		inv := 1 / s
		for i := range row {
			probs.Data[r*c+i] = T(float64(probs.Data[r*c+i]) * inv)
		}
		if t := targets[r]; t >= 0 {
			total -= float64(row[t]) - m - math.Log(s)
			count++
		}
	}
	nd.ints[0] = count
	if count > 0 {
		out.Data[0] = T(total / float64(count))
	} else {
		out.Data[0] = 0
	}
	return nd
}

func (crossEntropyOp[T]) backward(tp *Tape[T], nd *Node[T]) {
	x := nd.in[0]
	if !x.requiresGrad || nd.ints[0] == 0 {
		return
	}
	gx := tp.grad(x).Data
	probs := nd.saved[0].Data
	c := nd.saved[0].Dim(1)
	scale := nd.Grad.Data[0] / T(nd.ints[0])
	for r, t := range nd.idx {
		if t < 0 {
			continue
		}
		for i := 0; i < c; i++ {
			gx[r*c+i] += scale * probs[r*c+i]
		}
		gx[r*c+t] -= scale
	}
}
