package engine

import (
	"interloop/internal/gemm"
	"interloop/tensor"
)

// gemmT dispatches C = alpha·op(A)·op(B) + beta·C to the float32 or float64
// kernel (row-major, leading dimensions are row strides).
func gemmT[T Float](ta, tb bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if a32, ok := asF32(a); ok {
		b32, _ := asF32(b)
		c32, _ := asF32(c)
		gemm.Sgemm(ta, tb, m, n, k, float32(alpha), a32, lda, b32, ldb, float32(beta), c32, ldc)
		return
	}
	gemm.Dgemm(ta, tb, m, n, k, float64(alpha), asF64(a), lda, asF64(b), ldb, float64(beta), asF64(c), ldc)
}

type matmulOp[T Float] struct{}

func (matmulOp[T]) name() string { return "MatMul" }

// MatMul returns a·b over the last two axes: a [..., m, k], b [k, n] or
// [..., k, n] with the same leading axes as a → [..., m, n].
func (tp *Tape[T]) MatMul(a, b *Node[T]) *Node[T] { return tp.MatMulT(a, b, false, false) }

// MatMulT is MatMul with either operand's last two axes transposed:
// op(a)·op(b) where op(x) = xᵀ when its flag is set (e.g. q·kᵀ in attention).
func (tp *Tape[T]) MatMulT(a, b *Node[T], transA, transB bool) *Node[T] {
	if tp.err != nil {
		return tp.deadNode()
	}
	as, bs := a.Shape(), b.Shape()
	if len(as) < 2 || len(bs) < 2 {
		return tp.fail("engine: MatMul needs rank ≥ 2, got %v and %v", shapeCopy(as), shapeCopy(bs))
	}
	m, k := as[len(as)-2], as[len(as)-1]
	if transA {
		m, k = k, m
	}
	kb, n := bs[len(bs)-2], bs[len(bs)-1]
	if transB {
		kb, n = n, kb
	}
	batchA, batchB := tensor.Size(as[:len(as)-2]), tensor.Size(bs[:len(bs)-2])
	if kb != k || (len(bs) > 2 && !tensor.SameShape(as[:len(as)-2], bs[:len(bs)-2])) {
		return tp.fail("engine: MatMul shapes %v and %v (transA=%v transB=%v) do not match", shapeCopy(as), shapeCopy(bs), transA, transB)
	}
	var shape [tensor.MaxRank]int
	r := copy(shape[:], as[:len(as)-2])
	shape[r], shape[r+1] = m, n
	out := tp.alloc(false, shape[:r+2]...)
	nd := tp.newNode(matmulOp[T]{}, out, a, b)
	nd.ints = [4]int{m, n, k, batchA}
	if transA {
		nd.f[0] = 1
	}
	if transB {
		nd.f[1] = 1
	}
	lda, ldb := k, n
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	if batchB == 1 && len(bs) == 2 && !transA {
		// Fold a's batch into its rows: one large product.
		gemmT(false, transB, batchA*m, n, k, 1, a.Value.Data, lda, b.Value.Data, ldb, 0, out.Data, n)
		return nd
	}
	sa, sb, sc := m*k, k*n, m*n
	for i := 0; i < batchA; i++ {
		bo := 0
		if batchB > 1 {
			bo = i * sb
		}
		gemmT(transA, transB, m, n, k, 1, a.Value.Data[i*sa:], lda, b.Value.Data[bo:], ldb, 0, out.Data[i*sc:], n)
	}
	return nd
}

