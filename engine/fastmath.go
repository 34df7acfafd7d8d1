package engine

import "math"

// Fast elementwise math for float32 tapes.
//
// A float32 result needs about 7 significant digits, not the 16 that
// math.Exp and math.Erf deliver at several times the cost; GELU alone
// (math.Erf per element, forward and again in the backward) was most of a
// transformer training step. The kernels here evaluate in float64 (scalar
// float64 arithmetic costs the same as float32 on amd64, and it keeps the
// rounding analysis trivial) with short polynomials whose error is far
// below float32's half-ulp (2⁻²⁴ ≈ 6e-8):
//
//   - expNeg(w), w ≤ 0: e^w with relative error < 1e-8 (degree-7 Taylor
//     polynomial after reducing w by multiples of ln 2); 0 below −700.
//   - normCDF(x) = Φ(x) = ½·erfc(−x/√2) with relative error < 5e-8 for
//     x ≥ −19.8 (Φ > 1e-87, far below float32's range; further out the
//     error grows but Φ stays < 1e-87), via erfc(z) = e^{−z²}·t·Q(t),
//     t = 1/(1+p·z): Q is a degree-8 polynomial fitted (minimax on relative
//     error over z ∈ [0, 14]) to erfcx(z)/t. Evaluating the complement
//     directly avoids the cancellation in 1 + erf(x) for negative x, so
//     the relative accuracy holds in the left tail too (where PyTorch's
//     float32 GELU, computing 1 + erf, loses all digits near x = −5).
//
// The float32 outputs are then correctly rounded to within about 2 ulp
// (TestGeluF32 checks 1.2e-7 relative against math.Erfc on ±0, denormals,
// a dense grid, ±large, ±Inf and NaN). Float64 tapes keep math.Exp and
// math.Erf: they are the reference for finite-difference checks.

const (
	log2e      = 1.4426950408889634         // 1/ln 2
	ln2Hi      = 6.93147180369123816490e-01 // ln 2, high part (exact in 32 bits)
	ln2Lo      = 1.90821492927058770002e-10 // ln 2 − ln2Hi
	magic      = 0x1.8p52                   // adding it rounds a float64 to an integer in its low bits
	invSq2     = 0.70710678118654752440     // 1/√2
	invSqrt2Pi = 0.39894228040143267794     // 1/√(2π)
)

// expNeg returns e^w for w ≤ 0 (relative error < 1e-8), 0 for w < −700 or
// w = −∞, NaN for NaN. Positive w is outside its contract.
func expNeg(w float64) float64 {
	if w < -700 {
		return 0
	}
	k := w*log2e + magic
	n := k - magic // round(w/ln 2)
	r := w - n*ln2Hi - n*ln2Lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040)))))))
	// k's low mantissa bits hold n (two's complement, |n| < 2⁵¹).
	e := int64(math.Float64bits(k) - math.Float64bits(magic))
	return p * math.Float64frombits(uint64(e+1023)<<52)
}

// erfcx coefficients: erfc(z)·e^{z²} ≈ t·Q(t), t = 1/(1 + erfcP·z), made by
// testdata/fit_erfcx.py (scipy.special.erfcx reference, iteratively
// reweighted least squares on relative error, z ∈ [0, 14]): max relative
// error 3.9e-8.
const (
	erfcP = 0.3
	q0    = 0.1692047496004605
	q1    = 0.17042379128347063
	q2    = 0.15046827613436808
	q3    = 0.20638781185427407
	q4    = -0.07405628415949324
	q5    = 0.5170606339441721
	q6    = -0.48470349248076544
	q7    = 0.4718325872236259
	q8    = -0.12661803521267356
)

// normCDF returns Φ(x) and the standard normal density φ(x) = e^{−x²/2}/√(2π),
// sharing the one exponential. It is the readable form of the kernel that
// geluF32 inlines.
func normCDF(x float64) (cdf, pdf float64) {
	z := math.Abs(x) * invSq2
	e := expNeg(-z * z)
	t := 1 / (1 + erfcP*z)
	q := q0 + t*(q1+t*(q2+t*(q3+t*(q4+t*(q5+t*(q6+t*(q7+t*q8)))))))
	h := 0.5 * e * t * q // ½·erfc(|x|/√2) = Φ(−|x|)
	cdf = h
	if x > 0 {
		cdf = 1 - h
	}
	return cdf, e * invSqrt2Pi
}

