package engine

import "interloop/tensor"

// Shape ops: Reshape shares data; Permute, Concat, Slice and the index ops
// copy.

type reshapeOp[T Float] struct{}

func (reshapeOp[T]) name() string { return "Reshape" }

// Reshape returns x with a new shape of the same size (one axis may be −1).
// The value shares x's data.
func (tp *Tape[T]) Reshape(x *Node[T], shape ...int) *Node[T] {
	if tp.err != nil {
		return tp.deadNode()
	}
	n := x.Value.Len()
	infer, known := -1, 1
	for i, d := range shape {
		if d == -1 && infer < 0 {
			infer = i
			continue
		}
		known *= d
	}
	var buf [tensor.MaxRank]int
	if len(shape) > tensor.MaxRank {
		return tp.fail("engine: Reshape to rank %d", len(shape))
	}
	s := buf[:copy(buf[:], shape)]
	if infer >= 0 && known > 0 && n%known == 0 {
		s[infer] = n / known
		known *= s[infer]
	}
	if known != n {
		return tp.fail("engine: Reshape of %v to %v", shapeCopy(x.Shape()), shapeCopy(shape))
	}
	return tp.newNode(reshapeOp[T]{}, tp.views.view(x.Value.Data, s), x)
}

func (reshapeOp[T]) backward(tp *Tape[T], nd *Node[T]) {
	x := nd.in[0]
	if !x.requiresGrad || tp.shareGrad(x, nd.Grad) {
		return
	}
	gx, acc := tp.gradFor(x)
	addTo(gx, nd.Grad.Data, acc)
}

type permuteOp[T Float] struct{}

func (permuteOp[T]) name() string { return "Permute" }

// Permute reorders axes: output axis i is input axis perm[i].
func (tp *Tape[T]) Permute(x *Node[T], perm ...int) *Node[T] {
	if tp.err != nil {
		return tp.deadNode()
	}
	in := x.Shape()
	if len(perm) != len(in) {
		return tp.fail("engine: Permute %v of shape %v", append([]int(nil), perm...), shapeCopy(in))
	}
	var shape [tensor.MaxRank]int
	var seen uint
	for i, p := range perm {
		if p < 0 || p >= len(in) || seen&(1<<uint(p)) != 0 {
			return tp.fail("engine: Permute %v is not a permutation of %d axes", append([]int(nil), perm...), len(in))
		}
		seen |= 1 << uint(p)
		shape[i] = in[p]
	}
	out := tp.alloc(false, shape[:len(in)]...)
	nd := tp.newNode(permuteOp[T]{}, out, x)
	nd.idx = tp.ints.copyOf(perm)
	permuteCopy(out.Data, x.Value.Data, in, perm, false)
	return nd
}

// Transpose swaps the last two axes.
func (tp *Tape[T]) Transpose(x *Node[T]) *Node[T] {
	r := x.Value.Rank()
	var perm [tensor.MaxRank]int
	for i := range r {
		perm[i] = i
	}
	if r >= 2 {
		perm[r-1], perm[r-2] = r-2, r-1
	}
	return tp.Permute(x, perm[:r]...)
}

// permuteCopy writes dst[out index] = src[in index] (or accumulates the
// reverse direction when back is set: src[in] += dst[out]).
func permuteCopy[T Float](dst, src []T, in []int, perm []int, back bool) {
	r := len(in)
	var inStr, str, shape, idx [tensor.MaxRank]int
	tensor.Strides(in, inStr[:])
	for i, p := range perm {
		str[i] = inStr[p]
		shape[i] = in[p]
	}
	if r == 0 {
		if back {
			src[0] += dst[0]
		} else {
			dst[0] = src[0]
		}
		return
	}
	last := r - 1
	n, s := shape[last], str[last]
	off := 0
	for o := 0; o < len(dst); o += n {
		if back {
			for i := 0; i < n; i++ {
				src[off+i*s] += dst[o+i]
			}
		} else {
			for i := 0; i < n; i++ {
				dst[o+i] = src[off+i*s]
			}
		}
		for ax := last - 1; ax >= 0; ax-- {
			idx[ax]++
			off += str[ax]
			if idx[ax] < shape[ax] {
				break
			}
			off -= str[ax] * shape[ax]
			idx[ax] = 0
		}
	}
}

