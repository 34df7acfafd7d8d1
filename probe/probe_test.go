package probe

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"interloop/metric"
	"interloop/rng"
	"interloop/tensor"
)

// fitters lists every per-row family with a small, fast config; the shared
// tests below run on each (a conformance suite in the slogtest manner).
func fitters() map[string]Fitter {
	return map[string]Fitter{
		"logistic":      LogisticConfig{},
		"logistic_std":  LogisticConfig{C: 0.1, Standardize: true},
		"diffmeans":     DiffMeansConfig{},
		"diffmeans_acc": DiffMeansConfig{Threshold: MaxAccuracy},
		"lda":           LDAConfig{Shrinkage: ShrinkageAuto},
		"lda_fixed":     LDAConfig{Shrinkage: 0.2},
		"mlp":           MLPConfig{Hidden: 16, Epochs: 40},
	}
}

func TestFitDegenerate(t *testing.T) {
	X, y := synth(20, 3, 2, 1)
	nanX := X.Clone()
	nanX.Data[7] = float32(math.NaN())
	infX := X.Clone()
	infX.Data[0] = float32(math.Inf(1))
	allTrue := make([]bool, 20)
	for i := range allTrue {
		allTrue[i] = true
	}
	cases := []struct {
		name string
		X    *tensor.Tensor[float32]
		y    []bool
		want error
	}{
		{"nil", nil, nil, ErrEmpty},
		{"empty", tensor.New[float32](0, 3), nil, ErrEmpty},
		{"zero width", tensor.New[float32](4, 0), make([]bool, 4), ErrEmpty},
		{"rank 3", tensor.New[float32](2, 2, 2), make([]bool, 2), ErrShape},
		{"label count", X, y[:10], ErrShape},
		{"one class", X, allTrue, ErrOneClass},
		{"no positives", X, make([]bool, 20), ErrOneClass},
		{"NaN", nanX, y, ErrNonFinite},
		{"Inf", infX, y, ErrNonFinite},
	}
	for name, f := range fitters() {
		for _, c := range cases {
			t.Run(name+"/"+c.name, func(t *testing.T) {
				d, err := f.Fit(c.X, c.y)
				if !errors.Is(err, c.want) {
					t.Errorf("error %v, want %v", err, c.want)
				}
				if d != nil {
					t.Errorf("got a detector with an error")
				}
			})
		}
	}
}

