package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"unsafe"
)

func TestKparamsLayout(t *testing.T) {
	var p kparams
	got := []uintptr{
		unsafe.Offsetof(p.a), unsafe.Offsetof(p.b), unsafe.Offsetof(p.c),
		unsafe.Offsetof(p.k), unsafe.Offsetof(p.rsA), unsafe.Offsetof(p.csA),
		unsafe.Offsetof(p.rsB), unsafe.Offsetof(p.ldc), unsafe.Offsetof(p.alpha),
		unsafe.Offsetof(p.beta), unsafe.Offsetof(p.loadC), unsafe.Offsetof(p.m0),
		unsafe.Offsetof(p.m1), unsafe.Offsetof(p.ymask),
	}
	want := []uintptr{0, 8, 16, 24, 32, 40, 48, 56, 64, 68, 72, 80, 82, 88}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("kparams field %d at offset %d, want %d (regenerate the kernels)", i, got[i], want[i])
		}
	}
}

// impls lists the kernel sets this machine can run.
func impls() []int {
	var r []int
	for i := implGeneric; i <= bestImpl; i++ {
		r = append(r, i)
	}
	return r
}

var implNames = [...]string{"generic", "avx2", "avx512"}

// setImpl forces a kernel set for the rest of the test.
func setImpl(t testing.TB, impl int) {
	old := forceImpl
	forceImpl = impl
	t.Cleanup(func() { forceImpl = old })
}

func setThreads(t testing.TB, n int) {
	old := Threads()
	SetThreads(n)
	t.Cleanup(func() { SetThreads(old) })
}

type problem struct {
	tA, tB        bool
	m, n, k       int
	alpha, beta   float32
	a, b, c       []float32
	lda, ldb, ldc int
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.Float64()*2 - 1)
	}
	return s
}

