package engine

import (
	"math"
	"unsafe"
)

// Elementwise loops shared by the ops. On float32 data a vector kernel
// (simd_amd64.go) does the longest prefix it can and the Go loop below it
// the rest; with the kernels off (other architectures, the purego tag, or
// tests) the Go loop does everything and is the reference the kernels are
// tested against. The Go compiler does not vectorise, so the loops are
// unrolled by four over re-sliced windows (which also removes the bounds
// checks). Each has a store form (acc false: the destination is a fresh
// gradient buffer, see gradFor) and an accumulate form.

// addTo sets dst = src (acc false) or dst += src (acc true).
func addTo[T Float](dst, src []T, acc bool) {
	if !acc {
		copy(dst, src)
		return
	}
	dst = dst[:len(src)]
	if s32, ok := asF32(src); ok {
		d32, _ := asF32(dst)
		n := addSIMD(d32, s32)
		dst, src = dst[n:], src[n:]
	}
	i := 0
	for ; i+4 <= len(src); i += 4 {
		d, s := dst[i:i+4:i+4], src[i:i+4:i+4]
		d[0] += s[0]
		d[1] += s[1]
		d[2] += s[2]
		d[3] += s[3]
	}
	for ; i < len(src); i++ {
		dst[i] += src[i]
	}
}

// scaleTo sets dst = a·src (acc false) or dst += a·src (acc true).
func scaleTo[T Float](dst, src []T, a T, acc bool) {
	dst = dst[:len(src)]
	if s32, ok := asF32(src); ok {
		d32, _ := asF32(dst)
		n := scaleSIMD(d32, s32, float32(a), acc)
		dst, src = dst[n:], src[n:]
	}
	i := 0
	if acc {
		for ; i+4 <= len(src); i += 4 {
			d, s := dst[i:i+4:i+4], src[i:i+4:i+4]
			d[0] += a * s[0]
			d[1] += a * s[1]
			d[2] += a * s[2]
			d[3] += a * s[3]
		}
		for ; i < len(src); i++ {
			dst[i] += a * src[i]
		}
		return
	}
	for ; i+4 <= len(src); i += 4 {
		d, s := dst[i:i+4:i+4], src[i:i+4:i+4]
		d[0] = a * s[0]
		d[1] = a * s[1]
		d[2] = a * s[2]
		d[3] = a * s[3]
	}
	for ; i < len(src); i++ {
		dst[i] = a * src[i]
	}
}

// mulTo sets dst = x⊙y (acc false) or dst += x⊙y (acc true).
func mulTo[T Float](dst, x, y []T, acc bool) {
	dst, y = dst[:len(x)], y[:len(x)]
	if x32, ok := asF32(x); ok {
		d32, _ := asF32(dst)
		y32, _ := asF32(y)
		n := mulSIMD(d32, x32, y32, acc)
		dst, x, y = dst[n:], x[n:], y[n:]
	}
	i := 0
	if acc {
		for ; i+4 <= len(x); i += 4 {
			d, a, b := dst[i:i+4:i+4], x[i:i+4:i+4], y[i:i+4:i+4]
			d[0] += a[0] * b[0]
			d[1] += a[1] * b[1]
			d[2] += a[2] * b[2]
			d[3] += a[3] * b[3]
		}
		for ; i < len(x); i++ {
			dst[i] += x[i] * y[i]
		}
		return
	}
	for ; i+4 <= len(x); i += 4 {
		d, a, b := dst[i:i+4:i+4], x[i:i+4:i+4], y[i:i+4:i+4]
		d[0] = a[0] * b[0]
		d[1] = a[1] * b[1]
		d[2] = a[2] * b[2]
		d[3] = a[3] * b[3]
	}
	for ; i < len(x); i++ {
		dst[i] = x[i] * y[i]
	}
}

