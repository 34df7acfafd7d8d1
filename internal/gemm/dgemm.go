package gemm

// Dgemm is the float64 counterpart of Sgemm, with the same semantics,
// layout and determinism guarantee. It is a portable, single-threaded
// blocked implementation meant for accuracy work (gradient checks), not
// for speed.
func Dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	checkArgs("Dgemm", transA, transB, m, n, k, lda, ldb, ldc, len(a), len(b), len(c))
	if m == 0 || n == 0 {
		return
	}
	// C = beta*C first; the product is then accumulated into C.
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		switch beta {
		case 0:
			clear(row)
		case 1:
		default:
			for j := range row {
				row[j] *= beta
			}
		}
	}
	if k == 0 || alpha == 0 {
		return
	}
	// Make op(B) available as a k x n row-major matrix.
	bt, ldbt := b, ldb
	var tb *[]float64
	if transB {
		select {
		case tb = <-dtransFree:
		default:
			tb = new([]float64)
		}
		if cap(*tb) < k*n {
			*tb = make([]float64, k*n)
		}
		bt, ldbt = (*tb)[:k*n], n
		for j := 0; j < n; j++ {
			for p := 0; p < k; p++ {
				bt[p*n+j] = b[j*ldb+p]
			}
		}
	}
	// Row-wise axpy over p in increasing order, blocked over n so that the
	// C row segment stays in cache: each C element accumulates its k terms
	// sequentially.
	const nb = 512
	for j0 := 0; j0 < n; j0 += nb {
		j1 := min(n, j0+nb)
		for i := 0; i < m; i++ {
			crow := c[i*ldc+j0 : i*ldc+j1]
			for p := 0; p < k; p++ {
				var av float64
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				av *= alpha
				brow := bt[p*ldbt+j0 : p*ldbt+j1]
				for jj, bv := range brow {
					crow[jj] += av * bv
				}
			}
		}
	}
	if tb != nil {
		select {
		case dtransFree <- tb:
		default:
		}
	}
}

// dtransFree recycles the buffers holding a transposed B.
var dtransFree = make(chan *[]float64, 16)