func (matmulOp[T]) backward(tp *Tape[T], nd *Node[T]) {
	a, b := nd.in[0], nd.in[1]
	m, n, k, batch := nd.ints[0], nd.ints[1], nd.ints[2], nd.ints[3]
	transA, transB := nd.f[0] != 0, nd.f[1] != 0
	g := nd.Grad.Data
	batchB := tensor.Size(b.Shape()[:b.Value.Rank()-2])
	lda, ldb := k, n
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	sa, sb, sc := m*k, k*n, m*n
	if a.requiresGrad {
		ga, acc := tp.gradFor(a)
		beta := betaFor[T](acc)
		if batchB == 1 && b.Value.Rank() == 2 && !transA {
			// dA = dC·op(B)ᵀ folded over the batch.
			gemmT(false, !transB, batch*m, k, n, 1, g, n, b.Value.Data, ldb, beta, ga, k)
		} else {
			for i := 0; i < batch; i++ {
				bo := 0
				if batchB > 1 {
					bo = i * sb
				}
				bd := b.Value.Data[bo:]
				if !transA {
					// dA (m×k) = dC·op(B)ᵀ
					gemmT(false, !transB, m, k, n, 1, g[i*sc:], n, bd, ldb, beta, ga[i*sa:], k)
				} else {
					// A is k×m; dA = op(B)·dCᵀ (k×m)
					gemmT(transB, true, k, m, n, 1, bd, ldb, g[i*sc:], n, beta, ga[i*sa:], m)
				}
			}
		}
	}
	if b.requiresGrad {
		gb, acc := tp.gradFor(b)
		beta := betaFor[T](acc)
		if batchB == 1 && b.Value.Rank() == 2 && !transA {
			if !transB {
				// dB (k×n) = Aᵀ·dC over all folded rows.
				gemmT(true, false, k, n, batch*m, 1, a.Value.Data, k, g, n, beta, gb, n)
			} else {
				// B is n×k; dB = dCᵀ·A.
				gemmT(true, false, n, k, batch*m, 1, g, n, a.Value.Data, k, beta, gb, k)
			}
			return
		}
		if batchB == 1 && !acc {
			// A shared B accumulates over the batch: start from zero.
			clear(gb)
			beta = 1
		}
		for i := 0; i < batch; i++ {
			bo := 0
			if batchB > 1 {
				bo = i * sb
			}
			ad := a.Value.Data[i*sa:]
			if !transB {
				// dB (k×n) = op(A)ᵀ·dC
				gemmT(!transA, false, k, n, m, 1, ad, lda, g[i*sc:], n, beta, gb[bo:], n)
			} else {
				// B is n×k; dB = dCᵀ·op(A)
				gemmT(true, transA, n, k, m, 1, g[i*sc:], n, ad, lda, beta, gb[bo:], k)
			}
		}
	}
}

type linearOp[T Float] struct{}

func (linearOp[T]) name() string { return "Linear" }

// Linear returns x·w + b for x [..., in], w [in, out] and b [out] (b may be
// nil): the affine map of a dense layer, fused so the bias costs no extra
// pass.
func (tp *Tape[T]) Linear(x, w, b *Node[T]) *Node[T] {
	if tp.err != nil {
		return tp.deadNode()
	}
	xs, ws := x.Shape(), w.Shape()
	if len(xs) < 1 || len(ws) != 2 || xs[len(xs)-1] != ws[0] || (b != nil && (b.Value.Rank() != 1 || b.Value.Dim(0) != ws[1])) {
		var bs []int
		if b != nil {
			bs = shapeCopy(b.Shape())
		}
		return tp.fail("engine: Linear shapes x %v, w %v, b %v do not match", shapeCopy(xs), shapeCopy(ws), bs)
	}
	in, outDim := ws[0], ws[1]
	rows := x.Value.Len() / max(in, 1)
	var shape [tensor.MaxRank]int
	r := copy(shape[:], xs)
	shape[r-1] = outDim
	out := tp.alloc(false, shape[:r]...)
	nd := tp.newNode(linearOp[T]{}, out, x, w, b)
	beta := T(0)
	if b != nil {
		for i := 0; i < rows; i++ {
			copy(out.Data[i*outDim:(i+1)*outDim], b.Value.Data)
		}
		beta = 1
	}
	gemmT(false, false, rows, outDim, in, 1, x.Value.Data, in, w.Value.Data, outDim, beta, out.Data, outDim)
	return nd
}

func (linearOp[T]) backward(tp *Tape[T], nd *Node[T]) {
	x, w, b := nd.in[0], nd.in[1], nd.in[2]
	in, outDim := w.Value.Dim(0), w.Value.Dim(1)
	rows := x.Value.Len() / max(in, 1)
	g := nd.Grad.Data
	if x.requiresGrad {
		// dx [rows, in] (+)= g [rows, out] · wᵀ
		gx, acc := tp.gradFor(x)
		gemmT(false, true, rows, in, outDim, 1, g, outDim, w.Value.Data, outDim, betaFor[T](acc), gx, in)
	}
	if w.requiresGrad {
		// dw [in, out] (+)= xᵀ · g
		gw, acc := tp.gradFor(w)
		gemmT(true, false, in, outDim, rows, 1, x.Value.Data, in, g, outDim, betaFor[T](acc), gw, outDim)
	}
	if b != nil && b.requiresGrad {
		gb, acc := tp.gradFor(b)
		if !acc {
			clear(gb)
		}
		sumRowsTo(gb, g, outDim) // db [out] += Σ_rows g
	}
}

// betaFor is the gemm β that stores into (0) or accumulates into (1) a
// gradient buffer (see gradFor).
func betaFor[T Float](acc bool) T {
	if acc {
		return 1
	}
	return 0
}
