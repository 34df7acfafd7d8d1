package metric

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"interloop/rng"
)

// bruteAUROC is the O(P·N) definition: mean over positive–negative pairs of
// 1 (positive higher), ½ (tie) or 0.
func bruteAUROC(s []float64, y []bool) float64 {
	var sum, pairs float64
	for i := range s {
		for j := range s {
			if !y[i] || y[j] {
				continue
			}
			pairs++
			switch {
			case s[i] > s[j]:
				sum++
			case s[i] == s[j]:
				sum += 0.5
			}
		}
	}
	return sum / pairs
}

// bruteRecall is max TPR over all thresholds (flag ≥ v) with FPR ≤ target.
func bruteRecall(s []float64, y []bool, target float64) float64 {
	best := 0.0
	for _, v := range s {
		r, _ := RatesAt(s, y, math.Nextafter(v, math.Inf(-1))) // > just below v ⇔ ≥ v
		if r.FPR() <= target && r.TPR() > best {
			best = r.TPR()
		}
	}
	return best
}

func randomScores(r *rng.PCG, n, levels int) ([]float64, []bool) {
	s, y := make([]float64, n), make([]bool, n)
	for i := range s {
		y[i] = r.Float64() < 0.3
		s[i] = float64(r.Intn(levels))
		if y[i] {
			s[i] += float64(r.Intn(3))
		}
	}
	y[0], y[n-1] = true, false
	return s, y
}

func TestAUROCMatchesPairCount(t *testing.T) {
	r := rng.New(1, 0)
	for trial := range 200 {
		s, y := randomScores(r, 2+r.Intn(60), 1+r.Intn(8))
		got, err := AUROC(s, y)
		if err != nil {
			t.Fatal(err)
		}
		if want := bruteAUROC(s, y); math.Abs(got-want) > 1e-15 {
			t.Fatalf("trial %d: AUROC %v, pair count %v", trial, got, want)
		}
		for _, target := range []float64{0, 0.01, 0.05, 0.3, 1} {
			got, _ := RecallAtFPR(s, y, target)
			if want := bruteRecall(s, y, target); got != want {
				t.Fatalf("trial %d: RecallAtFPR(%v) %v, brute %v", trial, target, got, want)
			}
		}
	}
}

func FuzzAUROC(f *testing.F) {
	f.Add(uint64(1), uint8(10), uint8(3))
	f.Fuzz(func(t *testing.T, seed uint64, n, levels uint8) {
		if n < 2 {
			return
		}
		s, y := randomScores(rng.New(seed, 0), int(n), int(levels)%9+1)
		got, err := AUROC(s, y)
		if err != nil {
			t.Fatal(err)
		}
		if want := bruteAUROC(s, y); math.Abs(got-want) > 1e-15 {
			t.Fatalf("AUROC %v, pair count %v", got, want)
		}
	})
}

func TestDegenerateInputs(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name   string
		s      []float64
		y      []bool
		target float64
		want   error
	}{
		{"empty", nil, nil, 0.01, ErrEmpty},
		{"mismatch", []float64{1, 2}, []bool{true}, 0.01, ErrMismatch},
		{"one class", []float64{1, 2}, []bool{true, true}, 0.01, ErrOneClass},
		{"only negatives", []float64{1, 2}, []bool{false, false}, 0.01, ErrOneClass},
		{"NaN", []float64{1, nan}, []bool{true, false}, 0.01, ErrNaN},
		{"bad target", []float64{1, 2}, []bool{true, false}, 1.5, ErrBadTarget},
		{"NaN target", []float64{1, 2}, []bool{true, false}, nan, ErrBadTarget},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := RecallAtFPR(tc.s, tc.y, tc.target)
			if !errors.Is(err, tc.want) {
				t.Errorf("RecallAtFPR error %v, want %v", err, tc.want)
			}
			if tc.want == ErrBadTarget {
				return
			}
			if _, err := AUROC(tc.s, tc.y); !errors.Is(err, tc.want) {
				t.Errorf("AUROC error %v, want %v", err, tc.want)
			}
			if _, err := BootstrapAUROC(tc.s, tc.y, BootstrapConfig{}); !errors.Is(err, tc.want) {
				t.Errorf("BootstrapAUROC error %v, want %v", err, tc.want)
			}
			if tc.want != ErrOneClass {
				if _, err := Accuracy(tc.s, tc.y, 0.5); !errors.Is(err, tc.want) {
					t.Errorf("Accuracy error %v, want %v", err, tc.want)
				}
			}
		})
	}
	if _, err := MeanCI([]float64{1}, 0); !errors.Is(err, ErrTooFew) {
		t.Errorf("MeanCI of one value: %v", err)
	}
	if _, err := MeanCI([]float64{1, nan}, 0); err == nil {
		t.Error("MeanCI with NaN: no error")
	}
	if _, err := MeanCI([]float64{1, 2}, 1); err == nil {
		t.Error("MeanCI at level 1: no error")
	}
}

