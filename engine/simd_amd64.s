//go:build !purego

#include "textflag.h"

// AVX2 kernels for the float32 hot loops of simd_amd64.go. Each mirrors a
// portable Go loop (named in its comment) operation for operation, without
// FMA, so both round identically; TestSIMDMatchesGo checks that. Lengths
// are multiples of the vector width; the Go wrappers do the tails.

// K4 lays down one float64 (or int64) constant four times: a 32-byte
// memory operand for the 256-bit ops.
#define K4(off, bits) DATA gk<>+(off)(SB)/8, bits; DATA gk<>+(off+8)(SB)/8, bits; DATA gk<>+(off+16)(SB)/8, bits; DATA gk<>+(off+24)(SB)/8, bits

K4(0, $0x7fffffffffffffff)   // abs mask
K4(32, $0x3fe6a09e667f3bcd)  // invSq2
K4(64, $0x8000000000000000)  // sign bit
K4(96, $0x3ff71547652b82fe)  // log2e
K4(128, $0x4338000000000000) // magic (as float64 and as bits)
K4(160, $0x3fe62e42fee00000) // ln2Hi
K4(192, $0x3dea39ef35793c76) // ln2Lo
K4(224, $0x3ff0000000000000) // 1
K4(256, $0x3fe0000000000000) // 1/2
K4(288, $0x3fc5555555555555) // 1/6
K4(320, $0x3fa5555555555555) // 1/24
K4(352, $0x3f81111111111111) // 1/120
K4(384, $0x3f56c16c16c16c17) // 1/720
K4(416, $0x3f2a01a01a01a01a) // 1/5040
K4(448, $0x00000000000003ff) // exponent bias 1023 (int64)
K4(480, $0xc085e00000000000) // -700
K4(512, $0x3fd3333333333333) // erfcP = 0.3
K4(544, $0x3fc5a88050ee5100) // q0
K4(576, $0x3fc5d0726102ec4c) // q1
K4(608, $0x3fc3428b628a92e8) // q2
K4(640, $0x3fca6aea731a8286) // q3
K4(672, $0xbfb2f55a46873f15) // q4
K4(704, $0x3fe08bc2be1adb1c) // q5
K4(736, $0xbfdf0561cc1d8f45) // q6
K4(768, $0x3fde32814ed400ab) // q7
K4(800, $0xbfc0350510293e28) // q8
K4(832, $0x3fd9884533d43651) // invSqrt2Pi
GLOBL gk<>(SB), RODATA|NOPTR, $864

#define ABS gk<>+0(SB)
#define INVSQ2 gk<>+32(SB)
#define SIGN gk<>+64(SB)
#define LOG2E gk<>+96(SB)
#define MAGIC gk<>+128(SB)
#define LN2HI gk<>+160(SB)
#define LN2LO gk<>+192(SB)
#define ONE gk<>+224(SB)
#define C2 gk<>+256(SB)
#define C3 gk<>+288(SB)
#define C4 gk<>+320(SB)
#define C5 gk<>+352(SB)
#define C6 gk<>+384(SB)
#define C7 gk<>+416(SB)
#define BIAS gk<>+448(SB)
#define M700 gk<>+480(SB)
#define ERFCP gk<>+512(SB)
#define Q0 gk<>+544(SB)
#define Q1 gk<>+576(SB)
#define Q2 gk<>+608(SB)
#define Q3 gk<>+640(SB)
#define Q4 gk<>+672(SB)
#define Q5 gk<>+704(SB)
#define Q6 gk<>+736(SB)
#define Q7 gk<>+768(SB)
#define Q8 gk<>+800(SB)
#define INVSQRT2PI gk<>+832(SB)

