//go:build amd64 && !purego

package gemm

//go:generate go run gen_kernels.go

func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
func xgetbv() (eax, edx uint32)

// detectImpl picks the best kernel set the CPU and OS support.
func detectImpl() int {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return implGeneric
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const osxsave, avx, fma = 1 << 27, 1 << 28, 1 << 12
	if ecx1&osxsave == 0 || ecx1&avx == 0 || ecx1&fma == 0 {
		return implGeneric
	}
	xcr0, _ := xgetbv()
	if xcr0&0x6 != 0x6 { // XMM and YMM state enabled by the OS
		return implGeneric
	}
	_, ebx7, _, _ := cpuid(7, 0)
	const avx2, avx512f = 1 << 5, 1 << 16
	if ebx7&avx512f != 0 && xcr0&0xe6 == 0xe6 { // + opmask, ZMM0-15 hi, ZMM16-31
		return implAVX512
	}
	if ebx7&avx2 != 0 {
		return implAVX2
	}
	return implGeneric
}

// callKernel runs the microkernel of impl on an mr x nr tile described by p.
func callKernel(impl, mr, nr int, p *kparams) {
	switch impl {
	case implAVX512:
		callK512(mr, (nr+15)>>4, p)
	case implAVX2:
		callK256(mr, (nr+7)>>3, p)
	default:
		goKernel(p, mr, nr)
	}
}
