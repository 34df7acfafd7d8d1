//go:build !amd64 || purego

package gemm

func detectImpl() int { return implGeneric }

// callKernel runs the portable microkernel on an mr x nr tile.
func callKernel(_, mr, nr int, p *kparams) { goKernel(p, mr, nr) }

func callPair512(mr int, p *kparams) { panic("gemm: pair kernel without assembly") }