// EXPW computes Y5 = e^w from w in Y2 (expNeg / geluPoint), 4 lanes.
// Clobbers Y3, Y4, Y6-Y9.
#define EXPW \
	VMULPD LOG2E, Y2, Y3; \
	VADDPD MAGIC, Y3, Y3; \
	VSUBPD MAGIC, Y3, Y4; \
	VMULPD LN2HI, Y4, Y5; \
	VSUBPD Y5, Y2, Y5; \
	VMULPD LN2LO, Y4, Y4; \
	VSUBPD Y4, Y5, Y5; \
	VMULPD Y5, Y5, Y6; \
	VMULPD C3, Y5, Y7; \
	VADDPD C2, Y7, Y7; \
	VMULPD C5, Y5, Y8; \
	VADDPD C4, Y8, Y8; \
	VMULPD C7, Y5, Y9; \
	VADDPD C6, Y9, Y9; \
	VADDPD ONE, Y5, Y5; \
	VMULPD Y6, Y7, Y7; \
	VADDPD Y7, Y5, Y5; \
	VMULPD Y9, Y6, Y9; \
	VADDPD Y9, Y8, Y8; \
	VMULPD Y6, Y6, Y6; \
	VMULPD Y8, Y6, Y6; \
	VADDPD Y6, Y5, Y5; \
	VPSUBQ MAGIC, Y3, Y3; \
	VPADDQ BIAS, Y3, Y3; \
	VPSLLQ $52, Y3, Y3; \
	VMULPD Y3, Y5, Y5; \
	VCMPPD $1, M700, Y2, Y6; \
	VANDNPD Y5, Y6, Y5

// func geluAVX2(y, d, x *float32, n int)
// geluF32's loop: y = x·Φ(x) and, when d != nil, d = Φ(x) + x·φ(x).
TEXT ·geluAVX2(SB), NOSPLIT, $0-32
	MOVQ y+0(FP), DI
	MOVQ d+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
	TESTQ CX, CX
	JEQ geluDone

geluLoop:
	VCVTPS2PD (SI), Y0 // f
	VANDPD ABS, Y0, Y1
	VMULPD INVSQ2, Y1, Y1 // z
	VMULPD Y1, Y1, Y2
	VXORPD SIGN, Y2, Y2 // w = -z²
	EXPW // Y5 = e
	VMULPD ERFCP, Y1, Y1
	VADDPD ONE, Y1, Y1
	VMOVUPD ONE, Y6
	VDIVPD Y1, Y6, Y1 // t
	VMULPD Y1, Y1, Y2 // t²
	VMULPD Y2, Y2, Y3 // t⁴
	VMULPD Q1, Y1, Y4
	VADDPD Q0, Y4, Y4
	VMULPD Q3, Y1, Y6
	VADDPD Q2, Y6, Y6
	VMULPD Y6, Y2, Y6
	VADDPD Y6, Y4, Y4
	VMULPD Q5, Y1, Y6
	VADDPD Q4, Y6, Y6
	VMULPD Q7, Y1, Y7
	VADDPD Q6, Y7, Y7
	VMULPD Y7, Y2, Y7
	VADDPD Y7, Y6, Y6
	VMULPD Y6, Y3, Y6
	VADDPD Y6, Y4, Y4
	VMULPD Y3, Y3, Y3
	VMULPD Q8, Y3, Y3
	VADDPD Y3, Y4, Y4 // q
	VMULPD C2, Y5, Y6 // 0.5·e
	VMULPD Y1, Y6, Y6
	VMULPD Y4, Y6, Y6 // h
	VMOVUPD ONE, Y7
	VSUBPD Y6, Y7, Y7 // 1 − h
	VBLENDVPD Y0, Y6, Y7, Y7 // Φ: h where f's sign bit is set
	VMULPD Y7, Y0, Y8
	VCVTPD2PSY Y8, X8
	VMOVUPS X8, (DI)
	TESTQ DX, DX
	JEQ geluNext
	VMULPD INVSQRT2PI, Y5, Y5 // φ
	VMULPD Y5, Y0, Y5
	VADDPD Y5, Y7, Y5
	VCVTPD2PSY Y5, X5
	VMOVUPS X5, (DX)
	ADDQ $16, DX

geluNext:
	ADDQ $16, SI
	ADDQ $16, DI
	SUBQ $4, CX
	JNE geluLoop
	VZEROUPPER

geluDone:
	RET

// func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eaxArg+0(FP), AX
	MOVL ecxArg+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv() (eax, edx uint32)
