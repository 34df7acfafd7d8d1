package gemm

import "unsafe"

// goKernel is the portable microkernel: the same contract as the assembly
// kernels (see kparams) for an mr x nr tile. Blocks of 2 rows x 4 columns
// keep their 8 accumulators in registers; edges go one row at a time.
// Every element is accumulated with the same expression sequentially in p
// order, so results do not depend on the tile position.
func goKernel(p *kparams, mr, nr int) {
	i := 0
	for ; i+2 <= mr; i += 2 {
		j := 0
		for ; j+4 <= nr; j += 4 {
			goBlock2x4(p, i, j)
		}
		goRow(p, i, j, nr)
		goRow(p, i+1, j, nr)
	}
	if i < mr {
		goRow(p, i, 0, nr)
	}
}

// goStore writes alpha*s (+ beta*C) to C at c.
func goStore(p *kparams, c unsafe.Pointer, s float32) {
	cv := (*float32)(c)
	s *= p.alpha
	if p.loadC != 0 {
		s += p.beta * *cv
	}
	*cv = s
}

// goBlock2x4 computes rows i, i+1 and columns j..j+3 of the tile.
func goBlock2x4(p *kparams, i, j int) {
	k, rsA, csA, rsB := p.k, p.rsA, p.csA, p.rsB
	a0 := unsafe.Add(p.a, i*rsA)
	a1 := unsafe.Add(a0, rsA)
	b := unsafe.Add(p.b, 4*j)
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	for q := 0; q < k; q++ {
		bv := (*[4]float32)(unsafe.Add(b, q*rsB))
		b0, b1, b2, b3 := bv[0], bv[1], bv[2], bv[3]
		x := *(*float32)(unsafe.Add(a0, q*csA))
		y := *(*float32)(unsafe.Add(a1, q*csA))
		c00, c01, c02, c03 = c00+x*b0, c01+x*b1, c02+x*b2, c03+x*b3
		c10, c11, c12, c13 = c10+y*b0, c11+y*b1, c12+y*b2, c13+y*b3
	}
	c := unsafe.Add(p.c, i*p.ldc+4*j)
	goStore(p, c, c00)
	goStore(p, unsafe.Add(c, 4), c01)
	goStore(p, unsafe.Add(c, 8), c02)
	goStore(p, unsafe.Add(c, 12), c03)
	c = unsafe.Add(c, p.ldc)
	goStore(p, c, c10)
	goStore(p, unsafe.Add(c, 4), c11)
	goStore(p, unsafe.Add(c, 8), c12)
	goStore(p, unsafe.Add(c, 12), c13)
}

// goRow computes row i, columns j0..nr-1 of the tile.
func goRow(p *kparams, i, j0, nr int) {
	k, csA, rsB := p.k, p.csA, p.rsB
	arow := unsafe.Add(p.a, i*p.rsA)
	crow := unsafe.Add(p.c, i*p.ldc)
	for j := j0; j < nr; j++ {
		var s float32
		bcol := unsafe.Add(p.b, 4*j)
		for q := 0; q < k; q++ {
			x := *(*float32)(unsafe.Add(arow, q*csA))
			s = s + x**(*float32)(unsafe.Add(bcol, q*rsB))
		}
		goStore(p, unsafe.Add(crow, 4*j), s)
	}
}
