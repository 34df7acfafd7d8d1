//go:build linux

package gemm

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// Tuning harness (not a regular test): set GEMM_TUNE=1. Measures thread
// CPU time, which is much less sensitive than wall time to other processes
// sharing this machine.

func threadCPU() int64 {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 3 /* CLOCK_THREAD_CPUTIME_ID */, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}

// cpuPerCall returns the best (over reps) thread-CPU ns per call of f.
func cpuPerCall(f func(), iters, reps int) float64 {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	f()
	best := 1e18
	for r := 0; r < reps; r++ {
		t0 := threadCPU()
		for i := 0; i < iters; i++ {
			f()
		}
		d := float64(threadCPU()-t0) / float64(iters)
		best = min(best, d)
	}
	return best
}

func TestTune(t *testing.T) {
	if os.Getenv("GEMM_TUNE") == "" {
		t.Skip("set GEMM_TUNE=1")
	}
	SetThreads(1)
	defer SetThreads(0)
	g := &geoms[implAVX512]
	old := *g
	defer func() { *g = old }()
	g.kc = envInt("KC", g.kc)
	g.mc = envInt("MC", g.mc)
	filter := os.Getenv("GEMM_SHAPES")
	shapes := append([]benchShape{
		{"sq256", false, false, 256, 256, 256}, {"sq1024", false, false, 1024, 1024, 1024},
		{"sq256TN", true, false, 256, 256, 256}, {"sq1024TN", true, false, 1024, 1024, 1024},
		{"sq512", false, false, 512, 512, 512}, {"sq512TN", true, false, 512, 512, 512},
		{"sq384", false, false, 384, 384, 384}, {"sq640", false, false, 640, 640, 640},
		{"r1000", false, false, 1000, 1000, 1000}, {"tall4096x64x64", false, false, 4096, 64, 64},
		{"wide64x4096x64", false, false, 64, 4096, 64}, {"k4096_64x64", true, false, 64, 64, 4096},
	}, benchShapes...)
	for _, s := range shapes {
		if filter != "" && !strings.Contains(s.name, filter) {
			continue
		}
		r := rand.New(rand.NewPCG(1, 2))
		p := newProblem(r, s.tA, s.tB, s.m, s.n, s.k, 0, 1, 0)
		flop := 2 * float64(s.m*s.n*s.k)
		iters := max(1, int(1e7/flop))
		line := fmt.Sprintf("%-26s", s.name)
		best := make([]float64, 5)
		for i := range best {
			best[i] = 1e18
		}
		for rep := 0; rep < 40; rep++ {
			for fp := -1; fp < 4; fp++ {
				forcePack = fp
				ns := cpuPerCall(func() {
					Sgemm(p.tA, p.tB, p.m, p.n, p.k, 1, p.a, p.lda, p.b, p.ldb, 0, p.c, p.ldc)
				}, iters, 1)
				best[fp+1] = min(best[fp+1], ns)
			}
		}
		for fp := -1; fp < 4; fp++ {
			line += fmt.Sprintf("  fp%2d %9.0fns %6.1fGF", fp, best[fp+1], flop/best[fp+1])
		}
		forcePack = -1
		t.Log(line)
	}
}

func envInt(name string, def int) int {
	var v int
	if _, err := fmt.Sscan(os.Getenv(name), &v); err == nil {
		return v
	}
	return def
}

// TestTuneThreads compares wall time with 1 and 2 threads (GEMM_TUNE=1).
func TestTuneThreads(t *testing.T) {
	if os.Getenv("GEMM_TUNE") == "" {
		t.Skip("set GEMM_TUNE=1")
	}
	defer SetThreads(0)
	filter := os.Getenv("GEMM_SHAPES")
	shapes := append([]benchShape{{"sq256", false, false, 256, 256, 256}, {"sq1024", false, false, 1024, 1024, 1024}}, benchShapes...)
	for _, s := range shapes {
		if filter != "" && !strings.Contains(s.name, filter) {
			continue
		}
		r := rand.New(rand.NewPCG(1, 2))
		p := newProblem(r, s.tA, s.tB, s.m, s.n, s.k, 0, 1, 0)
		flop := 2 * float64(s.m*s.n*s.k)
		iters := max(1, int(1e7/flop))
		best := []float64{1e18, 1e18}
		for rep := 0; rep < 40; rep++ {
			for th := 1; th <= 2; th++ {
				SetThreads(th)
				st := time.Now()
				for i := 0; i < iters; i++ {
					Sgemm(p.tA, p.tB, p.m, p.n, p.k, 1, p.a, p.lda, p.b, p.ldb, 0, p.c, p.ldc)
				}
				best[th-1] = min(best[th-1], float64(time.Since(st).Nanoseconds())/float64(iters))
			}
		}
		t.Logf("%-26s 1T %9.0fns %6.1fGF   2T %9.0fns %6.1fGF", s.name, best[0], flop/best[0], best[1], flop/best[1])
	}
}

// TestTuneImpls compares the kernel sets single-threaded (GEMM_TUNE=1).
func TestTuneImpls(t *testing.T) {
	if os.Getenv("GEMM_TUNE") == "" {
		t.Skip("set GEMM_TUNE=1")
	}
	SetThreads(1)
	defer SetThreads(0)
	defer func() { forceImpl = -1 }()
	shapes := append([]benchShape{{"sq256", false, false, 256, 256, 256}}, benchShapes...)
	for _, s := range shapes {
		r := rand.New(rand.NewPCG(1, 2))
		p := newProblem(r, s.tA, s.tB, s.m, s.n, s.k, 0, 1, 0)
		flop := 2 * float64(s.m*s.n*s.k)
		iters := max(1, int(1e7/flop))
		line := fmt.Sprintf("%-26s", s.name)
		for _, impl := range impls() {
			forceImpl = impl
			best := 1e18
			for rep := 0; rep < 10; rep++ {
				best = min(best, cpuPerCall(func() {
					Sgemm(p.tA, p.tB, p.m, p.n, p.k, 1, p.a, p.lda, p.b, p.ldb, 0, p.c, p.ldc)
				}, iters, 1))
			}
			line += fmt.Sprintf("  %s %9.0fns %6.1fGF", implNames[impl], best, flop/best)
		}
		t.Log(line)
	}
}