TEXT ·xgetbv(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	MOVL DX, edx+4(FP)
	RET

// func expRowAVX2(dst, src *float32, n int, scale float32, m float64, sums *[4]float64)
// expRowGo's loop: e = e^(float64(src·scale) − m), dst = float32(e), and e
// summed into lane i%4 of sums.
TEXT ·expRowAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS scale+24(FP), X10
	VBROADCASTSD m+32(FP), Y11
	MOVQ sums+40(FP), DX
	VMOVUPD (DX), Y12
	TESTQ CX, CX
	JEQ expDone

expLoop:
	VMOVUPS (SI), X0
	VMULPS X10, X0, X0
	VCVTPS2PD X0, Y2
	VSUBPD Y11, Y2, Y2 // w
	EXPW
	VADDPD Y5, Y12, Y12
	VCVTPD2PSY Y5, X5
	VMOVUPS X5, (DI)
	ADDQ $16, SI
	ADDQ $16, DI
	SUBQ $4, CX
	JNE expLoop

expDone:
	VMOVUPD Y12, (DX)
	VZEROUPPER
	RET

// func scaleRowAVX2(y *float32, n int, a float64)
// scaleRowGo's loop: y = float32(float64(y)·a).
TEXT ·scaleRowAVX2(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ n+8(FP), CX
	VBROADCASTSD a+16(FP), Y11
	TESTQ CX, CX
	JEQ scaleDone

scaleLoop:
	VCVTPS2PD (DI), Y0
	VMULPD Y11, Y0, Y0
	VCVTPD2PSY Y0, X0
	VMOVUPS X0, (DI)
	ADDQ $16, DI
	SUBQ $4, CX
	JNE scaleLoop

scaleDone:
	VZEROUPPER
	RET

// Plain float32 loops, 8 lanes. acc selects dst += … over dst = ….

// func reluAVX2(dst, src *float32, n int)
// reluF32's loop: x where x > 0 or x is NaN (compare "not ≤", unordered
// true), else +0.
TEXT ·reluAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPS Y15, Y15, Y15
	TESTQ CX, CX
	JEQ reluDone

reluLoop:
	VMOVUPS (SI), Y0
	VCMPPS $6, Y15, Y0, Y1 // NLE_US
	VANDPS Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNE reluLoop

reluDone:
	VZEROUPPER
	RET

// func reluGradAVX2(gx, gr, y *float32, n int, acc bool)
// reluGradF32's loop: g where y ≠ +0 (y is a relu output: positive, +0 or
// NaN; compare "≠", unordered true), else 0.
TEXT ·reluGradAVX2(SB), NOSPLIT, $0-33
	MOVQ gx+0(FP), DI
	MOVQ gr+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	MOVBLZX acc+32(FP), AX
	VXORPS Y15, Y15, Y15
	TESTQ CX, CX
	JEQ rgDone
	TESTQ AX, AX
	JNE rgAcc

rgStore:
	VMOVUPS (DX), Y0
	VCMPPS $4, Y15, Y0, Y1 // NEQ_UQ
	VANDPS (SI), Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	SUBQ $8, CX
	JNE rgStore
	JMP rgDone

rgAcc:
	VMOVUPS (DX), Y0
	VCMPPS $4, Y15, Y0, Y1
	VANDPS (SI), Y1, Y1
	VADDPS (DI), Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	SUBQ $8, CX
	JNE rgAcc

rgDone:
	VZEROUPPER
	RET

// func addAVX2(dst, src *float32, n int)
// addTo's accumulate loop: dst += src.
TEXT ·addAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	TESTQ CX, CX
	JEQ addDone

addLoop:
	VMOVUPS (DI), Y0
	VADDPS (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNE addLoop

addDone:
	VZEROUPPER
	RET

// func mulAVX2(dst, x, y *float32, n int, acc bool)
// mulTo's loops: dst (+)= x·y.
TEXT ·mulAVX2(SB), NOSPLIT, $0-33
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	MOVBLZX acc+32(FP), AX
	TESTQ CX, CX
	JEQ mulDone
	TESTQ AX, AX
	JNE mulAcc

mulStore:
	VMOVUPS (SI), Y0
	VMULPS (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	SUBQ $8, CX
	JNE mulStore
	JMP mulDone

mulAcc:
	VMOVUPS (SI), Y0
	VMULPS (DX), Y0, Y0
	VADDPS (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	SUBQ $8, CX
	JNE mulAcc

mulDone:
	VZEROUPPER
	RET

// func scaleAVX2(dst, src *float32, n int, a float32, acc bool)
// scaleTo's loops: dst (+)= a·src.
TEXT ·scaleAVX2(SB), NOSPLIT, $0-29
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS a+24(FP), Y15
	MOVBLZX acc+28(FP), AX
	TESTQ CX, CX
	JEQ scDone
	TESTQ AX, AX
	JNE scAcc

scStore:
	VMULPS (SI), Y15, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNE scStore
	JMP scDone

scAcc:
	VMULPS (SI), Y15, Y0
	VADDPS (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNE scAcc

scDone:
	VZEROUPPER
	RET

// func sumRows4AVX2(dst, gr *float32, n, rows int)
// sumRowsTo's four-row loop: dst += (g0 + g1) + (g2 + g3) for each group
// of four rows of n (rows a multiple of 4, n of 8).
TEXT ·sumRows4AVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ gr+8(FP), SI
	MOVQ n+16(FP), BX
	MOVQ rows+24(FP), R8
	SHLQ $2, BX // row stride in bytes
	LEAQ (BX)(BX*2), R9 // 3 rows
	TESTQ R8, R8
	JEQ srDone

srRows:
	XORQ AX, AX // byte offset within the row

srCols:
	VMOVUPS (SI)(AX*1), Y0
	LEAQ (SI)(BX*1), DX
	VADDPS (DX)(AX*1), Y0, Y0
	LEAQ (SI)(BX*2), DX
	VMOVUPS (DX)(AX*1), Y1
	LEAQ (SI)(R9*1), DX
	VADDPS (DX)(AX*1), Y1, Y1
	VADDPS Y1, Y0, Y0
	VADDPS (DI)(AX*1), Y0, Y0
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, BX
	JLT srCols
	LEAQ (SI)(BX*4), SI
	SUBQ $4, R8
	JNE srRows

srDone:
	VZEROUPPER
	RET

// func addSubAVX2(z, x, y *float32, n int, sub bool)
// binSame's add and subtract loops: z = x + y, or x − y.
TEXT ·addSubAVX2(SB), NOSPLIT, $0-33
	MOVQ z+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	MOVBLZX sub+32(FP), AX
	TESTQ CX, CX
	JEQ asDone
	TESTQ AX, AX
	JNE asSub

asAdd:
	VMOVUPS (SI), Y0
	VADDPS (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	SUBQ $8, CX
	JNE asAdd
	JMP asDone

asSub:
	VMOVUPS (SI), Y0
	VSUBPS (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	SUBQ $8, CX
	JNE asSub

asDone:
	VZEROUPPER
	RET

// LayerNorm rows (norm.go). Sums run in four float64 lanes, element i into
// lane i%4, as the Go loops do.

// func sum4AVX2(x *float32, n int, lanes *[4]float64)
// lanes += the elements of x.
TEXT ·sum4AVX2(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ lanes+16(FP), DX
	VMOVUPD (DX), Y1
	TESTQ CX, CX
	JEQ s4Done

s4Loop:
	VCVTPS2PD (SI), Y0
	VADDPD Y0, Y1, Y1
	ADDQ $16, SI
	SUBQ $4, CX
	JNE s4Loop

s4Done:
	VMOVUPD Y1, (DX)
	VZEROUPPER
	RET

// func sqdev4AVX2(x *float32, n int, mean float64, lanes *[4]float64)
// lanes += (x − mean)², in float64.
TEXT ·sqdev4AVX2(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSD mean+16(FP), Y2
	MOVQ lanes+24(FP), DX
	VMOVUPD (DX), Y1
	TESTQ CX, CX
	JEQ sqDone

sqLoop:
	VCVTPS2PD (SI), Y0
	VSUBPD Y2, Y0, Y0
	VMULPD Y0, Y0, Y0
	VADDPD Y0, Y1, Y1
	ADDQ $16, SI
	SUBQ $4, CX
	JNE sqLoop

sqDone:
	VMOVUPD Y1, (DX)
	VZEROUPPER
	RET

// func lnApplyAVX2(xh, o, x, gain, bias *float32, n int, mean, rs float64)
// h = float32((x − mean)·rs); xh = h; o = h·gain + bias, or o = h when
// gain is nil.
TEXT ·lnApplyAVX2(SB), NOSPLIT, $0-64
	MOVQ xh+0(FP), DI
	MOVQ o+8(FP), R8
	MOVQ x+16(FP), SI
	MOVQ gain+24(FP), R9
	MOVQ bias+32(FP), R10
	MOVQ n+40(FP), CX
	VBROADCASTSD mean+48(FP), Y2
	VBROADCASTSD rs+56(FP), Y3
	TESTQ CX, CX
	JEQ laDone
	TESTQ R9, R9
	JEQ laPlain

laAffine:
	VCVTPS2PD (SI), Y0
	VSUBPD Y2, Y0, Y0
	VMULPD Y3, Y0, Y0
	VCVTPD2PSY Y0, X0
	VMOVUPS X0, (DI)
	VMULPS (R9), X0, X0
	VADDPS (R10), X0, X0
	VMOVUPS X0, (R8)
	ADDQ $16, SI
	ADDQ $16, DI
	ADDQ $16, R8
	ADDQ $16, R9
	ADDQ $16, R10
	SUBQ $4, CX
	JNE laAffine
	JMP laDone

laPlain:
	VCVTPS2PD (SI), Y0
	VSUBPD Y2, Y0, Y0
	VMULPD Y3, Y0, Y0
	VCVTPD2PSY Y0, X0
	VMOVUPS X0, (DI)
	VMOVUPS X0, (R8)
	ADDQ $16, SI
	ADDQ $16, DI
	ADDQ $16, R8
	SUBQ $4, CX
	JNE laPlain

laDone:
	VZEROUPPER
	RET

// func lnDotsAVX2(gr, gain, xh *float32, n int, lanes *[8]float64)
// With dh = gr·gain (float32): lanes[0:4] += dh and lanes[4:8] += dh·xh,
// in float64.
TEXT ·lnDotsAVX2(SB), NOSPLIT, $0-40
	MOVQ gr+0(FP), SI
	MOVQ gain+8(FP), R9
	MOVQ xh+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ lanes+32(FP), DI
	VMOVUPD (DI), Y4
	VMOVUPD 32(DI), Y5
	TESTQ CX, CX
	JEQ ldDone

ldLoop:
	VMOVUPS (SI), X0
	VMULPS (R9), X0, X0
	VCVTPS2PD X0, Y0
	VADDPD Y0, Y4, Y4
	VCVTPS2PD (DX), Y1
	VMULPD Y1, Y0, Y0
	VADDPD Y0, Y5, Y5
	ADDQ $16, SI
	ADDQ $16, R9
	ADDQ $16, DX
	SUBQ $4, CX
	JNE ldLoop

ldDone:
	VMOVUPD Y4, (DI)
	VMOVUPD Y5, 32(DI)
	VZEROUPPER
	RET

// func lnGradAVX2(dst, gr, gain, xh *float32, n int, rs, m1, m2 float32, acc bool)
// dst (+)= rs·((gr·gain − m1) − xh·m2), in float32.
TEXT ·lnGradAVX2(SB), NOSPLIT, $0-53
	MOVQ dst+0(FP), DI
	MOVQ gr+8(FP), SI
	MOVQ gain+16(FP), R9
	MOVQ xh+24(FP), DX
	MOVQ n+32(FP), CX
	VBROADCASTSS rs+40(FP), Y13
	VBROADCASTSS m1+44(FP), Y14
	VBROADCASTSS m2+48(FP), Y15
	MOVBLZX acc+52(FP), AX
	TESTQ CX, CX
	JEQ lgDone

lgLoop:
	VMOVUPS (SI), X0
	VMULPS (R9), X0, X0
	VSUBPS X14, X0, X0
	VMULPS (DX), X15, X1
	VSUBPS X1, X0, X0
	VMULPS X13, X0, X0
	TESTQ AX, AX
	JEQ lgStore
	VADDPS (DI), X0, X0

lgStore:
	VMOVUPS X0, (DI)
	ADDQ $16, SI
	ADDQ $16, R9
	ADDQ $16, DX
	ADDQ $16, DI
	SUBQ $4, CX
	JNE lgLoop

lgDone:
	VZEROUPPER
	RET

// EXPW512 is EXPW on 8 lanes: Z5 = e^w from w in Z2, with the constants
// broadcast from the same table. Clobbers Z3, Z4, Z6-Z9, K2.
#define EXPW512 \
	VMULPD.BCST LOG2E, Z2, Z3; \
	VADDPD.BCST MAGIC, Z3, Z3; \
	VSUBPD.BCST MAGIC, Z3, Z4; \
	VMULPD.BCST LN2HI, Z4, Z5; \
	VSUBPD Z5, Z2, Z5; \
	VMULPD.BCST LN2LO, Z4, Z4; \
	VSUBPD Z4, Z5, Z5; \
	VMULPD Z5, Z5, Z6; \
	VMULPD.BCST C3, Z5, Z7; \
	VADDPD.BCST C2, Z7, Z7; \
	VMULPD.BCST C5, Z5, Z8; \
	VADDPD.BCST C4, Z8, Z8; \
	VMULPD.BCST C7, Z5, Z9; \
	VADDPD.BCST C6, Z9, Z9; \
	VADDPD.BCST ONE, Z5, Z5; \
	VMULPD Z6, Z7, Z7; \
	VADDPD Z7, Z5, Z5; \
	VMULPD Z9, Z6, Z9; \
	VADDPD Z9, Z8, Z8; \
	VMULPD Z6, Z6, Z6; \
	VMULPD Z8, Z6, Z6; \
	VADDPD Z6, Z5, Z5; \
	VPSUBQ.BCST MAGIC, Z3, Z3; \
	VPADDQ.BCST BIAS, Z3, Z3; \
	VPSLLQ $52, Z3, Z3; \
	VMULPD Z3, Z5, Z5; \
	VCMPPD.BCST $5, M700, Z2, K2; \
	VMOVAPD.Z Z5, K2, Z5

// func geluAVX512(y, d, x *float32, n int)
// geluAVX2 on 8 lanes (n a multiple of 8).
TEXT ·geluAVX512(SB), NOSPLIT, $0-32
	MOVQ y+0(FP), DI
	MOVQ d+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
	TESTQ CX, CX
	JEQ g512Done

g512Loop:
	VCVTPS2PD (SI), Z0 // f
	VPANDQ.BCST ABS, Z0, Z1
	VMULPD.BCST INVSQ2, Z1, Z1 // z
	VMULPD Z1, Z1, Z2
	VPXORQ.BCST SIGN, Z2, Z2 // w = -z²
	EXPW512 // Z5 = e
	VMULPD.BCST ERFCP, Z1, Z1
	VADDPD.BCST ONE, Z1, Z1
	VBROADCASTSD ONE, Z6
	VDIVPD Z1, Z6, Z1 // t
	VMULPD Z1, Z1, Z2 // t²
	VMULPD Z2, Z2, Z3 // t⁴
	VMULPD.BCST Q1, Z1, Z4
	VADDPD.BCST Q0, Z4, Z4
	VMULPD.BCST Q3, Z1, Z6
	VADDPD.BCST Q2, Z6, Z6
	VMULPD Z6, Z2, Z6
	VADDPD Z6, Z4, Z4
	VMULPD.BCST Q5, Z1, Z6
	VADDPD.BCST Q4, Z6, Z6
	VMULPD.BCST Q7, Z1, Z7
	VADDPD.BCST Q6, Z7, Z7
	VMULPD Z7, Z2, Z7
	VADDPD Z7, Z6, Z6
	VMULPD Z6, Z3, Z6
	VADDPD Z6, Z4, Z4
	VMULPD Z3, Z3, Z3
	VMULPD.BCST Q8, Z3, Z3
	VADDPD Z3, Z4, Z4 // q
	VMULPD.BCST C2, Z5, Z6 // 0.5·e
	VMULPD Z1, Z6, Z6
	VMULPD Z4, Z6, Z6 // h
	VBROADCASTSD ONE, Z7
	VSUBPD Z6, Z7, Z7 // 1 − h
	VPTESTMQ.BCST SIGN, Z0, K1 // f's sign bit
	VBLENDMPD Z6, Z7, K1, Z7 // Φ
	VMULPD Z7, Z0, Z8
	VCVTPD2PS Z8, Y8
	VMOVUPS Y8, (DI)
	TESTQ DX, DX
	JEQ g512Next
	VMULPD.BCST INVSQRT2PI, Z5, Z5 // φ
	VMULPD Z5, Z0, Z5
	VADDPD Z5, Z7, Z5
	VCVTPD2PS Z5, Y5
	VMOVUPS Y5, (DX)
	ADDQ $32, DX

g512Next:
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNE g512Loop
	VZEROUPPER

g512Done:
	RET
