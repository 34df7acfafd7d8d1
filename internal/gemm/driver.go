package gemm

import (
	"unsafe"
)

// sjob is one Sgemm call after argument checking and planning.
type sjob struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
	impl           int

	// Filled in by plan.
	packA, packB bool
	pairs        bool // narrow C (n <= 8) on the AVX-512 pair kernels
	kc           int  // depth of the k blocks; a function of k and impl only
	ncb          int  // columns per packed-B block (k*ncb <= bBudget)
	nt           int  // goroutines to use
	splitN       bool // chunks are column ranges of C (else row ranges)
	chunk        int  // rows or columns per chunk
	nchunks      int

	// Set for one parallel round: op(B)[:, bn0:bn1] packed (splitM only).
	pb       []float32
	bn0, bn1 int
}

// Planning thresholds, in multiply-adds (m*n*k).
const (
	// Below packMin (and with k in one block) the small path runs: nothing
	// is packed (a transposed B is transposed on the stack) or threaded.
	packMin = 1 << 20
	// Each extra thread needs at least parGrain multiply-adds of work
	// (about 8 µs): handing work to a helper costs from about a microsecond
	// (helper spinning) to tens of microseconds (helper parked, or its vCPU
	// descheduled), so smaller products stay on the calling goroutine.
	parGrain = 1 << 20
	// Target work per chunk of a threaded call.
	chunkGrain = 1 << 16
	// Max float32s of packed B per block (the whole k depth of ncb columns).
	bBudget = 1 << 20
)

// pairsOK reports whether a product runs on the AVX-512 pair kernels: C
// at most 8 wide (a 16-wide kernel would leave half its lanes idle) and A,
// B not transposed (a transposed A takes sgemmNarrowT instead).
func pairsOK(impl int, transA, transB bool, n, k int) bool {
	return impl == implAVX512 && haveAsmPack && useNarrow && !transA && !transB && n <= 8 && k >= 2
}

// forcePack, when >= 0, overrides the packing decision (bit 0: pack A,
// bit 1: pack B; a transposed B is always packed). Tests only.
var forcePack = -1

// kcFor returns the k-block depth: k itself when it fits in one block,
// else equal-sized blocks of at most g.kc. It depends only on k and the
// kernel set, which is what makes results independent of threading.
func kcFor(k int, g *geometry) int {
	if k <= g.kc {
		return k
	}
	nb := (k + g.kc - 1) / g.kc
	return (k + nb - 1) / nb
}

// badStride reports whether a row stride (in float32s) defeats the caches
// when the rows of a panel are read in place.
func badStride(ld int) bool { return ld >= 1024 || ld%512 == 0 }

func roundUp(x, m int) int { return (x + m - 1) / m * m }

// plan chooses packing, k blocking and the thread split.
func (j *sjob) plan(threads int) {
	g := &geoms[j.impl]
	j.kc = kcFor(j.k, g)
	j.ncb = max(g.nr, bBudget/j.k/g.nr*g.nr)
	work := j.m * j.n * j.k
	// Reading an operand in place is as fast as reading a packed copy
	// unless its row stride makes the rows of a panel collide in the L1
	// cache (multiples of 2 KiB: every row maps to the same one or two
	// sets) or puts every row on its own page (TLB misses). Packing costs
	// roughly one pass over the operand, so it also needs enough reuse.
	j.packB = j.transB || (badStride(j.ldb) && j.m >= 256 && j.k >= 64)
	j.packA = badStride(j.lda) && j.n >= 256 && j.k >= 64 && j.m >= g.mr
	if forcePack >= 0 { // tests: exercise every packing combination
		j.packA, j.packB = forcePack&1 != 0, forcePack&2 != 0 || j.transB
	}
	if j.pairs = pairsOK(j.impl, j.transA, j.transB, j.n, j.k); j.pairs {
		// One k block; B is always packed (into pairs of rows); A is read
		// in place (the kernel needs consecutive k adjacent).
		j.kc, j.packA, j.packB = j.k, false, true
	}
	j.nt = 1
	if threads <= 1 || work < 2*parGrain {
		return
	}
	nt := min(threads, work/parGrain)
	// Chunks are handed out dynamically, so a thread that is descheduled
	// (or busy with another caller's job) does not hold the call back.
	// Split the rows unless there are too few of them.
	rowWork := j.n * j.k // per row of C
	if j.m >= 4*g.mr*nt || j.m >= j.n {
		j.splitN = false
		rows := max((j.m+4*nt-1)/(4*nt), chunkGrain/max(rowWork, 1))
		j.chunk = roundUp(max(rows, 1), g.mr)
		j.nchunks = (j.m + j.chunk - 1) / j.chunk
	} else {
		j.splitN = true
		// Each column chunk packs its own copy of op(A): use fewer, wider chunks.
		cols := max((j.n+2*nt-1)/(2*nt), chunkGrain/max(j.m*j.k, 1))
		j.chunk = roundUp(max(cols, 1), g.nr)
		j.nchunks = (j.n + j.chunk - 1) / j.chunk
	}
	j.nt = min(nt, j.nchunks)
}

