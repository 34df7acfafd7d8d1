//go:build linux

package gemm

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"unsafe"
)

// guarded returns a float32 slice of length n that ends exactly at a page
// boundary followed by an inaccessible page, so any read or write past its
// end faults (the kernels are assembly: Go bounds checks do not cover them).
func guarded(t *testing.T, n int) []float32 {
	page := syscall.Getpagesize()
	size := (4*n+page-1)/page*page + page
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skip("mmap:", err)
	}
	if err := syscall.Mprotect(mem[size-page:], syscall.PROT_NONE); err != nil {
		t.Skip("mprotect:", err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	end := size - page
	return unsafe.Slice((*float32)(unsafe.Pointer(&mem[end-4*n])), n)
}

// TestGuardPages runs every path with tight operands placed against guard
// pages, checking results as well.
func TestGuardPages(t *testing.T) {
	shapes := [][3]int{{1, 1, 1}, {16, 16, 16}, {17, 33, 15}, {64, 8, 9}, {100, 5, 300}, {256, 32, 128}, {33, 7, 64}, {300, 70, 530}}
	r := rand.New(rand.NewPCG(10, 10))
	for _, impl := range impls() {
		setImpl(t, impl)
		for _, sh := range shapes {
			for tr := 0; tr < 4; tr++ {
				for fp := -1; fp < 4; fp += 2 {
					forcePack = fp
					p := newProblem(r, tr&1 != 0, tr&2 != 0, sh[0], sh[1], sh[2], 3, 1, 0.5)
					ar, br := sh[0], sh[2]
					if p.tA {
						ar = sh[2]
					}
					if p.tB {
						br = sh[1]
					}
					tight := func(s []float32, rows, ld int) []float32 {
						n := (rows-1)*ld + (ld - 3)
						g := guarded(t, n)
						copy(g, s[:n])
						return g
					}
					q := *p
					q.a, q.b, q.c = tight(p.a, ar, p.lda), tight(p.b, br, p.ldb), tight(p.c, sh[0], p.ldc)
					Sgemm(q.tA, q.tB, q.m, q.n, q.k, q.alpha, q.a, q.lda, q.b, q.ldb, q.beta, q.c, q.ldc)
					got := q.c
					// check expects full rows of C (with padding): rebuild them.
					full := append([]float32(nil), p.c...)
					for i := 0; i < sh[0]; i++ {
						copy(full[i*p.ldc:i*p.ldc+sh[1]], got[i*p.ldc:])
					}
					p.check(t, fmt.Sprintf("%s shape %v tr=%d fp=%d", implNames[impl], sh, tr, fp), full)
				}
			}
		}
	}
	forcePack = -1
}
