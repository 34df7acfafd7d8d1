package engine

import (
	"math"
	"testing"
)

// withGo runs f with the vector kernels switched off, so the portable Go
// loops do all the work.
func withGo(f func()) {
	saved := useAVX2
	useAVX2 = false
	defer func() { useAVX2 = saved }()
	f()
}

// withoutAVX512 runs f with only the AVX2 kernels.
func withoutAVX512(f func()) {
	saved := useAVX512
	useAVX512 = false
	defer func() { useAVX512 = saved }()
	f()
}

// TestSIMDMatchesGo: every vector kernel gives the portable loop's answers
// on edge values and random inputs, at lengths that exercise the tails.
// The plain float32 loops (same operations, same order) must agree bit for
// bit; the float64-evaluated ones (gelu, exp rows) within one float32 ulp,
// which allows for a compiler that fuses multiply-adds in the Go loop.
func TestSIMDMatchesGo(t *testing.T) {
	if !useAVX2 {
		t.Skip("no vector kernels on this machine/build")
	}
	xs := testInputs()
	finite := make([]float32, 0, len(xs))
	for _, v := range xs {
		if !math.IsInf(float64(v), 0) && !math.IsNaN(float64(v)) && math.Abs(float64(v)) < 1e30 {
			finite = append(finite, v)
		}
	}
	type kernel struct {
		name  string
		exact bool
		run   func(x, y []float32) []float32 // y: a second input of x's length
	}
	kernels := []kernel{
		{"gelu", false, func(x, _ []float32) []float32 {
			y, d := make([]float32, len(x)), make([]float32, len(x))
			geluF32(y, d, x)
			return append(y, d...)
		}},
		{"gelu-nod", false, func(x, _ []float32) []float32 {
			y := make([]float32, len(x))
			geluF32(y, nil, x)
			return y
		}},
		{"softmax-row", false, func(x, _ []float32) []float32 {
			x = finiteOf(x)
			y := make([]float32, len(x))
			m, s := softmaxRowF32(y, x, 0.37)
			return append(y, float32(m), float32(s))
		}},
		{"relu", true, func(x, _ []float32) []float32 {
			y := make([]float32, len(x))
			reluF32(y, x)
			return y
		}},
		{"relu-grad", true, func(x, g []float32) []float32 {
			y := make([]float32, len(x))
			reluF32(y, x)
			st, ac := make([]float32, len(x)), append([]float32(nil), g...)
			reluGradF32(st, g, y, false)
			reluGradF32(ac, g, y, true)
			return append(st, ac...)
		}},
		{"add", true, func(x, g []float32) []float32 {
			d := append([]float32(nil), g...)
			addTo(d, x, true)
			return d
		}},
		{"mul", true, func(x, g []float32) []float32 {
			st, ac := make([]float32, len(x)), append([]float32(nil), x...)
			mulTo(st, x, g, false)
			mulTo(ac, x, g, true)
			return append(st, ac...)
		}},
		{"scale", true, func(x, g []float32) []float32 {
			st, ac := make([]float32, len(x)), append([]float32(nil), g...)
			scaleTo(st, x, -0.3, false)
			scaleTo(ac, x, 1.7, true)
			return append(st, ac...)
		}},
		{"add-sub-mul-div", true, func(x, g []float32) []float32 {
			var out []float32
			for _, k := range []binKind{binAdd, binSub, binMul, binDiv} {
				z := make([]float32, len(x))
				binSame(k, z, x, g)
				out = append(out, z...)
			}
			return out
		}},
		{"layernorm-row", true, func(x, g []float32) []float32 {
			x, g = finiteOf(x), finiteOf(g)
			n := min(len(x), len(g))
			x, g = x[:n], g[:n]
			mean, rs := lnStats(x, 1e-5)
			out := []float32{float32(mean), float32(rs)}
			for _, aff := range [][2][]float32{{nil, nil}, {g, x}, {g, nil}} {
				xh, o := make([]float32, n), make([]float32, n)
				lnApply(xh, o, x, aff[0], aff[1], mean, rs)
				out = append(append(out, xh...), o...)
			}
			st, ac := make([]float32, n), append([]float32(nil), x...)
			lnGradRow(st, g, x, g, float32(rs), false)
			lnGradRow(ac, x, g, g, 0.5, true)
			return append(append(out, st...), ac...)
		}},
		{"sum-rows", true, func(x, _ []float32) []float32 {
			var out []float32
			for _, n := range []int{1, 8, 16, 24} {
				rows := len(x) / n
				d := make([]float32, n)
				for i := range d {
					d[i] = float32(i)
				}
				sumRowsTo(d, x[:rows*n], n)
				out = append(out, d...)
			}
			return out
		}},
	}
	for _, k := range kernels {
		for _, src := range [][]float32{xs, finite} {
			for _, n := range []int{0, 1, 3, 4, 5, 7, 8, 9, 13, 16, 31, 64, len(src)} {
				x := src[len(src)-n:]
				g := src[:n]
				got := k.run(x, g)
				var want []float32
				withGo(func() { want = k.run(x, g) })
				if useAVX512 {
					var avx2 []float32
					withoutAVX512(func() { avx2 = k.run(x, g) })
					for i := range avx2 {
						if math.Float32bits(avx2[i]) != math.Float32bits(got[i]) && !(avx2[i] != avx2[i] && got[i] != got[i]) {
							t.Fatalf("%s, n=%d, output %d: AVX-512 %v, AVX2 %v", k.name, n, i, got[i], avx2[i])
						}
					}
				}
				for i := range want {
					ok := math.Float32bits(got[i]) == math.Float32bits(want[i]) || got[i] != got[i] && want[i] != want[i]
					if !ok && !k.exact {
						ok = sameUlp(got[i], want[i])
					}
					if !ok {
						t.Fatalf("%s, n=%d, output %d: vector %v, Go %v", k.name, n, i, got[i], want[i])
					}
				}
			}
		}
	}
}

func finiteOf(x []float32) []float32 {
	var out []float32
	for _, v := range x {
		if math.Abs(float64(v)) < 1e4 {
			out = append(out, v)
		}
	}
	return out
}