func (permuteOp[T]) backward(tp *Tape[T], nd *Node[T]) {
	x := nd.in[0]
	if !x.requiresGrad {
		return
	}
	permuteCopy(nd.Grad.Data, tp.grad(x).Data, x.Shape(), nd.idx, true)
}

type concatOp[T Float] struct{}

func (concatOp[T]) name() string { return "Concat" }

// Concat joins two or three tensors along axis; other axes must match.
func (tp *Tape[T]) Concat(axis int, xs ...*Node[T]) *Node[T] {
	if tp.err != nil {
		return tp.deadNode()
	}
	if len(xs) < 1 || len(xs) > 3 {
		return tp.fail("engine: Concat takes 1 to 3 tensors, got %d (nest calls for more)", len(xs))
	}
	first := xs[0].Shape()
	if axis < 0 {
		axis += len(first)
	}
	if axis < 0 || axis >= len(first) {
		return tp.fail("engine: Concat axis %d for shape %v", axis, shapeCopy(first))
	}
	var shape [tensor.MaxRank]int
	copy(shape[:], first)
	shape[axis] = 0
	for _, x := range xs {
		s := x.Shape()
		if len(s) != len(first) {
			return tp.fail("engine: Concat of shapes %v and %v", shapeCopy(first), shapeCopy(s))
		}
		for i := range s {
			if i != axis && s[i] != first[i] {
				return tp.fail("engine: Concat of shapes %v and %v along axis %d", shapeCopy(first), shapeCopy(s), axis)
			}
		}
		shape[axis] += s[axis]
	}
	out := tp.alloc(false, shape[:len(first)]...)
	var nd *Node[T]
	switch len(xs) {
	case 1:
		nd = tp.newNode(concatOp[T]{}, out, xs[0])
	case 2:
		nd = tp.newNode(concatOp[T]{}, out, xs[0], xs[1])
	default:
		nd = tp.newNode(concatOp[T]{}, out, xs[0], xs[1], xs[2])
	}
	nd.ints = [4]int{axis, len(xs)}
	outer, total, inner, _ := axisSplit(out.Shape(), axis)
	pos := 0
	for _, x := range xs {
		w := x.Shape()[axis] * inner
		for o := 0; o < outer; o++ {
			copy(out.Data[o*total*inner+pos:], x.Value.Data[o*w:(o+1)*w])
		}
		pos += w
	}
	return nd
}

func (concatOp[T]) backward(tp *Tape[T], nd *Node[T]) {
	axis, count := nd.ints[0], nd.ints[1]
	outer, total, inner, _ := axisSplit(nd.Shape(), axis)
	g := nd.Grad.Data
	pos := 0
	for _, x := range nd.in[:count] {
		w := x.Shape()[axis] * inner
		if x.requiresGrad {
			gx := tp.grad(x).Data
			for o := 0; o < outer; o++ {
				src := g[o*total*inner+pos : o*total*inner+pos+w]
				dst := gx[o*w : (o+1)*w]
				for i, v := range src {
					dst[i] += v
				}
			}
		}
		pos += w
	}
}

type sliceOp[T Float] struct{}

func (sliceOp[T]) name() string { return "Slice" }

// Slice returns x[..., start:end, ...] along axis.
func (tp *Tape[T]) Slice(x *Node[T], axis, start, end int) *Node[T] {
	if tp.err != nil {
		return tp.deadNode()
	}
	in := x.Shape()
	if axis < 0 {
		axis += len(in)
	}
	if axis < 0 || axis >= len(in) || start < 0 || end > in[axis] || start > end {
		return tp.fail("engine: Slice axis %d [%d:%d] of shape %v", axis, start, end, shapeCopy(in))
	}
	var shape [tensor.MaxRank]int
	copy(shape[:], in)
	shape[axis] = end - start
	out := tp.alloc(false, shape[:len(in)]...)
	nd := tp.newNode(sliceOp[T]{}, out, x)
	nd.ints = [4]int{axis, start, end}
	outer, n, inner, _ := axisSplit(in, axis)
	w := (end - start) * inner
	for o := 0; o < outer; o++ {
		copy(out.Data[o*w:(o+1)*w], x.Value.Data[o*n*inner+start*inner:])
	}
	return nd
}

