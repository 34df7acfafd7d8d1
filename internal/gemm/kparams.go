package gemm

import "unsafe"

// kparams is the argument block of one microkernel call. The assembly
// kernels read it through fixed byte offsets (see gen_kernels.go and
// TestKparamsLayout), so the field order must not change.
//
// The kernel computes, for the tile of mr rows and nr columns,
//
//	acc[i][j] = sum_{p<k} A(i,p) * B(p,j)       (sequential FMA in p order)
//	C[i][j]   = alpha*acc[i][j] (+ beta*C[i][j] when loadC != 0)
//
// where A(i,p) is the float32 at a + i*rsA + p*csA, B(p,j) is at
// b + p*rsB + 4*j and C[i][j] is at c + i*ldc + 4*j (all strides in bytes).
type kparams struct {
	a, b, c unsafe.Pointer
	k       int
	rsA     int
	csA     int
	rsB     int
	ldc     int
	alpha   float32
	beta    float32
	loadC   int
	m0, m1  uint16         // AVX-512 lane masks of the two 16-wide vectors
	_       uint32         // padding
	ymask   unsafe.Pointer // AVX2: 8 int32 lane mask of the last 8-wide vector
}

// ymaskTab[8-r:] starts with r all-ones lanes followed by zeros.
var ymaskTab = [16]int32{-1, -1, -1, -1, -1, -1, -1, -1}
