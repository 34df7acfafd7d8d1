//go:build !amd64 || purego

package gemm

func detectImpl() int { return implGeneric }

// callKernel runs the portable microkernel on an mr x nr tile.
func callKernel(_, mr, nr int, p *kparams) { goKernel(p, mr, nr) }
