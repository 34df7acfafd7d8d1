package engine

import (
	"math"
	"testing"

	"interloop/rng"
)

// edgeF32 are inputs every float32 fast path is checked on besides random
// ones: zeros, denormals, tiny and huge magnitudes, infinities, NaN.
var edgeF32 = []float32{
	0, float32(math.Copysign(0, -1)), 1e-45, -1e-45, 1e-40, -1e-40, 1e-30, -1e-30, 1e-7, -1e-7,
	0.5, -0.5, -0.7518, 1, -1, 3, -3, 5, -5, 8, -8, 12, -12, 13, -13, 13.5, -13.5, 20, -20,
	1e10, -1e10, math.MaxFloat32, -math.MaxFloat32,
	float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
}

// testInputs returns the edge values, a dense grid over [−16, 16] and
// random normals at several scales.
func testInputs() []float32 {
	xs := append([]float32(nil), edgeF32...)
	for v := -16.0; v <= 16; v += 1.0 / 512 {
		xs = append(xs, float32(v))
	}
	r := rng.New(7, 7)
	for _, s := range []float64{1e-3, 1, 3, 100} {
		for range 2000 {
			xs = append(xs, float32(r.Normal()*s))
		}
	}
	return xs
}

// relErr is |got − want| / |want|, 0 when both are equal (including both
// NaN or the same infinity), +Inf when exactly one is NaN.
func relErr(got, want float64) float64 {
	switch {
	case got == want || math.IsNaN(got) && math.IsNaN(want):
		return 0
	case math.IsNaN(got) || math.IsNaN(want) || math.IsInf(got, 0) || math.IsInf(want, 0):
		return math.Inf(1)
	}
	return math.Abs(got-want) / math.Abs(want)
}

func TestExpNeg(t *testing.T) {
	worst := 0.0
	for w := -700.0; w <= 0; w += 0.0137 {
		worst = math.Max(worst, relErr(expNeg(w), math.Exp(w)))
	}
	if worst > 1e-8 {
		t.Errorf("expNeg max relative error %.3g > 1e-8", worst)
	}
	for _, c := range []struct{ w, want float64 }{{0, 1}, {math.Copysign(0, -1), 1}, {-701, 0}, {math.Inf(-1), 0}} {
		if got := expNeg(c.w); got != c.want {
			t.Errorf("expNeg(%v) = %v, want %v", c.w, got, c.want)
		}
	}
	if !math.IsNaN(expNeg(math.NaN())) {
		t.Error("expNeg(NaN) is not NaN")
	}
}

// TestNormCDF: Φ against ½·erfc(−x/√2) with relative error, tails
// included, over the fitted range x ≥ −19.8; φ against math.Exp.
func TestNormCDF(t *testing.T) {
	worst, at := 0.0, 0.0
	for x := -19.8; x <= 9; x += 1.0 / 1024 {
		c, p := normCDF(x)
		want := 0.5 * math.Erfc(-x*invSq2)
		if e := relErr(c, want); e > worst {
			worst, at = e, x
		}
		if e := relErr(p, math.Exp(-x*x/2)*invSqrt2Pi); e > 1e-8 {
			t.Fatalf("φ(%v) relative error %.3g", x, e)
		}
	}
	if worst > 5e-8 {
		t.Errorf("Φ max relative error %.3g at x=%v > 5e-8", worst, at)
	}
	t.Logf("Φ max relative error %.3g at x=%v", worst, at)
}

// TestGeluF32: the float32 kernel against the float64 exact-erf
// reference, rounded to float32, on edge values and many random inputs.
// Values: 1.5e-7 relative (2.5 ulp; 1.2e-7 observed) wherever the exact
// result is a normal float32; below (x < −13.2) within one denormal step.
// Derivatives: 2e-7 relative to max(|d|, 0.05): d = Φ + x·φ crosses 0 at
// x ≈ −0.75 as the difference of two terms near 0.23, so no relative
// bound holds there (the absolute error is about 1e-8).
func TestGeluF32(t *testing.T) {
	xs := testInputs()
	y, d := make([]float32, len(xs)), make([]float32, len(xs))
	geluF32(y, d, xs)
	y2 := make([]float32, len(xs))
	geluF32(y2, nil, xs)
	worstY, worstD := 0.0, 0.0
	for i, x := range xs {
		if math.Float32bits(y[i]) != math.Float32bits(y2[i]) && !(y[i] != y[i] && y2[i] != y2[i]) {
			t.Fatalf("gelu(%v): %v with derivative, %v without", x, y[i], y2[i])
		}
		wy, wd := gelu64(float64(x))
		ry := float64(float32(wy))
		var e float64
		if math.Abs(ry) < 0x1p-126 && !math.IsNaN(ry) {
			e = math.Abs(float64(y[i])-ry) / 0x1p-149 // denormals: count steps
			if e > 1 {
				t.Errorf("gelu(%v) = %v, want %v (denormal)", x, y[i], ry)
			}
			continue
		}
		e = relErr(float64(y[i]), ry)
		if e > 1.5e-7 {
			t.Errorf("gelu(%v) = %v, want %v (relative error %.3g)", x, y[i], ry, e)
		}
		worstY = math.Max(worstY, e)
		if math.IsNaN(wd) || math.IsInf(wd, 0) {
			if !math.IsNaN(float64(d[i])) && float64(d[i]) != wd {
				t.Errorf("gelu'(%v) = %v, want %v", x, d[i], wd)
			}
			continue
		}
		ed := math.Abs(float64(d[i])-wd) / math.Max(math.Abs(wd), 0.05)
		if ed > 2e-7 {
			t.Errorf("gelu'(%v) = %v, want %v (error %.3g)", x, d[i], wd, ed)
		}
		worstD = math.Max(worstD, ed)
	}
	t.Logf("max error: gelu %.3g, gelu' %.3g", worstY, worstD)
}

func at(s []float32, i int) float32 {
	if s == nil {
		return 0
	}
	return s[i]
}

// sameUlp reports whether a and b are equal, both NaN, or adjacent floats.
func sameUlp(a, b float32) bool {
	if a != a || b != b {
		return a != a && b != b
	}
	if a == b {
		return true
	}
	ia, ib := int64(math.Float32bits(a)), int64(math.Float32bits(b))
	return (ia^ib)>>31 == 0 && (ia-ib == 1 || ib-ia == 1)
}