// geluPoint is normCDF written for throughput: no calls, polynomials in
// Estrin's form (shorter dependency chains, so successive elements overlap
// in the out-of-order core), and the choice between Φ(−|x|) and 1 − Φ(−|x|)
// made by masking bits — a branch on the sign of a random activation
// mispredicts half the time. It returns Φ(x) and φ(x).
func geluPoint(f float64) (cdf, pdf float64) {
	z := math.Abs(f) * invSq2
	w := -z * z
	// e = e^w: w = n·ln 2 + r, |r| ≤ ln2/2; 2ⁿ from n's bits in k.
	k := w*log2e + magic
	n := k - magic
	r := w - n*ln2Hi - n*ln2Lo
	r2 := r * r
	p := (1 + r) + r2*(1.0/2+r*(1.0/6)) + r2*r2*((1.0/24+r*(1.0/120))+r2*(1.0/720+r*(1.0/5040)))
	e := p * math.Float64frombits(uint64(int64(math.Float64bits(k)-math.Float64bits(magic))+1023)<<52)
	if w < -700 { // |x| > 37: e underflows (predictable: never in practice)
		e = 0
	}
	t := 1 / (1 + erfcP*z)
	t2 := t * t
	t4 := t2 * t2
	q := ((q0 + q1*t) + t2*(q2+q3*t)) + t4*((q4+q5*t)+t2*(q6+q7*t)) + t4*t4*q8
	h := 0.5 * e * t * q
	neg := uint64(int64(math.Float64bits(f)) >> 63) // all ones when the sign bit is set
	cdf = math.Float64frombits(math.Float64bits(h)&neg | math.Float64bits(1-h)&^neg)
	return cdf, e * invSqrt2Pi
}

// geluF32 writes y = x·Φ(x) and, when d is not nil, the derivative
// d = Φ(x) + x·φ(x), which the backward multiplies by the output gradient.
// The vector kernel does what it can; geluGo, the reference, the rest.
func geluF32(y, d, x []float32) {
	n := geluSIMD(y, d, x)
	if d != nil {
		d = d[n:]
	}
	geluGo(y[n:], d, x[n:])
}

// geluGo is geluF32's portable loop.
func geluGo(y, d, x []float32) {
	y = y[:len(x)]
	if d == nil {
		for i, v := range x {
			f := float64(v)
			c, _ := geluPoint(f)
			y[i] = float32(f * c)
		}
		return
	}
	d = d[:len(x)]
	for i, v := range x {
		f := float64(v)
		c, p := geluPoint(f)
		y[i] = float32(f * c)
		d[i] = float32(c + f*p)
	}
}

// gelu64 is the reference, for float64 tapes: Φ(x) = ½·erfc(−x/√2) from
// math.Erfc, accurate in both tails (½·(1 + erf) would cancel for x ≪ 0).
func gelu64(x float64) (y, d float64) {
	c := 0.5 * math.Erfc(-x*invSq2)
	return x * c, c + x*math.Exp(-0.5*x*x)*invSqrt2Pi
}

// softmaxRowF32 writes y = softmax(scale·x) over one row and returns the
// max m of scale·x and s = Σ e^{scale·x − m} (so logsumexp = m + ln s).
// The exponentials are summed in four interleaved partial sums, element i
// into sum i%4, combined as (s0+s1)+(s2+s3): the vector kernel's order.
func softmaxRowF32(y, x []float32, scale float32) (m, s float64) {
	m = math.Inf(-1)
	for _, v := range x {
		if f := float64(v * scale); f > m {
			m = f
		}
	}
	var sums [4]float64
	expRowF32(y, x, scale, m, &sums)
	s = (sums[0] + sums[1]) + (sums[2] + sums[3])
	scaleRowF32(y[:len(x)], 1/s)
	return m, s
}

// expRowF32 sets dst[i] = e^{float64(src[i]·scale) − m} (arguments ≤ 0)
// and adds each exponential, in float64, into sums[i%4].
func expRowF32(dst, src []float32, scale float32, m float64, sums *[4]float64) {
	n := expRowSIMD(dst, src, scale, m, sums)
	expRowGo(dst[n:], src[n:], scale, m, sums)
}

// expRowGo is expRowF32's portable loop; len(src) and the vector prefix
// are multiples of 4 apart, so lanes line up.
func expRowGo(dst, src []float32, scale float32, m float64, sums *[4]float64) {
	dst = dst[:len(src)]
	for i, v := range src {
		e := expNeg(float64(v*scale) - m)
		sums[i&3] += e
		dst[i] = float32(e)
	}
}

// scaleRowF32 sets y[i] = y[i]·a, multiplying in float64.
func scaleRowF32(y []float32, a float64) {
	n := scaleRowSIMD(y, a)
	scaleRowGo(y[n:], a)
}

// scaleRowGo is scaleRowF32's portable loop.
func scaleRowGo(y []float32, a float64) {
	for i, v := range y {
		y[i] = float32(float64(v) * a)
	}
}