// sumRowsTo adds the rows of g ([rows, n], row-major) into dst [n]: the
// gradient of a bias broadcast over rows. Four rows at a time keep four
// independent additions in flight per column.
func sumRowsTo[T Float](dst, g []T, n int) {
	if n == 0 {
		return
	}
	dst = dst[:n]
	rows := len(g) / n
	r := 0
	if g32, ok := asF32(g); ok {
		d32, _ := asF32(dst)
		r = sumRowsSIMD(d32, g32, n)
	}
	for ; r+4 <= rows; r += 4 {
		g0, g1, g2, g3 := g[r*n:(r+1)*n], g[(r+1)*n:(r+2)*n], g[(r+2)*n:(r+3)*n], g[(r+3)*n:(r+4)*n]
		for i := range dst {
			dst[i] += (g0[i] + g1[i]) + (g2[i] + g3[i])
		}
	}
	for ; r < rows; r++ {
		addTo(dst, g[r*n:(r+1)*n], true)
	}
}

// reluF32 is a branchless relu on the float32 bit patterns (branchy code
// mispredicts on half the elements of a random activation). As int32, the
// bits of every value ≤ 0 that is not NaN (−0, negatives, −Inf) are ≤
// −2²³ (0xff800000, −Inf), and −NaNs lie between that and 0; so
// int64(s)+(2²³−1) is negative exactly for the values to zero, and its
// smeared sign masks them to +0. NaN stays NaN, as max(x, 0).
func reluF32(dst, src []float32) {
	if len(src) == 0 {
		return
	}
	_ = dst[len(src)-1] // the unsafe views below rely on it
	i := reluSIMD(dst, src)
	d := unsafe.Slice((*int32)(unsafe.Pointer(&dst[0])), len(src))
	s := unsafe.Slice((*int32)(unsafe.Pointer(&src[0])), len(src))
	for ; i+4 <= len(s); i += 4 {
		a, b := s[i:i+4:i+4], d[i:i+4:i+4]
		b[0] = a[0] &^ reluZero(a[0])
		b[1] = a[1] &^ reluZero(a[1])
		b[2] = a[2] &^ reluZero(a[2])
		b[3] = a[3] &^ reluZero(a[3])
	}
	for ; i < len(s); i++ {
		d[i] = s[i] &^ reluZero(s[i])
	}
}

// reluZero is all ones when the float32 with bits x is ≤ 0 and not NaN.
func reluZero(x int32) int32 { return int32((int64(x) + (1<<23 - 1)) >> 63) }

// nonZero is all ones when the float32 with bits y is not +0.
func nonZero(y int32) int32 { return int32(^((int64(uint32(y)) - 1) >> 63)) }

// reluGradF32 stores (acc false) or adds g where the relu output y is not
// +0 (that is, x > 0 or x is NaN), branchlessly by masking g's bits.
func reluGradF32(gx, g, y []float32, acc bool) {
	if len(g) == 0 {
		return
	}
	_, _ = gx[len(g)-1], y[len(g)-1] // the unsafe views below rely on them
	n := reluGradSIMD(gx, g, y, acc)
	gb := unsafe.Slice((*int32)(unsafe.Pointer(&g[0])), len(g))
	yb := unsafe.Slice((*int32)(unsafe.Pointer(&y[0])), len(g))
	if !acc {
		o := unsafe.Slice((*int32)(unsafe.Pointer(&gx[0])), len(g))
		i := n
		for ; i+4 <= len(gb); i += 4 {
			a, m, d := gb[i:i+4:i+4], yb[i:i+4:i+4], o[i:i+4:i+4]
			d[0] = a[0] & nonZero(m[0])
			d[1] = a[1] & nonZero(m[1])
			d[2] = a[2] & nonZero(m[2])
			d[3] = a[3] & nonZero(m[3])
		}
		for ; i < len(gb); i++ {
			o[i] = gb[i] & nonZero(yb[i])
		}
		return
	}
	gx = gx[:len(g)]
	for i := n; i < len(gb); i++ {
		gx[i] += math.Float32frombits(uint32(gb[i] & nonZero(yb[i])))
	}
}
