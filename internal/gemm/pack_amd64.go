//go:build amd64 && !purego

package gemm

import "unsafe"

//go:noescape
func tr16(src unsafe.Pointer, ss, r int, dst unsafe.Pointer, ds, c int)

//go:noescape
func copyRows(src unsafe.Pointer, ss int, dst unsafe.Pointer, ds, w, rows int)

//go:noescape
func packPairs(src unsafe.Pointer, ss, k, n int, dst unsafe.Pointer)

const haveAsmPack = true
