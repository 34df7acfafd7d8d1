//go:build amd64 && !purego

package engine

// SIMD kernels (simd_amd64.s) for the float32 loops that dominate a
// training step once the matrix products are fast. They need AVX2 (GELU
// also has an AVX-512 form); useAVX2 is false elsewhere, and tests clear it
// to run the portable loops.

func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
func xgetbv() (eax, edx uint32)

//go:noescape
func geluAVX2(y, d, x *float32, n int)

//go:noescape
func geluAVX512(y, d, x *float32, n int)

//go:noescape
func expRowAVX2(dst, src *float32, n int, scale float32, m float64, sums *[4]float64)

//go:noescape
func scaleRowAVX2(y *float32, n int, a float64)

//go:noescape
func reluAVX2(dst, src *float32, n int)

//go:noescape
func reluGradAVX2(gx, gr, y *float32, n int, acc bool)

//go:noescape
func addAVX2(dst, src *float32, n int)

//go:noescape
func mulAVX2(dst, x, y *float32, n int, acc bool)

//go:noescape
func scaleAVX2(dst, src *float32, n int, a float32, acc bool)

//go:noescape
func sum4AVX2(x *float32, n int, lanes *[4]float64)

//go:noescape
func sqdev4AVX2(x *float32, n int, mean float64, lanes *[4]float64)

//go:noescape
func lnApplyAVX2(xh, o, x, gain, bias *float32, n int, mean, rs float64)

//go:noescape
func lnDotsAVX2(gr, gain, xh *float32, n int, lanes *[8]float64)

//go:noescape
func lnGradAVX2(dst, gr, gain, xh *float32, n int, rs, m1, m2 float32, acc bool)

//go:noescape
func addSubAVX2(z, x, y *float32, n int, sub bool)

//go:noescape
func sumRows4AVX2(dst, gr *float32, n, rows int)

var useAVX2, useAVX512 = detect()

