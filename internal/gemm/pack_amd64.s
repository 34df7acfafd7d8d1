//go:build !purego

#include "textflag.h"

// func tr16(src unsafe.Pointer, ss, r int, dst unsafe.Pointer, ds, c int)
//
// Transposes the r x c block (r, c in 1..16) of float32s at src (row
// stride ss bytes) into dst: dst[j*ds + 4*i] = src[i*ss + 4*j] for i < r,
// j < c. Only those r x c elements are read and written. Requires AVX-512F.
TEXT ·tr16(SB), NOSPLIT, $0-48
	MOVQ src+0(FP), AX
	MOVQ ss+8(FP), SI
	MOVQ r+16(FP), R9
	MOVQ dst+24(FP), BX
	MOVQ ds+32(FP), DI
	MOVQ c+40(FP), R10

	// K1 = c low bits (load mask), K2 = r low bits (store mask).
	MOVQ R10, CX
	MOVL $1, DX
	SHLL CX, DX
	DECL DX
	KMOVW DX, K1
	MOVQ R9, CX
	MOVL $1, DX
	SHLL CX, DX
	DECL DX
	KMOVW DX, K2

// Rows r..15 are left as garbage: they only feed lanes that K2 masks off.
#define LOADROW(n, reg) \
	CMPQ R9, $n; \
	JLE  loaded; \
	VMOVUPS.Z (AX), K1, reg; \
	ADDQ SI, AX

	LOADROW(0, Z0)
	LOADROW(1, Z1)
	LOADROW(2, Z2)
	LOADROW(3, Z3)
	LOADROW(4, Z4)
	LOADROW(5, Z5)
	LOADROW(6, Z6)
	LOADROW(7, Z7)
	LOADROW(8, Z8)
	LOADROW(9, Z9)
	LOADROW(10, Z10)
	LOADROW(11, Z11)
	LOADROW(12, Z12)
	LOADROW(13, Z13)
	LOADROW(14, Z14)
	LOADROW(15, Z15)

loaded:
transpose:
	// Stage 1: interleave row pairs.
	VUNPCKLPS Z1, Z0, Z16
	VUNPCKHPS Z1, Z0, Z17
	VUNPCKLPS Z3, Z2, Z18
	VUNPCKHPS Z3, Z2, Z19
	VUNPCKLPS Z5, Z4, Z20
	VUNPCKHPS Z5, Z4, Z21
	VUNPCKLPS Z7, Z6, Z22
	VUNPCKHPS Z7, Z6, Z23
	VUNPCKLPS Z9, Z8, Z24
	VUNPCKHPS Z9, Z8, Z25
	VUNPCKLPS Z11, Z10, Z26
	VUNPCKHPS Z11, Z10, Z27
	VUNPCKLPS Z13, Z12, Z28
	VUNPCKHPS Z13, Z12, Z29
	VUNPCKLPS Z15, Z14, Z30
	VUNPCKHPS Z15, Z14, Z31
	// Stage 2: 4x4 transposes inside each 128-bit lane. Z(4g+c) lane L
	// now holds column 4L+c of rows 4g..4g+3.
	VUNPCKLPD Z18, Z16, Z0
	VUNPCKHPD Z18, Z16, Z1
	VUNPCKLPD Z19, Z17, Z2
	VUNPCKHPD Z19, Z17, Z3
	VUNPCKLPD Z22, Z20, Z4
	VUNPCKHPD Z22, Z20, Z5
	VUNPCKLPD Z23, Z21, Z6
	VUNPCKHPD Z23, Z21, Z7
	VUNPCKLPD Z26, Z24, Z8
	VUNPCKHPD Z26, Z24, Z9
	VUNPCKLPD Z27, Z25, Z10
	VUNPCKHPD Z27, Z25, Z11
	VUNPCKLPD Z30, Z28, Z12
	VUNPCKHPD Z30, Z28, Z13
	VUNPCKLPD Z31, Z29, Z14
	VUNPCKHPD Z31, Z29, Z15

	// Stages 3 and 4: gather the 128-bit lanes. For each c, column c ends in
	// Z(16+c), 4+c in Z(20+c), 8+c in Z(24+c), 12+c in Z(28+c).
#define LANES(c, b0, b1, b2, b3, s0, s1, s2, s3) \
	VSHUFF32X4 $0x44, b1, b0, s0; \
	VSHUFF32X4 $0xEE, b1, b0, s1; \
	VSHUFF32X4 $0x44, b3, b2, s2; \
	VSHUFF32X4 $0xEE, b3, b2, s3; \
	VSHUFF32X4 $0x88, s2, s0, b0; \
	VSHUFF32X4 $0xDD, s2, s0, b1; \
	VSHUFF32X4 $0x88, s3, s1, b2; \
	VSHUFF32X4 $0xDD, s3, s1, b3

	LANES(0, Z0, Z4, Z8, Z12, Z16, Z17, Z18, Z19)
	LANES(1, Z1, Z5, Z9, Z13, Z20, Z21, Z22, Z23)
	LANES(2, Z2, Z6, Z10, Z14, Z24, Z25, Z26, Z27)
	LANES(3, Z3, Z7, Z11, Z15, Z28, Z29, Z30, Z31)
	// Column 4L+c is now in Z(c + 4L).

