package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

type benchShape struct {
	name    string
	tA, tB  bool
	m, n, k int
}

// Shapes of the target workloads: a 32→128→8 MLP with batch 256, a
// d_model=64 transformer with 1024 tokens (seq 16 × batch 64) and 16×16×16
// attention products, forward and backward.
var benchShapes = []benchShape{
	{"mlp_fc1_256x32x128", false, false, 256, 128, 32},
	{"mlp_fc2_256x128x8", false, false, 256, 8, 128},
	{"mlp_dW2_TN_128x8x256", true, false, 128, 8, 256},
	{"mlp_dH_NT_256x128x8", false, true, 256, 128, 8},
	{"mlp_dW1_TN_32x128x256", true, false, 32, 128, 256},
	{"mlp_dX_NT_256x32x128", false, true, 256, 32, 128},
	{"tf_qkv_1024x64x192", false, false, 1024, 192, 64},
	{"tf_ff1_1024x64x256", false, false, 1024, 256, 64},
	{"tf_ff2_1024x256x64", false, false, 1024, 64, 256},
	{"tf_dX_NT_1024x256x64", false, true, 1024, 256, 64},
	{"tf_dW_TN_256x64x1024", true, false, 256, 64, 1024},
	{"tf_dW_TN_64x192x1024", true, false, 64, 192, 1024},
	{"attn_NN_16x16x16", false, false, 16, 16, 16},
	{"attn_NT_16x16x16", false, true, 16, 16, 16},
	{"attn_TN_16x16x16", true, false, 16, 16, 16},
}

func benchOne(b *testing.B, s benchShape) {
	r := rand.New(rand.NewPCG(1, 2))
	p := newProblem(r, s.tA, s.tB, s.m, s.n, s.k, 0, 1, 0)
	Sgemm(p.tA, p.tB, p.m, p.n, p.k, 1, p.a, p.lda, p.b, p.ldb, 0, p.c, p.ldc)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		Sgemm(p.tA, p.tB, p.m, p.n, p.k, 1, p.a, p.lda, p.b, p.ldb, 0, p.c, p.ldc)
	}
	b.ReportMetric(2*float64(s.m)*float64(s.n)*float64(s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkSgemm(b *testing.B) {
	for _, th := range []int{1, 2} {
		for _, n := range []int{256, 1024} {
			b.Run(fmt.Sprintf("n=%d/threads=%d", n, th), func(b *testing.B) {
				setThreads(b, th)
				benchOne(b, benchShape{m: n, n: n, k: n})
			})
		}
	}
	for _, th := range []int{1, 2} {
		for _, s := range benchShapes {
			b.Run(fmt.Sprintf("%s/threads=%d", s.name, th), func(b *testing.B) {
				setThreads(b, th)
				benchOne(b, s)
			})
		}
	}
}

// BenchmarkMLPStep runs the six products of one forward+backward step of
// the 32→128→8 MLP at batch 256 (about 8 MFLOP).
func BenchmarkMLPStep(b *testing.B) {
	for _, th := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", th), func(b *testing.B) {
			setThreads(b, th)
			r := rand.New(rand.NewPCG(3, 4))
			x, w1, w2 := randSlice(r, 256*32), randSlice(r, 32*128), randSlice(r, 128*8)
			h, y := make([]float32, 256*128), make([]float32, 256*8)
			dy, dh, dx := randSlice(r, 256*8), make([]float32, 256*128), make([]float32, 256*32)
			dw1, dw2 := make([]float32, 32*128), make([]float32, 128*8)
			step := func() {
				Sgemm(false, false, 256, 128, 32, 1, x, 32, w1, 128, 0, h, 128)
				Sgemm(false, false, 256, 8, 128, 1, h, 128, w2, 8, 0, y, 8)
				Sgemm(true, false, 128, 8, 256, 1, h, 128, dy, 8, 0, dw2, 8)
				Sgemm(false, true, 256, 128, 8, 1, dy, 8, w2, 8, 0, dh, 128)
				Sgemm(true, false, 32, 128, 256, 1, x, 32, dh, 128, 0, dw1, 128)
				Sgemm(false, true, 256, 32, 128, 1, dh, 128, w1, 128, 0, dx, 32)
			}
			step()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				step()
			}
		})
	}
}