// newProblem builds a random problem whose stored matrices have row strides
// cols+pad; the padding is filled with a sentinel that must survive.
func newProblem(r *rand.Rand, tA, tB bool, m, n, k, pad int, alpha, beta float32) *problem {
	p := &problem{tA: tA, tB: tB, m: m, n: n, k: k, alpha: alpha, beta: beta}
	ar, ac := m, k
	if tA {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB {
		br, bc = n, k
	}
	p.lda, p.ldb, p.ldc = ac+pad, bc+pad, n+pad
	p.a = randSlice(r, max(ar*p.lda, 1))
	p.b = randSlice(r, max(br*p.ldb, 1))
	p.c = randSlice(r, max(m*p.ldc, 1))
	if beta == 0 {
		for i := range p.c {
			p.c[i] = float32(math.NaN())
		}
	}
	for i := range p.c {
		if i%p.ldc >= n {
			p.c[i] = 12345
		}
	}
	return p
}

func (p *problem) opA(i, q int) float64 {
	if p.tA {
		return float64(p.a[q*p.lda+i])
	}
	return float64(p.a[i*p.lda+q])
}

func (p *problem) opB(q, j int) float64 {
	if p.tB {
		return float64(p.b[j*p.ldb+q])
	}
	return float64(p.b[q*p.ldb+j])
}

// run computes the problem into a copy of C.
func (p *problem) run() []float32 {
	c := append([]float32(nil), p.c...)
	Sgemm(p.tA, p.tB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, c, p.ldc)
	return c
}

// check compares got with a float64 reference, elementwise, against the
// standard error bound (k+4)*2^-23 * (|alpha| sum|a||b| + |beta c|).
func (p *problem) check(t *testing.T, what string, got []float32) {
	t.Helper()
	tol := float64(p.k+4) * 0x1p-23
	// Dense float64 copies of op(A) (m x k) and op(B)ᵀ (n x k).
	A := make([]float64, p.m*p.k)
	Bt := make([]float64, p.n*p.k)
	for q := 0; q < p.k; q++ {
		for i := 0; i < p.m; i++ {
			A[i*p.k+q] = p.opA(i, q)
		}
		for j := 0; j < p.n; j++ {
			Bt[j*p.k+q] = p.opB(q, j)
		}
	}
	bad := 0
	for i := 0; i < p.m; i++ {
		for j := 0; j < p.ldc; j++ {
			g := got[i*p.ldc+j]
			if j >= p.n {
				if g != 12345 {
					t.Fatalf("%s: padding C[%d,%d] overwritten: %v", what, i, j, g)
				}
				continue
			}
			var s, sa float64
			ar, br := A[i*p.k:(i+1)*p.k], Bt[j*p.k:(j+1)*p.k]
			for q, av := range ar {
				x := av * br[q]
				s += x
				sa += math.Abs(x)
			}
			want := float64(p.alpha) * s
			bound := math.Abs(float64(p.alpha)) * sa
			if p.beta != 0 {
				cv := float64(p.c[i*p.ldc+j])
				want += float64(p.beta) * cv
				bound += math.Abs(float64(p.beta) * cv)
			}
			if d := math.Abs(float64(g) - want); !(d <= tol*bound+1e-30) {
				bad++
				if bad < 5 {
					t.Errorf("%s: C[%d,%d] = %v, want %v (err %g, bound %g)", what, i, j, g, want, d, tol*bound)
				}
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%s: %d bad elements", what, bad)
	}
}

var testSizes = []int{1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 64, 100, 128, 255, 256, 257}

var scalars = []struct{ alpha, beta float32 }{{1, 0}, {1, 1}, {-0.5, 0.5}, {2, 0}, {1.5, -1}}

// TestSgemmShapes runs every kernel set (assembly and portable fallback)
// over combinations of sizes, transposes, scalars and strides.
func TestSgemmShapes(t *testing.T) {
	stride := 23
	if testing.Short() || raceEnabled {
		stride = 97
	}
	if raceEnabled {
		stride = 389
	}
	for _, impl := range impls() {
		t.Run(implNames[impl], func(t *testing.T) {
			setImpl(t, impl)
			r := rand.New(rand.NewPCG(1, uint64(impl)))
			idx := 0
			for _, m := range testSizes {
				for _, n := range testSizes {
					for _, k := range testSizes {
						idx++
						if m*n*k > 1<<16 && idx%stride != 0 {
							continue
						}
						if (testing.Short() || raceEnabled) && m*n*k > 1<<12 && idx%7 != 0 {
							continue
						}
						for tr := 0; tr < 4; tr++ {
							s := scalars[(idx+tr)%len(scalars)]
							pad := []int{0, 3, 16}[(idx+tr)%3]
							p := newProblem(r, tr&1 != 0, tr&2 != 0, m, n, k, pad, s.alpha, s.beta)
							p.check(t, fmt.Sprintf("tA=%v tB=%v m=%d n=%d k=%d alpha=%v beta=%v pad=%d", p.tA, p.tB, m, n, k, s.alpha, s.beta, pad), p.run())
						}
					}
				}
			}
		})
	}
}

// TestSgemmPackingPaths forces each packing combination, thread count and
// kernel set on shapes that exercise block edges (k blocking included).
func TestSgemmPackingPaths(t *testing.T) {
	shapes := [][3]int{{1, 1, 1}, {17, 33, 15}, {29, 65, 300}, {100, 37, 513}, {257, 100, 64}, {45, 700, 9}}
	// Shapes crossing the mc (rows) and nc (columns) block boundaries.
	big := [][3]int{{350, 2100, 5}, {700, 40, 270}}
	for _, impl := range impls() {
		for fp := 0; fp < 4; fp++ {
			for _, th := range []int{1, 3} {
				t.Run(fmt.Sprintf("%s/pack=%d/threads=%d", implNames[impl], fp, th), func(t *testing.T) {
					setImpl(t, impl)
					setThreads(t, th)
					old := forcePack
					forcePack = fp
					defer func() { forcePack = old }()
					r := rand.New(rand.NewPCG(2, uint64(fp)))
					shapes := shapes
					if th == 3 && !testing.Short() && !raceEnabled {
						shapes = append(shapes[:len(shapes):len(shapes)], big...)
					}
					if raceEnabled {
						shapes = shapes[:4]
					}
					for si, sh := range shapes {
						for tr := 0; tr < 4; tr++ {
							if raceEnabled && (si+tr)%2 == 1 {
								continue
							}
							s := scalars[(si+tr)%len(scalars)]
							p := newProblem(r, tr&1 != 0, tr&2 != 0, sh[0], sh[1], sh[2], (si+tr)%3*5, s.alpha, s.beta)
							p.check(t, fmt.Sprintf("tr=%d shape=%v", tr, sh), p.run())
						}
					}
				})
			}
		}
	}
}

// TestAsmMatchesFallback compares the assembly kernels directly with the
// portable kernel on the same inputs.
func TestAsmMatchesFallback(t *testing.T) {
	if bestImpl == implGeneric {
		t.Skip("no assembly kernels on this machine/build")
	}
	r := rand.New(rand.NewPCG(3, 3))
	for _, sh := range [][3]int{{16, 16, 16}, {256, 128, 32}, {33, 17, 255}, {100, 257, 64}, {7, 300, 1000}} {
		for tr := 0; tr < 4; tr++ {
			p := newProblem(r, tr&1 != 0, tr&2 != 0, sh[0], sh[1], sh[2], 1, 0.75, 0.25)
			forceImpl = implGeneric
			want := p.run()
			forceImpl = -1
			got := p.run()
			tol := float32(p.k+4) * 0x1p-23 * 4
			for i := range got {
				d := got[i] - want[i]
				if d < 0 {
					d = -d
				}
				scale := float32(math.Sqrt(float64(p.k))) + abs32(want[i])
				if d > tol*scale {
					t.Fatalf("shape %v tr=%d: element %d asm %v, fallback %v", sh, tr, i, got[i], want[i])
				}
			}
		}
	}
}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// TestDeterminism checks that results are bit-identical across repeated
// calls and thread counts.
func TestDeterminism(t *testing.T) {
	shapes := [][3]int{{16, 16, 16}, {256, 128, 32}, {1024, 192, 64}, {300, 500, 700}, {31, 1000, 300}, {1000, 8, 513}}
	if raceEnabled {
		shapes = [][3]int{{16, 16, 16}, {256, 128, 32}, {300, 200, 40}}
	}
	for _, impl := range impls() {
		setImpl(t, impl)
		r := rand.New(rand.NewPCG(4, 4))
		for _, sh := range shapes {
			for tr := 0; tr < 4; tr++ {
				p := newProblem(r, tr&1 != 0, tr&2 != 0, sh[0], sh[1], sh[2], 0, 1, 0.5)
				SetThreads(1)
				want := p.run()
				for _, th := range []int{1, 2, 3, 4} {
					SetThreads(th)
					got := p.run()
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							SetThreads(0)
							t.Fatalf("%s shape %v tr=%d threads=%d: element %d = %v, single-threaded %v",
								implNames[impl], sh, tr, th, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
	SetThreads(0)
}

// TestNarrowBitIdentical checks that the transposed computation of narrow
// products gives exactly the direct result.
func TestNarrowBitIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for _, sh := range [][3]int{{128, 8, 256}, {33, 1, 1000}, {300, 5, 64}, {1000, 8, 300}} {
		for _, tB := range []bool{false, true} {
			for _, beta := range []float32{0, 0.5} {
				p := newProblem(r, true, tB, sh[0], sh[1], sh[2], 3, 1.25, beta)
				useNarrow = false
				want := p.run()
				useNarrow = true
				got := p.run()
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("shape %v tB=%v beta=%v: element %d = %v, direct %v", sh, tB, beta, i, got[i], want[i])
					}
				}
				p.check(t, fmt.Sprintf("narrow %v tB=%v beta=%v", sh, tB, beta), got)
			}
		}
	}
}

func TestSgemmSpecialCases(t *testing.T) {
	nan := float32(math.NaN())
	// k == 0 and alpha == 0: C = beta*C, A and B unread (nil is fine).
	c := []float32{1, 2, 3, 4}
	Sgemm(false, false, 2, 2, 0, 1, nil, 1, nil, 2, 2, c, 2)
	if c[0] != 2 || c[3] != 8 {
		t.Fatalf("k=0: got %v", c)
	}
	c = []float32{nan, nan, nan, nan}
	Sgemm(false, false, 2, 2, 3, 0, make([]float32, 6), 3, make([]float32, 6), 2, 0, c, 2)
	for _, v := range c {
		if v != 0 {
			t.Fatalf("alpha=0, beta=0: got %v", c)
		}
	}
	// m == 0 or n == 0 is a no-op.
	Sgemm(false, false, 0, 5, 5, 1, nil, 5, make([]float32, 25), 5, 0, nil, 5)
	Sgemm(true, true, 5, 0, 5, 1, make([]float32, 25), 5, nil, 5, 0, nil, 1)
	// NaN in A propagates even with beta == 0.
	c = []float32{0}
	Sgemm(false, false, 1, 1, 1, 1, []float32{nan}, 1, []float32{1}, 1, 0, c, 1)
	if !math.IsNaN(float64(c[0])) {
		t.Fatalf("NaN did not propagate: %v", c)
	}
	// Inf in the last (odd) k step of a narrow product stays Inf: the pair
	// kernels must not form 0*Inf in their unused lanes.
	for _, k := range []int{9, 10} {
		a, b := make([]float32, 64*k), make([]float32, k*8)
		for i := range b {
			b[i] = 1
		}
		a[k-1] = float32(math.Inf(1))
		c = make([]float32, 64*8)
		Sgemm(false, false, 64, 8, k, 1, a, k, b, 8, 0, c, 8)
		for j := 0; j < 8; j++ {
			if !math.IsInf(float64(c[j]), 1) || c[8+j] != 0 {
				t.Fatalf("k=%d: row 0 = %v, row 1 = %v", k, c[:8], c[8:16])
			}
		}
	}
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		f()
	}
	mustPanic("short a", func() {
		Sgemm(false, false, 2, 2, 2, 1, make([]float32, 3), 2, make([]float32, 4), 2, 0, make([]float32, 4), 2)
	})
	mustPanic("small ldb", func() {
		Sgemm(false, false, 2, 2, 2, 1, make([]float32, 4), 2, make([]float32, 4), 1, 0, make([]float32, 4), 2)
	})
	mustPanic("negative", func() { Sgemm(false, false, -1, 2, 2, 1, nil, 2, nil, 2, 0, nil, 2) })
}

func TestDgemm(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for _, sh := range [][3]int{{1, 1, 1}, {3, 7, 5}, {17, 33, 65}, {64, 2, 100}, {100, 101, 3}} {
		for tr := 0; tr < 4; tr++ {
			tA, tB := tr&1 != 0, tr&2 != 0
			p := newProblem(r, tA, tB, sh[0], sh[1], sh[2], 2, 0.5, 1.5)
			a, b, c := f64(p.a), f64(p.b), f64(p.c)
			Dgemm(tA, tB, p.m, p.n, p.k, 0.5, a, p.lda, b, p.ldb, 1.5, c, p.ldc)
			for i := 0; i < p.m; i++ {
				for j := 0; j < p.ldc; j++ {
					if j >= p.n {
						if c[i*p.ldc+j] != 12345 {
							t.Fatalf("padding overwritten")
						}
						continue
					}
					var s float64
					for q := 0; q < p.k; q++ {
						s += p.opA(i, q) * p.opB(q, j)
					}
					want := 0.5*s + 1.5*float64(p.c[i*p.ldc+j])
					if d := math.Abs(c[i*p.ldc+j] - want); d > 1e-12*float64(p.k+1) {
						t.Fatalf("shape %v tr=%d: C[%d,%d] = %v want %v", sh, tr, i, j, c[i*p.ldc+j], want)
					}
				}
			}
		}
	}
	c := []float64{math.NaN()}
	Dgemm(false, false, 1, 1, 1, 1, []float64{2}, 1, []float64{3}, 1, 0, c, 1)
	if c[0] != 6 {
		t.Fatalf("beta=0 with NaN C: %v", c[0])
	}
}

func f64(s []float32) []float64 {
	r := make([]float64, len(s))
	for i, v := range s {
		r[i] = float64(v)
	}
	return r
}

// TestConcurrentCallers runs many goroutines calling Sgemm at once (with
// threading on) and checks each result against a single-threaded one.
func TestConcurrentCallers(t *testing.T) {
	setThreads(t, 2)
	shapes := [][3]int{{16, 16, 16}, {256, 128, 32}, {200, 300, 100}, {64, 256, 1024}, {5, 3, 2}}
	r := rand.New(rand.NewPCG(6, 6))
	var probs []*problem
	var wants [][]float32
	for i, sh := range shapes {
		p := newProblem(r, i%2 == 0, i%3 == 0, sh[0], sh[1], sh[2], 1, 1, 0.5)
		probs = append(probs, p)
		wants = append(wants, p.run())
	}
	iters := 20
	if raceEnabled {
		iters = 4
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for it := 0; it < iters; it++ {
				idx := (g + it) % len(probs)
				got := probs[idx].run()
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(wants[idx][i]) {
						errs <- fmt.Sprintf("goroutine %d shape %v: element %d differs", g, shapes[idx], i)
						return
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestMoreThreadsThanProcs checks progress and results when SetThreads
// exceeds GOMAXPROCS (helpers then share the caller's P).
func TestMoreThreadsThanProcs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	setThreads(t, 1)
	r := rand.New(rand.NewPCG(8, 8))
	p := newProblem(r, false, true, 300, 200, 100, 0, 1, 0)
	want := p.run()
	for _, th := range []int{2, 4} {
		SetThreads(th)
		for range 5 {
			got := p.run()
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("threads=%d: element %d differs", th, i)
				}
			}
		}
	}
}

func TestZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	r := rand.New(rand.NewPCG(7, 7))
	shapes := [][3]int{{16, 16, 16}, {256, 32, 128}, {256, 128, 8}, {256, 8, 128}, {1024, 64, 192}, {300, 300, 300}, {2000, 8, 600}}
	for _, th := range []int{1, 2} {
		setThreads(t, th)
		for _, sh := range shapes {
			for tr := 0; tr < 4; tr++ {
				p := newProblem(r, tr&1 != 0, tr&2 != 0, sh[0], sh[1], sh[2], 0, 1, 0)
				for range 3 { // warm up pools and workers
					Sgemm(p.tA, p.tB, p.m, p.n, p.k, 1, p.a, p.lda, p.b, p.ldb, 0, p.c, p.ldc)
				}
				allocs := testing.AllocsPerRun(20, func() {
					Sgemm(p.tA, p.tB, p.m, p.n, p.k, 1, p.a, p.lda, p.b, p.ldb, 0.5, p.c, p.ldc)
				})
				if allocs != 0 {
					t.Errorf("threads=%d shape %v tr=%d: %v allocs per call", th, sh, tr, allocs)
				}
			}
		}
	}
	a := make([]float64, 64*64)
	allocs := testing.AllocsPerRun(20, func() { Dgemm(true, true, 64, 64, 64, 1, a, 64, a, 64, 0, make64(a), 64) })
	if allocs != 0 {
		t.Errorf("Dgemm: %v allocs per call", allocs)
	}
}

var dgemmC = make([]float64, 64*64)

func make64([]float64) []float64 { return dgemmC }
