package gemm

import "unsafe"

// smallBT is the largest op(B) (k*n elements) that the small path
// transposes into a stack buffer when B is transposed.
const smallBT = 256

// sgemmSmall handles products too small to pack or thread (m*n*k <
// packMin, one k block): the kernels read A, B and C in place, so the call
// costs little more than the kernel calls themselves. A transposed B is
// first transposed into a small stack buffer.
func sgemmSmall(impl int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if transB {
		var bt [smallBT]float32
		transposeSmall(impl, bt[:k*n], b, ldb, n, k)
		sgemmDirect(impl, transA, m, n, k, alpha, a, lda, bt[:k*n], n, beta, c, ldc)
		return
	}
	sgemmDirect(impl, transA, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// sgemmDirect runs the kernels over C with A and B (not transposed) read
// in place. k must fit in one k block.
func sgemmDirect(impl int, transA bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	g := &geoms[impl]
	MR, NR := g.mr, g.nr
	var kp kparams
	kp.k = k
	kp.rsB = 4 * ldb
	kp.ldc = 4 * ldc
	kp.alpha, kp.beta = alpha, beta
	if beta != 0 {
		kp.loadC = 1
	}
	kp.rsA, kp.csA = 4*lda, 4
	if transA {
		kp.rsA, kp.csA = 4, 4*lda
	}
	aBase := unsafe.Pointer(unsafe.SliceData(a))
	bBase := unsafe.Pointer(unsafe.SliceData(b))
	cBase := unsafe.Pointer(unsafe.SliceData(c))
	for jr := 0; jr < n; jr += NR {
		nr := min(NR, n-jr)
		mask := uint64(1)<<nr - 1
		kp.m0, kp.m1 = uint16(mask), uint16(mask>>16)
		kp.ymask = unsafe.Pointer(&ymaskTab[7-(nr-1)%8])
		kp.b = unsafe.Add(bBase, 4*jr)
		for ir := 0; ir < m; ir += MR {
			kp.a = unsafe.Add(aBase, ir*kp.rsA)
			kp.c = unsafe.Add(cBase, 4*(ir*ldc+jr))
			callKernel(impl, min(MR, m-ir), nr, &kp)
		}
	}
}

// transposeSmall writes the k x n matrix op(B) = Bᵀ (B stored n x k with
// row stride ldb) to dst with row stride n.
func transposeSmall(impl int, dst, b []float32, ldb, n, k int) {
	if haveAsmPack && impl == implAVX512 {
		_ = b[(n-1)*ldb+k-1]
		_ = dst[(k-1)*n+n-1]
		for j0 := 0; j0 < n; j0 += 16 {
			for p0 := 0; p0 < k; p0 += 16 {
				tr16(unsafe.Pointer(&b[j0*ldb+p0]), 4*ldb, min(16, n-j0), unsafe.Pointer(&dst[p0*n+j0]), 4*n, min(16, k-p0))
			}
		}
		return
	}
	for j := 0; j < n; j++ {
		row := b[j*ldb : j*ldb+k]
		for p, v := range row {
			dst[p*n+j] = v
		}
	}
}

// narrowN is the widest C for which sgemmNarrowT computes Cᵀ instead.
const narrowN = 8

// useNarrow enables sgemmNarrowT (tests turn it off to compare).
var useNarrow = true

// sgemmNarrowT handles a transposed A with a narrow C (n <= narrowN): the
// AVX-512 kernels vectorize along n, so such a C would leave most vector
// lanes idle. Instead it computes Cᵀ = op(B)ᵀ·Aᵀ, where Aᵀ is A as stored
// (read in place) and the broadcast operand op(B)ᵀ is also read in place,
// into a scratch n×m matrix, transposing C in and out around it. Each
// element is still one FMA chain over p in increasing order with the same
// products (x*y == y*x exactly), followed by alpha and beta as usual, so
// the result is bit-identical to the direct computation.
func sgemmNarrowT(impl int, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	buf := getPackBuf()
	ct := buf.bufA(n * m)
	if beta != 0 {
		transposeInto(ct, m, c, ldc, m, n)
	}
	sgemm(impl, !transB, false, n, m, k, alpha, b, ldb, a, lda, beta, ct, m)
	transposeInto(c, ldc, ct, m, n, m)
	putPackBuf(buf)
}

// transposeInto writes the transpose of the rows x cols matrix src (row
// stride ss) to dst (row stride ds). Requires the AVX-512 routines.
func transposeInto(dst []float32, ds int, src []float32, ss, rows, cols int) {
	_ = src[(rows-1)*ss+cols-1]
	_ = dst[(cols-1)*ds+rows-1]
	for i0 := 0; i0 < rows; i0 += 16 {
		for j0 := 0; j0 < cols; j0 += 16 {
			tr16(unsafe.Pointer(&src[i0*ss+j0]), 4*ss, min(16, rows-i0), unsafe.Pointer(&dst[j0*ds+i0]), 4*ds, min(16, cols-j0))
		}
	}
}
