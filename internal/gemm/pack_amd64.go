//go:build amd64 && !purego

package gemm

import "unsafe"

//go:noescape
func tr16(src unsafe.Pointer, ss, r int, dst unsafe.Pointer, ds, c int)

//go:noescape
func copyRows(src unsafe.Pointer, ss int, dst unsafe.Pointer, ds, w, rows int)

const haveAsmPack = true