// runChunk computes chunk c of a threaded job.
func (j *sjob) runChunk(c int, buf *packBuf) {
	lo := c * j.chunk
	if j.splitN {
		j.runCols(0, j.m, lo, min(j.n, lo+j.chunk), buf)
		return
	}
	hi := min(j.m, lo+j.chunk)
	if j.packB {
		j.run(lo, hi, j.bn0, j.bn1, j.pb, buf)
	} else {
		j.run(lo, hi, 0, j.n, nil, buf)
	}
}

// runCols computes C[m0:m1, n0:n1], packing B itself (in blocks of ncb
// columns) when the plan asks for it.
func (j *sjob) runCols(m0, m1, n0, n1 int, buf *packBuf) {
	if !j.packB {
		j.run(m0, m1, n0, n1, nil, buf)
		return
	}
	for jc := n0; jc < n1; jc += j.ncb {
		jc1 := min(n1, jc+j.ncb)
		pb := j.packBBlock(buf, jc, jc1)
		j.run(m0, m1, jc, jc1, pb, buf)
	}
}

// packBBlock packs op(B)[0:k, n0:n1] into buf: k block pc starts at
// pc*roundUp(n1-n0, nr), and within it the nr-column panel starting at
// column n0+jr sits at offset jr*kcur, stored k-major (kcur x nr).
func (j *sjob) packBBlock(buf *packBuf, n0, n1 int) []float32 {
	g := &geoms[j.impl]
	NR := g.nr
	if j.pairs {
		pb := buf.bufB(16 * ((j.k + 1) / 2))
		_ = j.b[(j.k-1)*j.ldb+n1-1]
		packPairs(unsafe.Pointer(&j.b[n0]), 4*j.ldb, j.k, n1-n0, unsafe.Pointer(&pb[0]))
		return pb
	}
	npad := roundUp(n1-n0, NR)
	pb := buf.bufB(j.k * npad)
	asmPack := haveAsmPack && j.impl == implAVX512
	for pc := 0; pc < j.k; pc += j.kc {
		kcur := min(j.kc, j.k-pc)
		blk := pb[pc*npad:]
		for jr := 0; jr < n1-n0; jr += NR {
			packB(blk[jr*kcur:], NR, j.b, j.ldb, j.transB, pc, kcur, n0+jr, min(NR, n1-n0-jr), asmPack)
		}
	}
	return pb
}

// run computes the block C[m0:m1, n0:n1] on the calling goroutine. When
// j.packB is set, pb holds op(B)[:, n0:n1] packed by packBBlock; otherwise
// B is read in place. A is packed into buf per (k block, mc rows) when
// j.packA is set, else read in place.
func (j *sjob) run(m0, m1, n0, n1 int, pb []float32, buf *packBuf) {
	if m0 >= m1 || n0 >= n1 {
		return
	}
	g := &geoms[j.impl]
	MR, NR := g.mr, g.nr
	asmPack := haveAsmPack && j.impl == implAVX512
	mc := m1 - m0
	if j.packA {
		mc = g.mc
	}
	npad := roundUp(n1-n0, NR)
	var kp kparams
	kp.ldc = 4 * j.ldc
	kp.alpha = j.alpha
	var pa []float32
	for pc := 0; pc < j.k; pc += j.kc {
		kcur := min(j.kc, j.k-pc)
		kp.k = kcur
		kp.beta, kp.loadC = 1, 1
		if pc == 0 {
			kp.beta = j.beta
			if j.beta == 0 {
				kp.loadC = 0
			}
		}
		for ic := m0; ic < m1; ic += mc {
			mcur := min(mc, m1-ic)
			if j.packA {
				pa = buf.bufA(kcur * roundUp(mcur, MR))
				for ir := 0; ir < mcur; ir += MR {
					packA(pa[ir*kcur:], MR, j.a, j.lda, j.transA, ic+ir, min(MR, mcur-ir), pc, kcur, asmPack)
				}
			}
			for jr := 0; jr < n1-n0; jr += NR {
				nr := min(NR, n1-n0-jr)
				switch {
				case j.pairs:
					kp.b = unsafe.Pointer(&pb[0])
					kp.rsB = 64
				case j.packB:
					kp.b = unsafe.Pointer(&pb[pc*npad+jr*kcur])
					kp.rsB = 4 * NR
				default:
					kp.b = unsafe.Pointer(&j.b[pc*j.ldb+n0+jr])
					kp.rsB = 4 * j.ldb
				}
				mask := uint64(1)<<nr - 1
				kp.m0, kp.m1 = uint16(mask), uint16(mask>>16)
				kp.ymask = unsafe.Pointer(&ymaskTab[7-(nr-1)%8])
				for ir := 0; ir < mcur; ir += MR {
					mr := min(MR, mcur-ir)
					switch {
					case j.packA:
						kp.a = unsafe.Pointer(&pa[ir*kcur])
						kp.rsA, kp.csA = 4, 4*MR
					case j.transA:
						kp.a = unsafe.Pointer(&j.a[pc*j.lda+ic+ir])
						kp.rsA, kp.csA = 4, 4*j.lda
					default:
						kp.a = unsafe.Pointer(&j.a[(ic+ir)*j.lda+pc])
						kp.rsA, kp.csA = 4*j.lda, 4
					}
					kp.c = unsafe.Pointer(&j.c[(ic+ir)*j.ldc+n0+jr])
					if j.pairs {
						callPair512(mr, &kp)
						continue
					}
					callKernel(j.impl, mr, nr, &kp)
				}
			}
		}
	}
}

