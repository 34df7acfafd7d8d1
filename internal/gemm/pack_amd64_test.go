//go:build amd64 && !purego

package gemm

import (
	"testing"
	"unsafe"
)

func TestTr16CopyRows(t *testing.T) {
	if bestImpl != implAVX512 {
		t.Skip("needs AVX-512")
	}
	const ss, ds = 37, 19
	src := make([]float32, 40*ss)
	for i := range src {
		src[i] = float32(i)
	}
	for r := 1; r <= 16; r++ {
		for c := 1; c <= 16; c++ {
			dst := make([]float32, 17*ds+16)
			for i := range dst {
				dst[i] = -1
			}
			tr16(unsafe.Pointer(&src[3]), 4*ss, r, unsafe.Pointer(&dst[1]), 4*ds, c)
			for i := range dst {
				want := float32(-1)
				if j, q := (i-1)/ds, (i-1)%ds; i >= 1 && j < c && q < r {
					want = src[3+q*ss+j]
				}
				if dst[i] != want {
					t.Fatalf("tr16 r=%d c=%d: dst[%d]=%v want %v", r, c, i, dst[i], want)
				}
			}
		}
	}
	for w := 1; w <= 32; w++ {
		for _, rows := range []int{0, 1, 5} {
			dst := make([]float32, 6*40)
			for i := range dst {
				dst[i] = -1
			}
			copyRows(unsafe.Pointer(&src[2]), 4*ss, unsafe.Pointer(&dst[1]), 4*40, w, rows)
			for i := range dst {
				want := float32(-1)
				if j, q := (i-1)/40, (i-1)%40; i >= 1 && j < rows && q < w {
					want = src[2+j*ss+q]
				}
				if dst[i] != want {
					t.Fatalf("copyRows w=%d rows=%d: dst[%d]=%v want %v", w, rows, i, dst[i], want)
				}
			}
		}
	}
}