func TestConfigErrors(t *testing.T) {
	X, y := synth(20, 3, 2, 1)
	for name, f := range map[string]Fitter{
		"negative C":      LogisticConfig{C: -1},
		"infinite C":      LogisticConfig{C: math.Inf(1)},
		"negative tol":    LogisticConfig{Tol: -1},
		"shrinkage > 1":   LDAConfig{Shrinkage: 1.5},
		"shrinkage NaN":   LDAConfig{Shrinkage: math.NaN()},
		"threshold rule":  DiffMeansConfig{Threshold: 7},
		"one step budget": LogisticConfig{MaxIter: 1},
	} {
		if _, err := f.Fit(X, y); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := FitLogistic(sepData(), []bool{false, false, true, true}, LogisticConfig{NoPenalty: true}); !errors.Is(err, ErrNotConverged) {
		t.Errorf("separable data without a penalty: %v, want ErrNotConverged", err)
	}
	same := tensor.FromData([]float32{1, 2, 1, 2, 1, 2, 1, 2}, 4, 2)
	if _, err := FitDiffMeans(same, []bool{false, false, true, true}, DiffMeansConfig{}); !errors.Is(err, ErrDegenerate) {
		t.Errorf("coinciding means: %v, want ErrDegenerate", err)
	}
}

func sepData() *tensor.Tensor[float32] {
	return tensor.FromData([]float32{-2, 0, -1, 1, 1, 0, 2, 1}, 4, 2)
}

// TestScoreConformance checks every family's scores: shape and value errors,
// range, determinism, immutability, and the Linear contract.
func TestScoreConformance(t *testing.T) {
	X, y := synth(300, 6, 2, 2)
	Xte, yte := synth(200, 6, 2, 3)
	for name, f := range fitters() {
		t.Run(name, func(t *testing.T) {
			d, err := f.Fit(X, y)
			if err != nil {
				t.Fatal(err)
			}
			checkDetector(t, d, Xte, yte)
		})
	}
}

func checkDetector(t *testing.T, d Detector, X *tensor.Tensor[float32], y []bool) {
	t.Helper()
	n, w := X.Dim(0), X.Dim(1)
	before := saved(t, d)
	s := make([]float64, n)
	if err := d.Score(X, s); err != nil {
		t.Fatal(err)
	}
	for i, v := range s {
		if !(v >= 0 && v <= 1) {
			t.Fatalf("score %d = %v outside [0, 1]", i, v)
		}
	}
	if auc, _ := metric.AUROC(s, y); auc < 0.8 {
		t.Errorf("%s: held-out AUROC %v on easy data", d.Kind(), auc)
	}
	if !bytes.Equal(before, saved(t, d)) {
		t.Errorf("%s: scoring changed the detector", d.Kind())
	}
	// Errors: width, dst length, NaN, rank.
	if err := d.Score(tensor.New[float32](n, w+1), make([]float64, n)); !errors.Is(err, ErrShape) {
		t.Errorf("wrong width: %v", err)
	}
	if err := d.Score(X, make([]float64, n-1)); !errors.Is(err, ErrShape) {
		t.Errorf("short dst: %v", err)
	}
	bad := X.Clone()
	bad.Data[3] = float32(math.NaN())
	if err := d.Score(bad, s); !errors.Is(err, ErrNonFinite) {
		t.Errorf("NaN activation: %v", err)
	}
	if err := d.Score(tensor.New[float32](n), s); !errors.Is(err, ErrShape) {
		t.Errorf("rank 1: %v", err)
	}
	if l, ok := d.(Linear); ok {
		wv, b := l.Weights()
		u := l.Direction()
		var norm float64
		for j := range u {
			norm += u[j] * u[j]
		}
		if math.Abs(norm-1) > 1e-12 {
			t.Errorf("direction norm² %v", norm)
		}
		if cos := dot(u, unit(wv)); math.Abs(cos-1) > 1e-12 {
			t.Errorf("direction not along w: cos %v", cos)
		}
		for i := 0; i < 5; i++ {
			var z float64
			for j := 0; j < w; j++ {
				z += wv[j] * float64(X.Data[i*w+j])
			}
			if want := sigmoid(z + b); math.Abs(s[i]-want) > 1e-12 {
				t.Errorf("score %v ≠ σ(w·x+b) = %v", s[i], want)
			}
		}
		wv[0] += 100 // Weights returns a copy
		if w2, _ := l.Weights(); w2[0] == wv[0] {
			t.Error("Weights aliases the detector")
		}
	}
}

func saved(t *testing.T, d Kinded) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Save(&b, d, Meta{}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDiffMeans(t *testing.T) {
	X := tensor.FromData([]float32{
		0, 0, // neg
		2, 0, // neg
		4, 2, // pos
		6, 2, // pos
		5, 2, // pos
	}, 5, 2)
	y := []bool{false, false, true, true, true}
	m, err := FitDiffMeans(X, y, DiffMeansConfig{})
	if err != nil {
		t.Fatal(err)
	}
	// μ⁺ = (5, 2), μ⁻ = (1, 0): u = (4, 2)/√20, t = u·(3, 1) = 14/√20.
	u := m.Direction()
	if math.Abs(u[0]-4/math.Sqrt(20)) > 1e-15 || math.Abs(u[1]-2/math.Sqrt(20)) > 1e-15 {
		t.Errorf("direction %v", u)
	}
	if math.Abs(m.Threshold()-14/math.Sqrt(20)) > 1e-14 {
		t.Errorf("threshold %v, want %v", m.Threshold(), 14/math.Sqrt(20))
	}
	if m.Slope() <= 0 || math.IsInf(m.Slope(), 0) {
		t.Errorf("slope %v on separable data should be finite and positive", m.Slope())
	}
	mid := tensor.FromData([]float32{3, 1}, 1, 2) // the midpoint scores ½
	s := []float64{0}
	if err := m.Score(mid, s); err != nil || math.Abs(s[0]-0.5) > 1e-12 {
		t.Errorf("score at the threshold %v, %v", s[0], err)
	}
	// MaxAccuracy never does worse on training data than Midpoint.
	Xr, yr := synth(300, 5, 0.7, 4)
	a, _ := FitDiffMeans(Xr, yr, DiffMeansConfig{})
	b, _ := FitDiffMeans(Xr, yr, DiffMeansConfig{Threshold: MaxAccuracy})
	sa, sb := make([]float64, 300), make([]float64, 300)
	a.Score(Xr, sa)
	b.Score(Xr, sb)
	accA, _ := metric.Accuracy(sa, yr, 0.5)
	accB, _ := metric.Accuracy(sb, yr, 0.5)
	if accB < accA {
		t.Errorf("MaxAccuracy %v < Midpoint %v", accB, accA)
	}
}

func TestThresholdAtFPR(t *testing.T) {
	neg := []float64{0.1, 0.2, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9}
	for _, c := range []struct{ target, want float64 }{
		{0, 0.9},    // flag nothing above the max
		{0.05, 0.9}, // k = 0
		{0.1, 0.8},  // one negative (0.9) above
		{0.29, 0.7}, // k = 2
		{0.3, 0.6},  // k = 3, exact
		{0.75, 0.2}, // k = 7: 0.3 … 0.9 above; 0.2 ties stay below
		{0.8, 0.2},  // k = 8: s₂ = 0.2, only 7 strictly above (tie)
		{0.9, 0.1},  // k = 9
		{1, math.Inf(-1)},
	} {
		got, err := ThresholdAtFPR(neg, c.target)
		if err != nil || got != c.want {
			t.Errorf("ThresholdAtFPR(%v) = %v, %v; want %v", c.target, got, err, c.want)
		}
	}
	for _, bad := range []struct {
		neg    []float64
		target float64
	}{{nil, 0.01}, {neg, -0.1}, {neg, 1.1}, {neg, math.NaN()}, {[]float64{math.NaN()}, 0.1}} {
		if _, err := ThresholdAtFPR(bad.neg, bad.target); err == nil {
			t.Errorf("ThresholdAtFPR(%v, %v): no error", bad.neg, bad.target)
		}
	}
}

// TestThresholdMatchesRecallAtFPR: recall at the threshold calibrated on the
// same negatives equals metric.RecallAtFPR, on random data with many ties.
func TestThresholdMatchesRecallAtFPR(t *testing.T) {
	r := rng.New(5, 0)
	for trial := range 300 {
		n := 2 + r.Intn(200)
		s, y := make([]float64, n), make([]bool, n)
		for i := range s {
			y[i] = r.Float64() < 0.4
			s[i] = float64(r.Intn(12)) / 4
			if y[i] {
				s[i] += 0.5
			}
		}
		y[0], y[n-1] = true, false
		var neg []float64
		for i, v := range s {
			if !y[i] {
				neg = append(neg, v)
			}
		}
		for _, target := range []float64{0, 0.01, 0.05, 0.2, 0.5, 1} {
			th, err := ThresholdAtFPR(neg, target)
			if err != nil {
				t.Fatal(err)
			}
			rates, _ := metric.RatesAt(s, y, th)
			want, _ := metric.RecallAtFPR(s, y, target)
			if rates.TPR() != want || rates.FPR() > target {
				t.Fatalf("trial %d target %v: recall %v FPR %v at threshold %v; RecallAtFPR %v",
					trial, target, rates.TPR(), rates.FPR(), th, want)
			}
		}
	}
}

func TestPlatt(t *testing.T) {
	r := rng.New(6, 0)
	n := 20000
	s, y := make([]float64, n), make([]bool, n)
	for i := range s {
		s[i] = r.Normal() * 2
		y[i] = r.Float64() < sigmoid(1.5*s[i]-0.7)
	}
	p, err := FitPlatt(s, y)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(p.A-1.5) > 0.1 || math.Abs(p.B+0.7) > 0.1 {
		t.Errorf("Platt %+v, want ≈ {1.5, −0.7}", p)
	}
	// Separable scores still give a finite map.
	p, err = FitPlatt([]float64{-2, -1, 1, 2}, []bool{false, false, true, true})
	if err != nil || math.IsInf(p.A, 0) || p.A <= 0 {
		t.Errorf("separable Platt %+v, %v", p, err)
	}
	if _, err := FitPlatt([]float64{1, 2}, []bool{true, true}); !errors.Is(err, ErrOneClass) {
		t.Errorf("one class: %v", err)
	}
}

func TestCalibrated(t *testing.T) {
	X, y := synth(400, 5, 1.5, 7)
	Xc, yc := synth(400, 5, 1.5, 8)
	base, err := FitLogistic(X, y, LogisticConfig{C: 1e-3}) // over-regularized: under-confident
	if err != nil {
		t.Fatal(err)
	}
	c, err := Calibrate(base, Xc, yc)
	if err != nil {
		t.Fatal(err)
	}
	if c.Platt().A <= 1 {
		t.Errorf("recalibrating an under-confident probe should sharpen it: A = %v", c.Platt().A)
	}
	Xte, yte := synth(200, 5, 1.5, 9)
	checkDetector(t, c, Xte, yte)
	// Calibration is monotone: ranking metrics are unchanged.
	sb, sc := make([]float64, 200), make([]float64, 200)
	base.Score(Xte, sb)
	c.Score(Xte, sc)
	ab, _ := metric.AUROC(sb, yte)
	ac, _ := metric.AUROC(sc, yte)
	if ab != ac {
		t.Errorf("AUROC changed by calibration: %v → %v", ab, ac)
	}
}

func TestEnsemble(t *testing.T) {
	X, y := synth(300, 4, 2, 10)
	e, err := FitEnsemble(X, y, LogisticConfig{}, DiffMeansConfig{}, LDAConfig{})
	if err != nil {
		t.Fatal(err)
	}
	s := make([]float64, 300)
	if err := e.Score(X, s); err != nil {
		t.Fatal(err)
	}
	want := make([]float64, 300)
	buf := make([]float64, 300)
	for _, m := range e.Members() {
		m.Score(X, buf)
		for i := range want {
			want[i] += buf[i] / 3
		}
	}
	if e := maxAbsErr(s, want); e > 1e-15 {
		t.Errorf("ensemble score differs from the member mean by %v", e)
	}
	Xte, yte := synth(200, 4, 2, 11)
	checkDetector(t, e, Xte, yte)
	if _, err := NewEnsemble(); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty ensemble: %v", err)
	}
	if _, err := FitEnsemble(X, y[:3], LogisticConfig{}); !errors.Is(err, ErrShape) {
		t.Errorf("bad member fit: %v", err)
	}
}

func TestPCAErrors(t *testing.T) {
	X, _ := synth(10, 4, 1, 1)
	for _, k := range []int{0, -1, 5} {
		if _, err := FitPCA(X, k, PCAConfig{}); !errors.Is(err, ErrConfig) {
			t.Errorf("k=%d: %v", k, err)
		}
	}
	if _, err := FitPCA(tensor.New[float32](1, 4), 1, PCAConfig{}); err == nil {
		t.Error("one row: no error")
	}
	A, _ := synth(10, 4, 1, 2)
	if _, err := DiffPCA(A, tensor.New[float32](9, 4), 1, PCAConfig{}); !errors.Is(err, ErrShape) {
		t.Errorf("unpaired shapes: %v", err)
	}
}

// TestDiffPCAOrientation: with NoCenter the first component of a consistent
// shift is the shift itself, pointing from B to A.
func TestDiffPCAOrientation(t *testing.T) {
	B, _ := synth(50, 6, 0, 3)
	A := B.Clone()
	r := rng.New(1, 0)
	for i := 0; i < 50; i++ {
		a := 1 + 0.1*r.Normal()
		A.Data[i*6+2] += float32(3 * a) // shift along e₂
		A.Data[i*6+4] -= float32(4 * a) // and −e₄
	}
	p, err := DiffPCA(A, B, 1, PCAConfig{NoCenter: true})
	if err != nil {
		t.Fatal(err)
	}
	c := p.Components[0]
	if math.Abs(c[2]-0.6) > 1e-6 || math.Abs(c[4]+0.8) > 1e-6 {
		t.Errorf("component %v, want 0.6·e₂ − 0.8·e₄", c)
	}
}
