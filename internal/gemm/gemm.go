package gemm

import (
	"fmt"
	"runtime"
	"sync/atomic"
)

// Kernel sets. The assembly sets exist only on amd64 without the purego tag.
const (
	implGeneric = iota
	implAVX2
	implAVX512
)

// geometry describes one kernel set: the register tile (mr x nr) and the
// cache blocking of the packed path.
type geometry struct {
	mr, nr int // register tile: at most mr rows by nr columns per kernel call
	kc     int // max depth of one k block
	mc     int // rows of A packed per block (multiple of mr; mc*kc fits in L2)
}

var geoms = [...]geometry{
	implGeneric: {mr: 4, nr: 16, kc: 256, mc: 128},
	implAVX2:    {mr: 6, nr: 16, kc: 256, mc: 144},
	implAVX512:  {mr: 14, nr: 32, kc: 256, mc: 336},
}

var (
	bestImpl = detectImpl()
	// useAsm selects the assembly kernels (when the CPU has them). Tests
	// clear it to run the portable Go kernel through the same driver.
	useAsm = true
	// forceImpl, when >= 0, overrides the kernel set (tests use it to run the
	// AVX2 kernels on an AVX-512 machine).
	forceImpl = -1
)

func currentImpl() int {
	switch {
	case forceImpl >= 0:
		return forceImpl
	case !useAsm:
		return implGeneric
	}
	return bestImpl
}

var maxThreads atomic.Int32

func init() { maxThreads.Store(int32(runtime.GOMAXPROCS(0))) }

// SetThreads sets the maximum number of goroutines one Sgemm call may use
// (the caller's goroutine included). n <= 0 restores the default,
// runtime.GOMAXPROCS(0). n == 1 makes every call single-threaded, which is
// what a sweep running one job per core wants.
func SetThreads(n int) {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	if n > 256 {
		n = 256
	}
	maxThreads.Store(int32(n))
}

// Threads returns the current maximum set by SetThreads.
func Threads() int { return int(maxThreads.Load()) }

// checkArgs panics, BLAS style, when the dimensions, strides or slice
// lengths are inconsistent.
func checkArgs(name string, transA, transB bool, m, n, k, lda, ldb, ldc, la, lb, lc int) {
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	if m < 0 || n < 0 || k < 0 || !matOK(ar, ac, lda, la) || !matOK(br, bc, ldb, lb) || !matOK(m, n, ldc, lc) {
		badArgs(name, m, n, k, ar, ac, lda, la, br, bc, ldb, lb, ldc, lc)
	}
}

// matOK reports whether a rows x cols matrix with row stride ld fits in a
// slice of length l.
func matOK(rows, cols, ld, l int) bool {
	return ld >= max(1, cols) && (rows == 0 || cols == 0 || l >= (rows-1)*ld+cols)
}

func badArgs(name string, m, n, k, ar, ac, lda, la, br, bc, ldb, lb, ldc, lc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("gemm: %s: negative dimension m=%d n=%d k=%d", name, m, n, k))
	}
	for _, x := range []struct {
		which                string
		rows, cols, ld, size int
	}{{"a", ar, ac, lda, la}, {"b", br, bc, ldb, lb}, {"c", m, n, ldc, lc}} {
		if x.ld < max(1, x.cols) {
			panic(fmt.Sprintf("gemm: %s: ld%s=%d < max(1, %d)", name, x.which, x.ld, x.cols))
		}
		if !matOK(x.rows, x.cols, x.ld, x.size) {
			panic(fmt.Sprintf("gemm: %s: len(%s)=%d too short for %dx%d with stride %d", name, x.which, x.size, x.rows, x.cols, x.ld))
		}
	}
}

// Sgemm computes C = alpha*op(A)*op(B) + beta*C, where op(X) is X, or Xᵀ
// when the matching trans flag is set. All matrices are row-major: op(A) is
// m×k, op(B) is k×n and C is m×n; lda, ldb and ldc are the row strides of
// the stored A, B and C. With beta == 0, C is overwritten without being
// read (NaNs in C are ignored). With alpha == 0 or k == 0, A and B are not
// read. C must not overlap A or B.
//
// The result is bit-for-bit reproducible for given inputs, independent of
// SetThreads and of concurrent calls. See the package documentation.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkArgs("Sgemm", transA, transB, m, n, k, lda, ldb, ldc, len(a), len(b), len(c))
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleS(m, n, beta, c, ldc)
		return
	}
	sgemm(currentImpl(), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// sgemm is Sgemm after argument checking, for m, n, k > 0 and alpha != 0.
func sgemm(impl int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if transA && n <= narrowN && m >= 32 && m*n <= 1<<20 && m*n*k >= 1<<14 && impl == implAVX512 && haveAsmPack && useNarrow {
		sgemmNarrowT(impl, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	pairs := pairsOK(impl, transA, transB, n, k) && m >= 16 && m*n*k >= 1<<12
	if !pairs && m*n*k < packMin && k <= geoms[impl].kc && (!transB || k*n <= smallBT) {
		sgemmSmall(impl, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	j := sjob{
		transA: transA, transB: transB,
		m: m, n: n, k: k,
		alpha: alpha, beta: beta,
		a: a, b: b, c: c,
		lda: lda, ldb: ldb, ldc: ldc,
		impl: impl,
	}
	j.plan(Threads())
	if j.nt > 1 {
		runParallel(&j)
		return
	}
	var buf *packBuf
	if j.packA || j.packB {
		buf = getPackBuf()
	}
	j.runCols(0, m, 0, n, buf)
	if buf != nil {
		putPackBuf(buf)
	}
}

// scaleS sets C = beta*C (C = 0 when beta == 0).
func scaleS(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}