func (sliceOp[T]) backward(tp *Tape[T], nd *Node[T]) {
	x := nd.in[0]
	if !x.requiresGrad {
		return
	}
	axis, start, end := nd.ints[0], nd.ints[1], nd.ints[2]
	outer, n, inner, _ := axisSplit(x.Shape(), axis)
	w := (end - start) * inner
	gx, g := tp.grad(x).Data, nd.Grad.Data
	for o := 0; o < outer; o++ {
		dst := gx[o*n*inner+start*inner : o*n*inner+start*inner+w]
		for i, v := range g[o*w : (o+1)*w] {
			dst[i] += v
		}
	}
}

type indexOp[T Float] struct{}

func (indexOp[T]) name() string { return "Index" }

// Index selects entries idx along axis (repeats allowed): the result has
// len(idx) in place of that axis. With axis 0 on an embedding table [V, D]
// it is an embedding lookup. idx is copied.
func (tp *Tape[T]) Index(x *Node[T], axis int, idx []int) *Node[T] {
	if tp.err != nil {
		return tp.deadNode()
	}
	in := x.Shape()
	if axis < 0 {
		axis += len(in)
	}
	if axis < 0 || axis >= len(in) {
		return tp.fail("engine: Index axis %d of shape %v", axis, shapeCopy(in))
	}
	for _, i := range idx {
		if i < 0 || i >= in[axis] {
			return tp.fail("engine: Index %d out of range [0, %d) on axis %d", i, in[axis], axis)
		}
	}
	var shape [tensor.MaxRank]int
	copy(shape[:], in)
	shape[axis] = len(idx)
	out := tp.alloc(false, shape[:len(in)]...)
	nd := tp.newNode(indexOp[T]{}, out, x)
	nd.idx = tp.ints.copyOf(idx)
	nd.ints[0] = axis
	outer, n, inner, _ := axisSplit(in, axis)
	for o := 0; o < outer; o++ {
		for j, i := range idx {
			copy(out.Data[(o*len(idx)+j)*inner:(o*len(idx)+j+1)*inner], x.Value.Data[(o*n+i)*inner:])
		}
	}
	return nd
}

// Embedding looks up rows of table [V, D] for ids → [len(ids), D].
func (tp *Tape[T]) Embedding(table *Node[T], ids []int) *Node[T] { return tp.Index(table, 0, ids) }

func (indexOp[T]) backward(tp *Tape[T], nd *Node[T]) {
	x := nd.in[0]
	if !x.requiresGrad {
		return
	}
	outer, n, inner, _ := axisSplit(x.Shape(), nd.ints[0])
	gx, g := tp.grad(x).Data, nd.Grad.Data
	k := len(nd.idx)
	for o := 0; o < outer; o++ {
		for j, i := range nd.idx {
			dst := gx[(o*n+i)*inner : (o*n+i+1)*inner]
			for t, v := range g[(o*k+j)*inner : (o*k+j+1)*inner] {
				dst[t] += v
			}
		}
	}
}

type gatherOp[T Float] struct{}

func (gatherOp[T]) name() string { return "Gather" }

// Gather picks one entry per row along the last axis: x [..., C] and one
// index per row → [...] (take_along_axis with a single index; e.g. the
// log-probability of each chosen action).
func (tp *Tape[T]) Gather(x *Node[T], idx []int) *Node[T] {
	if tp.err != nil {
		return tp.deadNode()
	}
	in := x.Shape()
	if len(in) == 0 {
		return tp.fail("engine: Gather on a scalar")
	}
	c := in[len(in)-1]
	rows := x.Value.Len() / max(c, 1)
	if len(idx) != rows {
		return tp.fail("engine: Gather: %d indices for %d rows of %v", len(idx), rows, shapeCopy(in))
	}
	for _, i := range idx {
		if i < 0 || i >= c {
			return tp.fail("engine: Gather index %d outside [0, %d)", i, c)
		}
	}
	out := tp.alloc(false, in[:len(in)-1]...)
	nd := tp.newNode(gatherOp[T]{}, out, x)
	nd.idx = tp.ints.copyOf(idx)
	for r, i := range idx {
		out.Data[r] = x.Value.Data[r*c+i]
	}
	return nd
}

func (gatherOp[T]) backward(tp *Tape[T], nd *Node[T]) {
	x := nd.in[0]
	if !x.requiresGrad {
		return
	}
	c := x.Value.Dim(-1)
	gx := tp.grad(x).Data
	for r, i := range nd.idx {
		gx[r*c+i] += nd.Grad.Data[r]
	}
}
