//go:build !amd64 || purego

package gemm

import "unsafe"

const haveAsmPack = false

func tr16(src unsafe.Pointer, ss, r int, dst unsafe.Pointer, ds, c int) {
	panic("gemm: tr16 without assembly")
}

func copyRows(src unsafe.Pointer, ss int, dst unsafe.Pointer, ds, w, rows int) {
	panic("gemm: copyRows without assembly")
}

func packPairs(src unsafe.Pointer, ss, k, n int, dst unsafe.Pointer) {
	panic("gemm: packPairs without assembly")
}
