package engine

import "interloop/tensor"

// Binary elementwise ops with NumPy broadcasting. The backward of a
// broadcast input sums the output gradient over the axes it was broadcast
// along.

type binKind uint8

const (
	binAdd binKind = iota
	binSub
	binMul
	binDiv
)

var binNames = [...]string{"Add", "Sub", "Mul", "Div"}

type binaryOp[T Float] struct{ k binKind }

func (o binaryOp[T]) name() string { return binNames[o.k] }

// Add returns a + b (broadcasting).
func (tp *Tape[T]) Add(a, b *Node[T]) *Node[T] { return tp.binary(binAdd, a, b) }

// Sub returns a − b (broadcasting).
func (tp *Tape[T]) Sub(a, b *Node[T]) *Node[T] { return tp.binary(binSub, a, b) }

// Mul returns a ⊙ b (broadcasting).
func (tp *Tape[T]) Mul(a, b *Node[T]) *Node[T] { return tp.binary(binMul, a, b) }

// Div returns a ⊘ b (broadcasting).
func (tp *Tape[T]) Div(a, b *Node[T]) *Node[T] { return tp.binary(binDiv, a, b) }

// bcast describes a broadcast of two operands to an output shape: strides of
// each operand in output index space (0 along broadcast axes).
type bcast struct {
	shape  [tensor.MaxRank]int
	sa, sb [tensor.MaxRank]int
	rank   int
}

func newBcast(out, a, b []int) bcast {
	var bc bcast
	bc.rank = copy(bc.shape[:], out)
	tensor.BroadcastStrides(a, out, bc.sa[:])
	tensor.BroadcastStrides(b, out, bc.sb[:])
	return bc
}

// each calls fn for every run of the innermost axis: output offset o, operand
// offsets ia and ib, run length n, and operand increments da, db (0 or 1).
func (bc *bcast) each(fn func(o, ia, ib, n, da, db int)) {
	if bc.rank == 0 {
		fn(0, 0, 0, 1, 0, 0)
		return
	}
	last := bc.rank - 1
	n := bc.shape[last]
	da, db := bc.sa[last], bc.sb[last]
	var idx [tensor.MaxRank]int
	outer := 1
	for i := 0; i < last; i++ {
		outer *= bc.shape[i]
	}
	ia, ib := 0, 0
	for r := 0; r < outer; r++ {
		fn(r*n, ia, ib, n, da, db)
		// Increment the multi-index over the outer axes.
		for ax := last - 1; ax >= 0; ax-- {
			idx[ax]++
			ia += bc.sa[ax]
			ib += bc.sb[ax]
			if idx[ax] < bc.shape[ax] {
				break
			}
			ia -= bc.sa[ax] * bc.shape[ax]
			ib -= bc.sb[ax] * bc.shape[ax]
			idx[ax] = 0
		}
	}
}

func (tp *Tape[T]) binary(k binKind, a, b *Node[T]) *Node[T] {
	if tp.err != nil {
		return tp.deadNode()
	}
	var buf [tensor.MaxRank]int
	shape, err := tensor.BroadcastShape(a.Shape(), b.Shape(), buf[:])
	if err != nil {
		return tp.fail("engine: %s: %v", binNames[k], err)
	}
	out := tp.alloc(false, shape...)
	nd := tp.newNode(binaryOp[T]{k}, out, a, b)
	x, y, z := a.Value.Data, b.Value.Data, out.Data
	if len(x) == len(z) && len(y) == len(z) {
		binSame(k, z, x, y)
		return nd
	}
	bc := newBcast(shape, a.Shape(), b.Shape())
	bc.each(func(o, ia, ib, n, da, db int) {
		for i := 0; i < n; i++ {
			u, v := x[ia+i*da], y[ib+i*db]
			switch k {
			case binAdd:
				z[o+i] = u + v
			case binSub:
				z[o+i] = u - v
			case binMul:
				z[o+i] = u * v
			default:
				z[o+i] = u / v
			}
		}
	})
	return nd
}

func binSame[T Float](k binKind, z, x, y []T) {
	z = z[:len(x)]
	y = y[:len(x)]
	switch k {
	case binAdd:
		for i := range x {
			z[i] = x[i] + y[i]
		}
	case binSub:
		for i := range x {
			z[i] = x[i] - y[i]
		}
	case binMul:
		for i := range x {
			z[i] = x[i] * y[i]
		}
	default:
		for i := range x {
			z[i] = x[i] / y[i]
		}
	}
}

func (o binaryOp[T]) backward(tp *Tape[T], nd *Node[T]) {
	a, b := nd.in[0], nd.in[1]
	g := nd.Grad.Data
	x, y := a.Value.Data, b.Value.Data
	var ga, gb []T
	if a.requiresGrad {
		ga = tp.grad(a).Data
	}
	if b.requiresGrad {
		gb = tp.grad(b).Data
	}
	bc := newBcast(nd.Shape(), a.Shape(), b.Shape())
	k := o.k
	bc.each(func(off, ia, ib, n, da, db int) {
		for i := 0; i < n; i++ {
			gi := g[off+i]
			ja, jb := ia+i*da, ib+i*db
			switch k {
			case binAdd:
				if ga != nil {
					ga[ja] += gi
				}
				if gb != nil {
					gb[jb] += gi
				}
			case binSub:
				if ga != nil {
					ga[ja] += gi
				}
				if gb != nil {
					gb[jb] -= gi
				}
			case binMul:
				if ga != nil {
					ga[ja] += gi * y[jb]
				}
				if gb != nil {
					gb[jb] += gi * x[ja]
				}
			default:
				if ga != nil {
					ga[ja] += gi / y[jb]
				}
				if gb != nil {
					gb[jb] -= gi * x[ja] / (y[jb] * y[jb])
				}
			}
		}
	})
}
