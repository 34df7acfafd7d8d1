//go:build amd64 && !purego

package gemm

import (
	"os"
	"sync"
	"testing"
	"time"
	"unsafe"
)

// TestTuneKernelPeak (GEMM_TUNE=1) measures the 14x32 AVX-512 kernel on
// L1-resident data with one and two goroutines: a quick check of the
// machine's FMA peak and of whether its two vCPUs really are two cores
// (on a shared VM they sometimes behave like one).
func TestTuneKernelPeak(t *testing.T) {
	if os.Getenv("GEMM_TUNE") == "" || bestImpl != implAVX512 {
		t.Skip("set GEMM_TUNE=1 (needs AVX-512)")
	}
	loop := func(iters, kc int) {
		a, b, c := alignedF32(14*kc), alignedF32(32*kc), alignedF32(14*32)
		kp := kparams{a: unsafe.Pointer(&a[0]), b: unsafe.Pointer(&b[0]), c: unsafe.Pointer(&c[0]),
			k: kc, rsA: 4, csA: 56, rsB: 128, ldc: 128, alpha: 1, m0: 0xffff, m1: 0xffff}
		for i := 0; i < iters; i++ {
			sk512m14n2(&kp)
		}
	}
	const kc, iters = 256, 200000
	flop := float64(2*14*32*kc) * iters
	for rep := 0; rep < 3; rep++ {
		st := time.Now()
		loop(iters, kc)
		one := flop / time.Since(st).Seconds() / 1e9
		st = time.Now()
		var wg sync.WaitGroup
		for g := 0; g < 2; g++ {
			wg.Add(1)
			go func() { defer wg.Done(); loop(iters, kc) }()
		}
		wg.Wait()
		t.Logf("kernel peak: 1 goroutine %.1f GFLOP/s, 2 goroutines %.1f GFLOP/s", one, 2*flop/time.Since(st).Seconds()/1e9)
	}
}
