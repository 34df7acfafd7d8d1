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
		z := z[o : o+n]
		switch {
		case da == 1 && db == 0:
			binVecScalar(k, z, x[ia:ia+n], y[ib])
		case da == 0 && db == 1:
			binScalarVec(k, z, x[ia], y[ib:ib+n])
		default:
			binSame(k, z, x[ia:ia+n*da+1-da], y[ib:ib+n*db+1-db])
		}
	})
	return nd
}

// binVecScalar computes z = x ∘ c elementwise.
func binVecScalar[T Float](k binKind, z, x []T, c T) {
	z = z[:len(x)]
	switch k {
	case binAdd:
		for i, v := range x {
			z[i] = v + c
		}
	case binSub:
		for i, v := range x {
			z[i] = v - c
		}
	case binMul:
		for i, v := range x {
			z[i] = v * c
		}
	default:
		for i, v := range x {
			z[i] = v / c
		}
	}
}

// binScalarVec computes z = c ∘ y elementwise.
func binScalarVec[T Float](k binKind, z []T, c T, y []T) {
	z = z[:len(y)]
	switch k {
	case binAdd:
		for i, v := range y {
			z[i] = c + v
		}
	case binSub:
		for i, v := range y {
			z[i] = c - v
		}
	case binMul:
		for i, v := range y {
			z[i] = c * v
		}
	default:
		for i, v := range y {
			z[i] = c / v
		}
	}
}

func binSame[T Float](k binKind, z, x, y []T) {
	z = z[:len(x)]
	y = y[:len(x)]
	if x32, ok := asF32(x); ok && k != binDiv {
		z32, _ := asF32(z)
		y32, _ := asF32(y)
		var n int
		if k == binMul {
			n = mulSIMD(z32, x32, y32, false)
		} else {
			n = addSubSIMD(z32, x32, y32, k == binSub)
		}
		z, x, y = z[n:], x[n:], y[n:]
	}
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
	full := func(n *Node[T]) bool { return n.requiresGrad && len(n.Value.Data) == len(g) }
	// Operands of the output's own shape: whole-tensor loops, storing into
	// fresh gradient buffers. An Add operand used nowhere else takes the
	// output gradient itself.
	aDone, bDone := !a.requiresGrad, !b.requiresGrad
	if full(a) && (o.k <= binSub || len(y) == len(g)) {
		aDone = true
		switch o.k {
		case binAdd, binSub:
			if !tp.shareGrad(a, nd.Grad) {
				ga, acc := tp.gradFor(a)
				addTo(ga, g, acc)
			}
		case binMul:
			ga, acc := tp.gradFor(a)
			mulTo(ga, g, y, acc)
		default:
			ga, acc := tp.gradFor(a)
			if !acc {
				clear(ga)
			}
			binGrad(o.k, g, x, y, ga, nil, 1, 1)
		}
	}
	if full(b) && (o.k <= binSub || len(x) == len(g)) {
		bDone = true
		switch o.k {
		case binAdd:
			if !tp.shareGrad(b, nd.Grad) {
				gb, acc := tp.gradFor(b)
				addTo(gb, g, acc)
			}
		case binSub:
			gb, acc := tp.gradFor(b)
			scaleTo(gb, g, -1, acc)
		case binMul:
			gb, acc := tp.gradFor(b)
			mulTo(gb, g, x, acc)
		default:
			gb, acc := tp.gradFor(b)
			if !acc {
				clear(gb)
			}
			binGrad(o.k, g, x, y, nil, gb, 1, 1)
		}
	}
	if aDone && bDone {
		return
	}
	// Broadcast operands: accumulate run by run into zeroed buffers.
	var ga, gb []T
	if !aDone {
		ga = tp.grad(a).Data
	}
	if !bDone {
		gb = tp.grad(b).Data
	}
	bc := newBcast(nd.Shape(), a.Shape(), b.Shape())
	bc.each(func(off, ia, ib, n, da, db int) {
		var gaS, gbS []T
		if ga != nil {
			gaS = ga[ia : ia+(n-1)*da+1]
		}
		if gb != nil {
			gbS = gb[ib : ib+(n-1)*db+1]
		}
		binGrad(o.k, g[off:off+n], x[ia:ia+(n-1)*da+1], y[ib:ib+(n-1)*db+1], gaS, gbS, da, db)
	})
}

// binGrad accumulates the gradients of one run: g is the output gradient;
// x, y, ga, gb are read or written at index i·da (i·db), so a stride of 0
// accumulates a broadcast operand's gradient into one element. ga or gb may
// be nil when that input needs no gradient.
func binGrad[T Float](k binKind, g, x, y, ga, gb []T, da, db int) {
	switch k {
	case binAdd, binSub:
		if ga != nil {
			if da == 1 {
				for i, v := range g {
					ga[i] += v
				}
			} else {
				var s T
				for _, v := range g {
					s += v
				}
				ga[0] += s
			}
		}
		if gb != nil {
			sign := T(1)
			if k == binSub {
				sign = -1
			}
			if db == 1 {
				for i, v := range g {
					gb[i] += sign * v
				}
			} else {
				var s T
				for _, v := range g {
					s += v
				}
				gb[0] += sign * s
			}
		}
	case binMul:
		if ga != nil {
			for i, v := range g {
				ga[i*da] += v * y[i*db]
			}
		}
		if gb != nil {
			for i, v := range g {
				gb[i*db] += v * x[i*da]
			}
		}
	default:
		if ga != nil {
			for i, v := range g {
				ga[i*da] += v / y[i*db]
			}
		}
		if gb != nil {
			for i, v := range g {
				yb := y[i*db]
				gb[i*db] -= v * x[i*da] / (yb * yb)
			}
		}
	}
}
