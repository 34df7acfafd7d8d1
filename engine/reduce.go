package engine

import (
	"math"

	"interloop/tensor"
)

// Reductions along axes. The reduced axes are dropped from the result (use
// Reshape to keep them as size 1); no axes means all axes (a scalar result).

type redKind uint8

const (
	redSum redKind = iota
	redMean
	redMax
	redLSE
)

var redNames = [...]string{"Sum", "Mean", "Max", "LogSumExp"}

type reduceOp[T Float] struct{ k redKind }

func (o reduceOp[T]) name() string { return redNames[o.k] }

// Sum returns the sum over the given axes (all when none).
func (tp *Tape[T]) Sum(x *Node[T], axes ...int) *Node[T] { return tp.reduce(redSum, x, axes) }

// Mean returns the mean over the given axes (all when none).
func (tp *Tape[T]) Mean(x *Node[T], axes ...int) *Node[T] { return tp.reduce(redMean, x, axes) }

// Max returns the maximum over the given axes (all when none). The gradient
// goes to the first maximal element.
func (tp *Tape[T]) Max(x *Node[T], axes ...int) *Node[T] { return tp.reduce(redMax, x, axes) }

// LogSumExp returns ln Σ eˣ over the given axes (all when none), computed
// stably.
func (tp *Tape[T]) LogSumExp(x *Node[T], axes ...int) *Node[T] { return tp.reduce(redLSE, x, axes) }

// reducePlan maps input offsets to output offsets.
func reducePlan(in []int, axes []int) (bc bcast, out [tensor.MaxRank]int, outRank int, mask uint, ok bool) {
	r := len(in)
	if len(axes) == 0 {
		mask = 1<<uint(r) - 1
	}
	for _, a := range axes {
		if a < 0 {
			a += r
		}
		if a < 0 || a >= r {
			return bc, out, 0, 0, false
		}
		mask |= 1 << uint(a)
	}
	var kept [tensor.MaxRank]int
	for i, d := range in {
		if mask&(1<<uint(i)) != 0 {
			kept[i] = 1
		} else {
			kept[i] = d
			out[outRank] = d
			outRank++
		}
	}
	bc = newBcast(in, in, kept[:r])
	return bc, out, outRank, mask, true
}

func (tp *Tape[T]) reduce(k redKind, x *Node[T], axes []int) *Node[T] {
	if tp.err != nil {
		return tp.deadNode()
	}
	bc, oshape, orank, mask, ok := reducePlan(x.Shape(), axes)
	if !ok {
		return tp.fail("engine: %s: axes %v out of range for shape %v", redNames[k], append([]int(nil), axes...), shapeCopy(x.Shape()))
	}
	out := tp.alloc(false, oshape[:orank]...)
	nd := tp.newNode(reduceOp[T]{k}, out, x)
	nd.ints[0] = int(mask)
	src, dst := x.Value.Data, out.Data
	count := len(src) / max(len(dst), 1)
	switch k {
	case redSum, redMean:
		clear(dst)
		bc.each(func(o, _, io, n, _, dio int) {
			if dio == 0 {
				var s T
				for i := 0; i < n; i++ {
					s += src[o+i]
				}
				dst[io] += s
				return
			}
			for i := 0; i < n; i++ {
				dst[io+i] += src[o+i]
			}
		})
		if k == redMean && count > 0 {
			inv := 1 / T(count)
			for i := range dst {
				dst[i] *= inv
			}
		}
	case redMax, redLSE:
		arg := tp.ints.get(len(dst))
		for i := range dst {
			dst[i] = T(math.Inf(-1))
			arg[i] = -1
		}
		bc.each(func(o, _, io, n, _, dio int) {
			for i := 0; i < n; i++ {
				j := io + i*dio
				if v := src[o+i]; v > dst[j] || arg[j] < 0 {
					dst[j], arg[j] = v, o+i
				}
			}
		})
		nd.idx = arg
		if k == redLSE {
			// dst holds the max; accumulate Σ exp(x − max) in a scratch.
			sum := tp.alloc(true, oshape[:orank]...)
			bc.each(func(o, _, io, n, _, dio int) {
				for i := 0; i < n; i++ {
					j := io + i*dio
					sum.Data[j] += T(math.Exp(float64(src[o+i] - dst[j])))
				}
			})
			for i := range dst {
				dst[i] += T(math.Log(float64(sum.Data[i])))
			}
		}
	}
	return nd
}

func (o reduceOp[T]) backward(tp *Tape[T], nd *Node[T]) {
	x := nd.in[0]
	if !x.requiresGrad {
		return
	}
	gx := tp.grad(x).Data
	g := nd.Grad.Data
	switch o.k {
	case redMax:
		for j, i := range nd.idx {
			gx[i] += g[j]
		}
		return
	}
	var axes [tensor.MaxRank]int
	in := x.Shape()
	bc, _, _, _, _ := reducePlan(in, maskAxes(nd.ints[0], len(in), axes[:0]))
	src, y := x.Value.Data, nd.Value.Data
	count := len(src) / max(len(y), 1)
	scale := T(1)
	if o.k == redMean && count > 0 {
		scale = 1 / T(count)
	}
	bc.each(func(off, _, io, n, _, dio int) {
		for i := 0; i < n; i++ {
			j := io + i*dio
			switch o.k {
			case redSum, redMean:
				gx[off+i] += g[j] * scale
			case redLSE:
				gx[off+i] += g[j] * T(math.Exp(float64(src[off+i]-y[j])))
			}
		}
	})
}

func maskAxes(mask, rank int, dst []int) []int {
	for i := 0; i < rank; i++ {
		if mask&(1<<uint(i)) != 0 {
			dst = append(dst, i)
		}
	}
	return dst
}
