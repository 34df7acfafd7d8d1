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
