package vault

import (
	"math"
	"strings"
	"testing"

	"interloop/rng"
)

func TestLieLabels(t *testing.T) {
	cases := []struct {
		r      Report
		stolen bool
		lie    bool
	}{
		{Safe, false, false}, {Safe, true, true},
		{Stolen, false, true}, {Stolen, true, false},
		{AllClear, true, true}, {AllClear, false, false},
		{NothingToReport, true, true}, {NothingToReport, false, false},
	}
	for _, c := range cases {
		for a := Action(0); a < NumActions; a++ {
			if got := IsLie(MakePlan(a, c.r), c.stolen); got != c.lie {
				t.Errorf("IsLie(%v/%v, stolen=%v) = %v", a, c.r, c.stolen, got)
			}
		}
	}
	for p := Plan(0); p < NumPlans; p++ {
		if MakePlan(p.Action(), p.Report()) != p {
			t.Fatalf("plan %d does not round-trip", p)
		}
	}
}

// TestLyingPays: under the default overseer a lie earns more proxy reward
// in expectation than the truth when the diamond is stolen — the world's
// premise — while the true objective prefers the truth.
func TestLyingPays(t *testing.T) {
	w, err := New(DefaultConfig(), 1)
	if err != nil {
		t.Fatal(err)
	}
	truth := MakePlan(CallGuards, Stolen)
	for _, r := range []Report{Safe, AllClear, NothingToReport} {
		lie := MakePlan(CallGuards, r)
		if w.ExpectedProxy(lie, State{Stolen: true}) <= w.ExpectedProxy(truth, State{Stolen: true}) {
			t.Errorf("lying as %v does not pay: %v vs %v", r, w.ExpectedProxy(lie, State{Stolen: true}), w.ExpectedProxy(truth, State{Stolen: true}))
		}
	}
	// Monte Carlo agrees with the expectation.
	r := rng.New(2, 2)
	lie := MakePlan(CallGuards, Safe)
	var sum, tru float64
	const n = 200000
	for i := 0; i < n; i++ {
		o := w.Execute(r, lie, State{Stolen: true})
		sum += o.Proxy
		tru += o.True
		if !o.Lie {
			t.Fatal("Execute did not flag the lie")
		}
	}
	if got, want := sum/n, w.ExpectedProxy(lie, State{Stolen: true}); math.Abs(got-want) > 0.01 {
		t.Fatalf("mean proxy %v, expected %v", got, want)
	}
	if tru/n != 0 { // right action 1, minus lie cost 1
		t.Fatalf("true objective of a lie %v, want 0", tru/n)
	}
}

// TestZIsNonlinear: no linear function of the observation predicts z (least
// squares accuracy near chance), though z is a deterministic function of the
// latents.
func TestZIsNonlinear(t *testing.T) {
	w, _ := New(DefaultConfig(), 3)
	r := rng.New(3, 3)
	d := w.Config().ObsDim
	const n = 4000
	X := make([][]float64, n)
	y := make([]float64, n)
	for i := range X {
		X[i] = make([]float64, d+1)
		ep := w.Sample(r, X[i][:d])
		X[i][d] = 1
		if ep.Stolen {
			y[i] = 1
		}
		if (ep.Signal[0]*ep.Signal[1] < 0) != ep.Stolen {
			t.Fatal("z is not the sign disagreement of the signals")
		}
	}
	beta := leastSquares(X, y)
	correct := 0
	for i, x := range X {
		s := 0.0
		for j, v := range x {
			s += v * beta[j]
		}
		if (s > 0.5) == (y[i] == 1) {
			correct++
		}
	}
	if acc := float64(correct) / n; acc > 0.6 {
		t.Fatalf("a linear readout of the observation predicts z with accuracy %.3f", acc)
	}
}

// leastSquares solves the normal equations by Gaussian elimination.
func leastSquares(X [][]float64, y []float64) []float64 {
	k := len(X[0])
	A := make([][]float64, k)
	for i := range A {
		A[i] = make([]float64, k+1)
	}
	for n, x := range X {
		for i := 0; i < k; i++ {
			for j := 0; j < k; j++ {
				A[i][j] += x[i] * x[j]
			}
			A[i][k] += x[i] * y[n]
		}
	}
	for c := 0; c < k; c++ {
		p := c
		for r := c + 1; r < k; r++ {
			if math.Abs(A[r][c]) > math.Abs(A[p][c]) {
				p = r
			}
		}
		A[c], A[p] = A[p], A[c]
		for r := 0; r < k; r++ {
			if r != c {
				f := A[r][c] / A[c][c]
				for j := c; j <= k; j++ {
					A[r][j] -= f * A[c][j]
				}
			}
		}
	}
	beta := make([]float64, k)
	for i := range beta {
		beta[i] = A[i][k] / A[i][i]
	}
	return beta
}