func TestRatesAt(t *testing.T) {
	s := []float64{0.1, 0.5, 0.5, 0.9, 0.7}
	y := []bool{false, false, true, true, false}
	r, err := RatesAt(s, y, 0.5) // flags 0.9 and 0.7 (strictly above 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Rates{TP: 1, FP: 1, TN: 2, FN: 1}); r != want {
		t.Errorf("RatesAt = %+v, want %+v", r, want)
	}
	if r.TPR() != 0.5 || r.FPR() != 1.0/3 || r.Accuracy() != 0.6 {
		t.Errorf("rates TPR %v FPR %v acc %v", r.TPR(), r.FPR(), r.Accuracy())
	}
}

func TestQuantile(t *testing.T) {
	v := []float64{1, 2, 3, 4}
	// NumPy: np.quantile([1,2,3,4], [0, .025, .5, .975, 1]) = 1, 1.075, 2.5, 3.925, 4
	for _, c := range [][2]float64{{0, 1}, {0.025, 1.075}, {0.5, 2.5}, {0.975, 3.925}, {1, 4}} {
		if got := Quantile(v, c[0]); math.Abs(got-c[1]) > 1e-12 {
			t.Errorf("Quantile(%v) = %v, want %v", c[0], got, c[1])
		}
	}
}

func TestBootstrap(t *testing.T) {
	r := rng.New(3, 0)
	n := 400
	s, y := make([]float64, n), make([]bool, n)
	for i := range s {
		y[i] = i%2 == 0
		s[i] = r.Normal()
		if y[i] {
			s[i] += 1
		}
	}
	cfg := BootstrapConfig{Resamples: 300, Seed: 9}
	a, err := BootstrapAUROC(s, y, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := BootstrapAUROC(s, y, cfg)
	if a != b {
		t.Errorf("same seed, different intervals: %v vs %v", a, b)
	}
	full, _ := AUROC(s, y)
	if a.Estimate != full || !(a.Lo < full && full < a.Hi) || a.Level != 0.95 {
		t.Errorf("interval %v does not bracket the estimate %v", a, full)
	}
	// The AUROC's standard error here is about 0.02: the 95% interval should
	// be a few hundredths wide.
	if w := a.Hi - a.Lo; w < 0.03 || w > 0.15 {
		t.Errorf("interval width %v implausible", w)
	}
	c, _ := BootstrapAUROC(s, y, BootstrapConfig{Resamples: 300, Seed: 10})
	if c == a {
		t.Error("different seeds gave identical intervals")
	}
	rec, err := BootstrapRecallAtFPR(s, y, 0.05, cfg)
	if err != nil || !(rec.Lo <= rec.Estimate && rec.Estimate <= rec.Hi) {
		t.Errorf("BootstrapRecallAtFPR = %v, %v", rec, err)
	}
	// Unstratified bootstrap of a mean.
	mean, err := Bootstrap(n, func(idx []int) (float64, error) {
		var m float64
		for _, i := range idx {
			m += s[i]
		}
		return m / float64(len(idx)), nil
	}, cfg)
	if err != nil || !(mean.Lo < mean.Estimate && mean.Estimate < mean.Hi) {
		t.Errorf("Bootstrap mean = %v, %v", mean, err)
	}
}

func TestMeanCIKnown(t *testing.T) {
	// x = 1..5: mean 3, s = √2.5, t(0.975, 4) = 2.7764451051977987.
	ci, err := MeanCI([]float64{1, 2, 3, 4, 5}, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	h := 2.7764451051977987 * math.Sqrt(2.5) / math.Sqrt(5)
	if math.Abs(ci.Lo-(3-h)) > 1e-12 || math.Abs(ci.Hi-(3+h)) > 1e-12 {
		t.Errorf("MeanCI = %v, want 3 ± %v", ci, h)
	}
}

func ExampleAUROC() {
	scores := []float64{0.9, 0.8, 0.8, 0.3, 0.2, 0.8}
	deceptive := []bool{true, true, false, false, false, true}
	auc, _ := AUROC(scores, deceptive)
	rec, _ := RecallAtFPR(scores, deceptive, 0.01)
	fmt.Printf("AUROC %.4f, recall at 1%% FPR %.3f\n", auc, rec)
	// Output: AUROC 0.8889, recall at 1% FPR 0.333
}

func ExampleMeanCI() {
	// Final deception rate of one arm, one value per seed.
	rates := []float64{0.12, 0.18, 0.15, 0.09, 0.16}
	ci, _ := MeanCI(rates, 0.95)
	fmt.Printf("%.3f ± %.3f\n", ci.Estimate, ci.HalfWidth())
	// Output: 0.140 ± 0.044
}

func TestOverSeeds(t *testing.T) {
	c := OverSeeds([]float64{1, 2, math.NaN(), 3, math.Inf(1)})
	if c.N != 3 || c.Mean != 2 || !(c.Lo < 2 && c.Hi > 2) {
		t.Fatalf("got %+v", c)
	}
	if got := OverSeeds([]float64{math.NaN()}).Short(2); got != "n/a" {
		t.Fatalf("undefined cell printed %q", got)
	}
	if got := OverSeeds([]float64{0.25}).Sentence(true); got != "25.0% (1 run)" {
		t.Fatalf("single run sentence %q", got)
	}
	if got := (SeedStat{Mean: 0.1, Lo: -0.05, Hi: 0.25, N: 4}).Diff(true); got != "+10.0 points [-5.0, +25.0]" {
		t.Fatalf("diff %q", got)
	}
}
