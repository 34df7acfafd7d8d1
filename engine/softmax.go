package engine

import (
	"math"
	"unsafe"
)

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
	if inner == 1 {
		for o := 0; o < outer; o++ {
			row, y := src[o*n:(o+1)*n], dst[o*n:(o+1)*n]
			if k == smSoftmax {
				softmaxRow(y, row)
			} else {
				logSoftmaxRow(y, row)
			}
		}
		return nd
	}
	for o := 0; o < outer; o++ {
		for in := 0; in < inner; in++ {
			base := o*n*inner + in
			m := math.Inf(-1)
			for i := 0; i < n; i++ {
				m = math.Max(m, float64(src[base+i*inner]))
			}
			s := 0.0
			for i := 0; i < n; i++ {
				e := expFor[T](float64(src[base+i*inner]) - m)
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

// expFor is e^w for w ≤ 0 (a shifted softmax argument): the fast expNeg on
// float32 tapes, math.Exp on float64 ones. The size test is a constant in
// each instantiation, so the choice costs nothing.
func expFor[T Float](w float64) float64 {
	var z T
	if unsafe.Sizeof(z) == 4 {
		return expNeg(w)
	}
	return math.Exp(w)
}

// rowMax is the largest element (−Inf for an empty row; NaN propagates).
func rowMax[T Float](row []T) float64 {
	m := math.Inf(-1)
	for _, v := range row {
		m = math.Max(m, float64(v))
	}
	return m
}

// softmaxRow writes y = softmax(x) over one contiguous row and returns
// the row's max and Σ e^{x−max}.
func softmaxRow[T Float](y, x []T) (m, s float64) {
	if x32, ok := asF32(x); ok {
		y32, _ := asF32(y)
		return softmaxRowF32(y32, x32, 1)
	}
	m = rowMax(x)
	y = y[:len(x)]
	for i, v := range x {
		e := expFor[T](float64(v) - m)
		s += e
		y[i] = T(e)
	}
	inv := 1 / s
	for i, v := range y {
		y[i] = T(float64(v) * inv)
	}
	return m, s
}

// logSoftmaxRow writes y = x − logsumexp(x) over one contiguous row.
func logSoftmaxRow[T Float](y, x []T) {
	m := rowMax(x)
	s := 0.0
	for _, v := range x {
		s += expFor[T](float64(v) - m)
	}
	lse := m + math.Log(s)
	y = y[:len(x)]
	for i, v := range x {
		y[i] = T(float64(v) - lse)
	}
}

func (o softmaxOp[T]) backward(tp *Tape[T], nd *Node[T]) {
	x := nd.in[0]
	if !x.requiresGrad {
		return
	}
	gx, acc := tp.gradFor(x)
	if !acc {
		clear(gx)
	}
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

type causalSoftmaxOp[T Float] struct{}

func (causalSoftmaxOp[T]) name() string { return "CausalSoftmax" }

// CausalSoftmax is Softmax(CausalMask(Scale(scores, scale, 0)), −1) as one
// op: attention weights from raw scores [..., T, T], each query row q
// normalised over key positions k ≤ q; the weights above the diagonal are
// exactly 0 and receive no gradient. It makes one pass where the three ops
// make three full-size tensors, and skips the masked half.
func (tp *Tape[T]) CausalSoftmax(scores *Node[T], scale float64) *Node[T] {
	if tp.err != nil {
		return tp.deadNode()
	}
	s := scores.Shape()
	if len(s) < 2 || s[len(s)-1] != s[len(s)-2] {
		return tp.fail("engine: CausalSoftmax needs [..., T, T], got %v", shapeCopy(s))
	}
	t := s[len(s)-1]
	out := tp.alloc(false, s...)
	nd := tp.newNode(causalSoftmaxOp[T]{}, out, scores)
	nd.f[0] = scale
	src, dst := scores.Value.Data, out.Data
	sc := T(scale)
	s32, f32 := asF32(src)
	d32, _ := asF32(dst)
	for b := 0; b+t*t <= len(dst); b += t * t {
		for q := 0; q < t; q++ {
			if f32 {
				softmaxRowF32(d32[b+q*t:b+q*t+q+1], s32[b+q*t:b+q*t+q+1], float32(scale))
				clear(d32[b+q*t+q+1 : b+(q+1)*t])
				continue
			}
			row, y := src[b+q*t:b+q*t+q+1], dst[b+q*t:b+(q+1)*t]
			m := math.Inf(-1)
			for _, v := range row {
				m = math.Max(m, float64(v*sc))
			}
			var sum float64
			for i, v := range row {
				e := expFor[T](float64(v*sc) - m)
				sum += e
				y[i] = T(e)
			}
			inv := 1 / sum
			for i := range row {
				y[i] = T(float64(y[i]) * inv)
			}
			clear(y[q+1:])
		}
	}
	return nd
}

func (causalSoftmaxOp[T]) backward(tp *Tape[T], nd *Node[T]) {
	x := nd.in[0]
	if !x.requiresGrad {
		return
	}
	gx, acc := tp.gradFor(x)
	t := nd.Value.Dim(-1)
	g, y := nd.Grad.Data, nd.Value.Data
	sc := T(nd.f[0])
	for b := 0; b+t*t <= len(g); b += t * t {
		for q := 0; q < t; q++ {
			o := b + q*t
			gr, yr, dst := g[o:o+q+1], y[o:o+q+1], gx[o:o+t]
			// dx = scale · y ⊙ (g − Σ g·y) on k ≤ q, 0 above.
			var dot T
			for i, v := range gr {
				dot += v * yr[i]
			}
			if acc {
				for i, v := range gr {
					dst[i] += sc * yr[i] * (v - dot)
				}
				continue
			}
			for i, v := range gr {
				dst[i] = sc * yr[i] * (v - dot)
			}
			clear(dst[q+1:])
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
	// loss_r = ln s_r + m_r − x_r[t]. The logs are taken of products of up
	// to 16 sums: each s_r ∈ [1, C] (its largest term is 1), so a product
	// stays far inside float64's range, and one log replaces sixteen.
	total, count := 0.0, 0
	prod, factors := 1.0, 0
	for r := 0; r < rows; r++ {
		row := src[r*c : (r+1)*c]
		m, s := softmaxRow(probs.Data[r*c:(r+1)*c], row)
		if t := targets[r]; t >= 0 {
			total -= float64(row[t]) - m
			prod *= s
			if factors++; factors == 16 {
				total += math.Log(prod)
				prod, factors = 1, 0
			}
			count++
		}
	}
	total += math.Log(prod)
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
	gx, acc := tp.gradFor(x)
	probs := nd.saved[0].Data
	c := nd.saved[0].Dim(1)
	scale := nd.Grad.Data[0] / T(nd.ints[0])
	if nd.ints[0] == len(nd.idx) {
		// No ignored rows: one pass over the whole tensor, then the targets.
		scaleTo(gx, probs, scale, acc)
		for r, t := range nd.idx {
			gx[r*c+t] -= scale
		}
		return
	}
	for r, t := range nd.idx {
		if t < 0 {
			if !acc {
				clear(gx[r*c : (r+1)*c])
			}
			continue
		}
		// d/dx = (softmax − onehot(t)) · scale
		scaleTo(gx[r*c:(r+1)*c], probs[r*c:(r+1)*c], scale, acc)
		gx[r*c+t] -= scale
	}
}
