package gemm

import "unsafe"

// goKernel is the portable microkernel: the same contract as the assembly
// kernels (see kparams) for an mr x nr tile, computed one row and four
// columns at a time. Every element is still accumulated sequentially in p
// order, so results do not depend on the tile position.
func goKernel(p *kparams, mr, nr int) {
	k, csA, rsB := p.k, p.csA, p.rsB
	loadC := p.loadC != 0
	for i := 0; i < mr; i++ {
		arow := unsafe.Add(p.a, i*p.rsA)
		crow := unsafe.Add(p.c, i*p.ldc)
		j := 0
		for ; j+4 <= nr; j += 4 {
			var s0, s1, s2, s3 float32
			bcol := unsafe.Add(p.b, 4*j)
			for q := 0; q < k; q++ {
				av := *(*float32)(unsafe.Add(arow, q*csA))
				bv := (*[4]float32)(unsafe.Add(bcol, q*rsB))
				s0 += av * bv[0]
				s1 += av * bv[1]
				s2 += av * bv[2]
				s3 += av * bv[3]
			}
			cv := (*[4]float32)(unsafe.Add(crow, 4*j))
			s0, s1, s2, s3 = p.alpha*s0, p.alpha*s1, p.alpha*s2, p.alpha*s3
			if loadC {
				s0 += p.beta * cv[0]
				s1 += p.beta * cv[1]
				s2 += p.beta * cv[2]
				s3 += p.beta * cv[3]
			}
			cv[0], cv[1], cv[2], cv[3] = s0, s1, s2, s3
		}
		for ; j < nr; j++ {
			var s float32
			bcol := unsafe.Add(p.b, 4*j)
			for q := 0; q < k; q++ {
				s += *(*float32)(unsafe.Add(arow, q*csA)) * *(*float32)(unsafe.Add(bcol, q*rsB))
			}
			cv := (*float32)(unsafe.Add(crow, 4*j))
			s *= p.alpha
			if loadC {
				s += p.beta * *cv
			}
			*cv = s
		}
	}
}