#define STORECOL(n, reg) \
	VMOVUPS reg, K2, (BX); \
	CMPQ R10, $n; \
	JLE  done; \
	ADDQ DI, BX

	STORECOL(1, Z0)
	STORECOL(2, Z1)
	STORECOL(3, Z2)
	STORECOL(4, Z3)
	STORECOL(5, Z4)
	STORECOL(6, Z5)
	STORECOL(7, Z6)
	STORECOL(8, Z7)
	STORECOL(9, Z8)
	STORECOL(10, Z9)
	STORECOL(11, Z10)
	STORECOL(12, Z11)
	STORECOL(13, Z12)
	STORECOL(14, Z13)
	STORECOL(15, Z14)
	VMOVUPS Z15, K2, (BX)

done:
	VZEROUPPER
	RET

// func copyRows(src unsafe.Pointer, ss int, dst unsafe.Pointer, ds, w, rows int)
//
// Copies rows x w float32s (w in 1..32) from src (row stride ss bytes) to
// dst (row stride ds bytes), touching only those elements. Requires
// AVX-512F.
TEXT ·copyRows(SB), NOSPLIT, $0-48
	MOVQ src+0(FP), AX
	MOVQ ss+8(FP), SI
	MOVQ dst+16(FP), BX
	MOVQ ds+24(FP), DI
	MOVQ w+32(FP), CX
	MOVQ rows+40(FP), DX
	MOVQ $1, R8
	SHLQ CX, R8
	DECQ R8
	KMOVW R8, K1
	SHRQ $16, R8
	KMOVW R8, K2
	TESTQ DX, DX
	JEQ  cdone
	CMPQ CX, $16
	JGT  two

one:
	VMOVUPS.Z (AX), K1, Z0
	VMOVUPS Z0, K1, (BX)
	ADDQ SI, AX
	ADDQ DI, BX
	DECQ DX
	JNE  one
	JMP  cdone

two:
	VMOVUPS.Z (AX), K1, Z0
	VMOVUPS.Z 64(AX), K2, Z1
	VMOVUPS Z0, K1, (BX)
	VMOVUPS Z1, K2, 64(BX)
	ADDQ SI, AX
	ADDQ DI, BX
	DECQ DX
	JNE  two

cdone:
	VZEROUPPER
	RET

// Lane 2j <- first table lane j, lane 2j+1 <- second table lane j.
DATA interleaveIdx<>+0(SB)/4, $0
DATA interleaveIdx<>+4(SB)/4, $16
DATA interleaveIdx<>+8(SB)/4, $1
DATA interleaveIdx<>+12(SB)/4, $17
DATA interleaveIdx<>+16(SB)/4, $2
DATA interleaveIdx<>+20(SB)/4, $18
DATA interleaveIdx<>+24(SB)/4, $3
DATA interleaveIdx<>+28(SB)/4, $19
DATA interleaveIdx<>+32(SB)/4, $4
DATA interleaveIdx<>+36(SB)/4, $20
DATA interleaveIdx<>+40(SB)/4, $5
DATA interleaveIdx<>+44(SB)/4, $21
DATA interleaveIdx<>+48(SB)/4, $6
DATA interleaveIdx<>+52(SB)/4, $22
DATA interleaveIdx<>+56(SB)/4, $7
DATA interleaveIdx<>+60(SB)/4, $23
GLOBL interleaveIdx<>(SB), RODATA|NOPTR, $64

// func packPairs(src unsafe.Pointer, ss, k, n int, dst unsafe.Pointer)
//
// Packs the k x n (n <= 8) matrix at src (row stride ss bytes) for the pair
// kernels: dst row q (16 float32s) holds src(2q+t, j) in lane 2j+t, zero
// for j >= n or 2q+t >= k. Writes 64*ceil(k/2) bytes. Requires AVX-512F.
TEXT ·packPairs(SB), NOSPLIT, $0-40
	MOVQ src+0(FP), AX
	MOVQ ss+8(FP), SI
	MOVQ k+16(FP), R10
	MOVQ n+24(FP), CX
	MOVQ dst+32(FP), BX
	MOVL $1, DX
	SHLL CX, DX
	DECL DX
	KMOVW DX, K1
	VMOVUPS interleaveIdx<>(SB), Z2
	MOVQ R10, CX
	SHRQ $1, CX
	JEQ  ptail

ploop:
	VMOVUPS.Z (AX), K1, Z0
	VMOVUPS.Z (AX)(SI*1), K1, Z1
	VPERMT2PS Z1, Z2, Z0
	VMOVUPS Z0, (BX)
	LEAQ (AX)(SI*2), AX
	ADDQ $64, BX
	DECQ CX
	JNE  ploop

ptail:
	TESTQ $1, R10
	JEQ   pdone
	VMOVUPS.Z (AX), K1, Z0
	VPXORD Z1, Z1, Z1
	VPERMT2PS Z1, Z2, Z0
	VMOVUPS Z0, (BX)

pdone:
	VZEROUPPER
	RET