// detect reports AVX2 and AVX-512F support by the CPU and the OS.
func detect() (avx2, avx512 bool) {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false, false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const osxsave, avx = 1 << 27, 1 << 28
	if ecx1&osxsave == 0 || ecx1&avx == 0 {
		return false, false
	}
	xcr0, _ := xgetbv()
	if xcr0&0x6 != 0x6 { // XMM and YMM state enabled by the OS
		return false, false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	avx2 = ebx7&(1<<5) != 0
	// AVX-512F, with opmask and ZMM state enabled by the OS.
	avx512 = avx2 && ebx7&(1<<16) != 0 && xcr0&0xe6 == 0xe6
	return avx2, avx512
}

// geluSIMD runs the vector kernels over the longest multiple-of-4 prefix
// (8 lanes with AVX-512, then 4) and returns how many elements they did.
func geluSIMD(y, d, x []float32) int {
	n := len(x) &^ 3
	if !useAVX2 || n == 0 {
		return 0
	}
	_ = y[n-1]
	var dp *float32
	if d != nil {
		_ = d[n-1]
		dp = &d[0]
	}
	done := 0
	if n8 := n &^ 7; useAVX512 && n8 > 0 {
		geluAVX512(&y[0], dp, &x[0], n8)
		done = n8
	}
	if done < n {
		if dp != nil {
			dp = &d[done]
		}
		geluAVX2(&y[done], dp, &x[done], n-done)
	}
	return n
}

// expRowSIMD runs expRowAVX2 over the longest multiple-of-4 prefix and
// returns how many elements it did.
func expRowSIMD(dst, src []float32, scale float32, m float64, sums *[4]float64) int {
	n := len(src) &^ 3
	if !useAVX2 || n == 0 {
		return 0
	}
	_ = dst[n-1]
	expRowAVX2(&dst[0], &src[0], n, scale, m, sums)
	return n
}

// scaleRowSIMD runs scaleRowAVX2 over the longest multiple-of-4 prefix and
// returns how many elements it did.
func scaleRowSIMD(y []float32, a float64) int {
	n := len(y) &^ 3
	if !useAVX2 || n == 0 {
		return 0
	}
	scaleRowAVX2(&y[0], n, a)
	return n
}

// The wrappers below run a kernel over the longest prefix it handles (a
// multiple of 8 elements) and return its length; the caller's Go loop does
// the rest.

func reluSIMD(dst, src []float32) int {
	n := len(src) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	_ = dst[n-1]
	reluAVX2(&dst[0], &src[0], n)
	return n
}

func reluGradSIMD(gx, g, y []float32, acc bool) int {
	n := len(g) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	_, _ = gx[n-1], y[n-1]
	reluGradAVX2(&gx[0], &g[0], &y[0], n, acc)
	return n
}

func addSIMD(dst, src []float32) int {
	n := len(src) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	_ = dst[n-1]
	addAVX2(&dst[0], &src[0], n)
	return n
}

func mulSIMD(dst, x, y []float32, acc bool) int {
	n := len(x) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	_, _ = dst[n-1], y[n-1]
	mulAVX2(&dst[0], &x[0], &y[0], n, acc)
	return n
}

func scaleSIMD(dst, src []float32, a float32, acc bool) int {
	n := len(src) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	_ = dst[n-1]
	scaleAVX2(&dst[0], &src[0], n, a, acc)
	return n
}

// sumRowsSIMD does the four-row groups of sumRowsTo when n is a multiple
// of 8 and returns how many rows it did.
func sumRowsSIMD(dst, g []float32, n int) int {
	rows := (len(g) / n) &^ 3
	if !useAVX2 || n&7 != 0 || rows == 0 {
		return 0
	}
	_ = dst[n-1]
	_ = g[rows*n-1]
	sumRows4AVX2(&dst[0], &g[0], n, rows)
	return rows
}

func addSubSIMD(z, x, y []float32, sub bool) int {
	n := len(x) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	_, _ = z[n-1], y[n-1]
	addSubAVX2(&z[0], &x[0], &y[0], n, sub)
	return n
}

// LayerNorm row kernels: the longest multiple-of-4 prefix.

func sum4SIMD(x []float32, lanes *[4]float64) int {
	n := len(x) &^ 3
	if !useAVX2 || n == 0 {
		return 0
	}
	sum4AVX2(&x[0], n, lanes)
	return n
}

func sqdev4SIMD(x []float32, mean float64, lanes *[4]float64) int {
	n := len(x) &^ 3
	if !useAVX2 || n == 0 {
		return 0
	}
	sqdev4AVX2(&x[0], n, mean, lanes)
	return n
}

// lnApplySIMD: gain and bias both nil (o = h) or both present.
func lnApplySIMD(xh, o, x, gain, bias []float32, mean, rs float64) int {
	n := len(x) &^ 3
	if !useAVX2 || n == 0 || (gain == nil) != (bias == nil) {
		return 0
	}
	_, _ = xh[n-1], o[n-1]
	var gp, bp *float32
	if gain != nil {
		_, _ = gain[n-1], bias[n-1]
		gp, bp = &gain[0], &bias[0]
	}
	lnApplyAVX2(&xh[0], &o[0], &x[0], gp, bp, n, mean, rs)
	return n
}

func lnDotsSIMD(gr, gain, xh []float32, lanes *[8]float64) int {
	n := len(gr) &^ 3
	if !useAVX2 || n == 0 {
		return 0
	}
	_, _ = gain[n-1], xh[n-1]
	lnDotsAVX2(&gr[0], &gain[0], &xh[0], n, lanes)
	return n
}

func lnGradSIMD(dst, gr, gain, xh []float32, rs, m1, m2 float32, acc bool) int {
	n := len(gr) &^ 3
	if !useAVX2 || n == 0 {
		return 0
	}
	_, _, _ = dst[n-1], gain[n-1], xh[n-1]
	lnGradAVX2(&dst[0], &gr[0], &gain[0], &xh[0], n, rs, m1, m2, acc)
	return n
}