// packA copies the mr x kc panel op(A)[i0:i0+mr, p0:p0+kc] to dst in
// k-major order: dst[p*mrMax+i]. Rows mr..mrMax-1 are left untouched (the
// kernel for mr rows never reads them).
func packA(dst []float32, mrMax int, a []float32, lda int, trans bool, i0, mr, p0, kc int, asm bool) {
	if asm {
		_ = dst[(kc-1)*mrMax+mr-1] // bounds checks for the assembly
		if trans {
			_ = a[(p0+kc-1)*lda+i0+mr-1]
			copyRows(unsafe.Pointer(&a[p0*lda+i0]), 4*lda, unsafe.Pointer(&dst[0]), 4*mrMax, mr, kc)
			return
		}
		_ = a[(i0+mr-1)*lda+p0+kc-1]
		for q := 0; q < kc; q += 16 {
			tr16(unsafe.Pointer(&a[i0*lda+p0+q]), 4*lda, mr, unsafe.Pointer(&dst[q*mrMax]), 4*mrMax, min(16, kc-q))
		}
		return
	}
	if trans {
		for p := 0; p < kc; p++ {
			src := a[(p0+p)*lda+i0 : (p0+p)*lda+i0+mr]
			copy(dst[p*mrMax:p*mrMax+mr], src)
		}
		return
	}
	for i := 0; i < mr; i++ {
		src := a[(i0+i)*lda+p0 : (i0+i)*lda+p0+kc]
		d := dst[i : i+(kc-1)*mrMax+1]
		for p, v := range src {
			d[p*mrMax] = v
		}
	}
}

// packB copies the kc x nr panel op(B)[p0:p0+kc, j0:j0+nr] to dst in
// k-major order: dst[p*nrMax+j]. Columns nr..nrMax-1 are left untouched
// (the kernels mask them off).
func packB(dst []float32, nrMax int, b []float32, ldb int, trans bool, p0, kc, j0, nr int, asm bool) {
	if asm {
		_ = dst[(kc-1)*nrMax+nr-1] // bounds checks for the assembly
		if !trans {
			_ = b[(p0+kc-1)*ldb+j0+nr-1]
			copyRows(unsafe.Pointer(&b[p0*ldb+j0]), 4*ldb, unsafe.Pointer(&dst[0]), 4*nrMax, nr, kc)
			return
		}
		_ = b[(j0+nr-1)*ldb+p0+kc-1]
		for g := 0; g < nr; g += 16 {
			for q := 0; q < kc; q += 16 {
				tr16(unsafe.Pointer(&b[(j0+g)*ldb+p0+q]), 4*ldb, min(16, nr-g), unsafe.Pointer(&dst[q*nrMax+g]), 4*nrMax, min(16, kc-q))
			}
		}
		return
	}
	if !trans {
		for p := 0; p < kc; p++ {
			src := b[(p0+p)*ldb+j0 : (p0+p)*ldb+j0+nr]
			copy(dst[p*nrMax:p*nrMax+nr], src)
		}
		return
	}
	for jj := 0; jj < nr; jj++ {
		src := b[(j0+jj)*ldb+p0 : (j0+jj)*ldb+p0+kc]
		d := dst[jj : jj+(kc-1)*nrMax+1]
		for p, v := range src {
			d[p*nrMax] = v
		}
	}
}