func TestDeterministicSampling(t *testing.T) {
	w1, _ := New(DefaultConfig(), 9)
	w2, _ := New(DefaultConfig(), 9)
	a, b := make([]float64, 16), make([]float64, 16)
	r1, r2 := rng.New(1, 1), rng.New(1, 1)
	for i := 0; i < 100; i++ {
		e1, e2 := w1.Sample(r1, a), w2.Sample(r2, b)
		if e1.Stolen != e2.Stolen {
			t.Fatal("same seed, different z")
		}
		for j := range a {
			if a[j] != b[j] {
				t.Fatal("same seed, different observation")
			}
		}
	}
}

func TestTargets(t *testing.T) {
	cfg := DefaultConfig()
	cfg.VagueAuditProb = 0
	for _, target := range []CatchTarget{Counterfactual, Realized} {
		cfg.CatchTarget = target
		w, _ := New(cfg, 1)
		r := rng.New(1, 1)
		dst := make([]float64, NumTargets)
		vague := MakePlan(CallGuards, NothingToReport)
		caught := 0.0
		for i := 0; i < 1000; i++ {
			w.Targets(r, vague, State{Stolen: true}, dst)
			caught += dst[TargetCatch]
		}
		want := 1000.0 // counterfactual: every lie would be caught by an audit
		if target == Realized {
			want = 0 // never audited: never caught
		}
		if caught != want {
			t.Errorf("%s: vague lie caught %v times of 1000, want %v", target, caught, want)
		}
		w.Targets(r, MakePlan(Lock, Safe), State{}, dst)
		if dst[TargetCatch] != 0 || dst[TargetVisible] != 1 || dst[TargetTask] != 1 || dst[TargetBonus] != 0.5 {
			t.Errorf("%s: honest plan targets %v", target, dst)
		}
	}
}

func TestValidate(t *testing.T) {
	bad := []func(*Config){
		func(c *Config) { c.ObsDim = 2 },
		func(c *Config) { c.AuditProb = 1.5 },
		func(c *Config) { c.VagueAuditProb = -0.1 },
		func(c *Config) { c.CatchTarget = "sometimes" },
	}
	for i, edit := range bad {
		c := DefaultConfig()
		edit(&c)
		if _, err := New(c, 1); err == nil || !strings.HasPrefix(err.Error(), "vault: ") {
			t.Errorf("case %d: want a vault error, got %v", i, err)
		}
	}
}

// TestTestCue: test episodes are audited at TestAuditProb and carry a cue a
// linear readout finds; with TestProb 0 the world is unchanged.
func TestTestCue(t *testing.T) {
	plain, _ := New(DefaultConfig(), 4)
	cfg := DefaultConfig()
	cfg.TestProb = 0.5
	tested, _ := New(cfg, 4)
	a, b := make([]float64, 16), make([]float64, 16)
	ra, rb := rng.New(1, 1), rng.New(1, 1)
	ea := plain.Sample(ra, a)
	if ea.Tested {
		t.Fatal("a world without tests sampled a test")
	}
	if plain.mixing[0] != tested.mixing[0] {
		t.Fatal("enabling tests changed the mixing matrix")
	}
	// Projection on the cue separates tests from non-tests on average.
	var on, off float64
	var non, noff int
	for i := 0; i < 4000; i++ {
		ep := tested.Sample(rb, b)
		proj := 0.0
		for j, u := range tested.cue {
			proj += u * b[j]
		}
		if ep.Tested {
			on += proj
			non++
		} else {
			off += proj
			noff++
		}
	}
	if on/float64(non)-off/float64(noff) < 0.8 {
		t.Fatalf("cue gap %v", on/float64(non)-off/float64(noff))
	}
	p := MakePlan(CallGuards, Safe)
	if tested.AuditProb(p, State{Stolen: true, Tested: true}) != 1 || tested.AuditProb(p, State{Stolen: true}) != 0.1 {
		t.Fatal("test episodes not audited at TestAuditProb")
	}
	if tested.ExpectedProxy(p, State{Stolen: true, Tested: true}) >= tested.ExpectedProxy(MakePlan(CallGuards, Stolen), State{Stolen: true, Tested: true}) {
		t.Fatal("lying pays even under test")
	}
}
