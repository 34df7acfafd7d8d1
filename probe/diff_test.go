package probe

import (
	"bytes"
	"fmt"
	"math"
	"testing"

	"interloop/engine"
	"interloop/metric"
	"interloop/rng"
	"interloop/tensor"
)

// fixedTokenOnly is a Detector without ScoreNode.
type fixedTokenOnly struct{}

func (fixedTokenOnly) Kind() string { return "fixed" }
func (fixedTokenOnly) Score(X *tensor.Tensor[float32], dst []float64) error {
	clear(dst)
	return nil
}

func engineSeqDetectors(t *testing.T) []SeqDetector {
	t.Helper()
	tr, y := seqData(60, 6, 4, 3)
	a, err := FitAttnPool(tr, y, AttnPoolConfig{Epochs: 20})
	if err != nil {
		t.Fatal(err)
	}
	return []SeqDetector{a}
}

func col64(w []float64) *tensor.Tensor[float64] { return tensor.FromData(clone(w), len(w), 1) }

// logits64 records d on a float64 tape through the same generic forward
// function its float32 ScoreNode uses, with the weights widened.
func logits64(d Detector, tp *engine.Tape[float64], h *engine.Node[float64]) *engine.Node[float64] {
	switch m := d.(type) {
	case *diffEnsemble:
		ls := make([]*engine.Node[float64], len(m.members))
		for i, mem := range m.members {
			ls[i] = logits64(mem, tp, h)
		}
		return ensembleLogits(tp, ls)
	case *diffCalibrated:
		return tp.Scale(logits64(m.base, tp, h), m.platt.A, m.platt.B)
	case Linear:
		w, b := m.Weights()
		return linearLogits(tp, h, tp.Const(col64(w)), tp.Const(tensor.FromData([]float64{b}, 1)))
	case *MLP:
		ws, bs := make([]*engine.Node[float64], len(m.w)), make([]*engine.Node[float64], len(m.b))
		for i := range ws {
			ws[i] = tp.Const(tensor.To[float64](m.w[i]))
			bs[i] = tp.Const(tensor.To[float64](m.b[i]))
		}
		return mlpLogits(tp, h, ws, bs)
	}
	panic("not differentiable")
}

// TestScoreNodeGradient: for every differentiable family, (1) the float64
// graph's gradient with respect to the activations passes a central
// finite-difference check, (2) the float32 ScoreNode agrees with Score and
// its gradient with the float64 one, (3) nothing reaches or changes the
// detector.
func TestScoreNodeGradient(t *testing.T) {
	X, y := synth(200, 5, 2, 21)
	r := rng.New(4, 0)
	coef := make([]float64, 6) // loss = Σᵢ cᵢ·σ(logitᵢ) over 6 rows
	for i := range coef {
		coef[i] = r.Normal()
	}
	h32 := tensor.FromData(append([]float32(nil), X.Data[:30]...), 6, 5)
	dets := map[string]Differentiable{}
	for name, f := range fitters() {
		det, err := f.Fit(X, y)
		if err != nil {
			t.Fatal(err)
		}
		d, ok := det.(Differentiable)
		if !ok {
			t.Fatalf("%T is not Differentiable", det)
		}
		dets[name] = d
	}
	ens, _ := NewEnsemble(dets["logistic"], dets["lda"], dets["mlp"])
	cal, err := Calibrate(dets["diffmeans"], X, y)
	if err != nil {
		t.Fatal(err)
	}
	var ok bool
	if dets["ensemble"], ok = ens.AsDifferentiable(); !ok {
		t.Fatal("ensemble of differentiable members is not differentiable")
	}
	if dets["calibrated"], ok = cal.AsDifferentiable(); !ok {
		t.Fatal("calibrated differentiable detector is not differentiable")
	}
	if e, _ := NewEnsemble(dets["logistic"], fixedTokenOnly{}); e != nil {
		if _, ok := e.AsDifferentiable(); ok {
			t.Error("ensemble with a non-differentiable member claims to be differentiable")
		}
	}
	for name, d := range dets {
		t.Run(name, func(t *testing.T) {
			before := saved(t, d)
			c64 := tensor.FromData(clone(coef), 6)
			loss64 := func(tp *engine.Tape[float64], xs []*engine.Node[float64]) *engine.Node[float64] {
				return tp.Sum(tp.Mul(tp.Sigmoid(logits64(d, tp, xs[0])), tp.Const(c64)))
			}
			h64 := tensor.To[float64](h32)
			res, err := engine.CheckGrad(loss64, []*tensor.Tensor[float64]{h64}, 1e-6, 1e-7)
			if err != nil {
				t.Fatalf("finite differences: %v (%+v)", err, res)
			}
			// Analytic float64 gradient, for comparison with float32.
			tp64 := engine.NewTape[float64]()
			hn64 := tp64.Input(h64)
			if err := tp64.Backward(loss64(tp64, []*engine.Node[float64]{hn64})); err != nil {
				t.Fatal(err)
			}
			tp := engine.NewTape[float32]()
			hn := tp.Input(h32)
			z := d.ScoreNode(tp, hn)
			c32 := tensor.New[float32](6)
			for i, v := range coef {
				c32.Data[i] = float32(v)
			}
			if err := tp.Backward(tp.Sum(tp.Mul(tp.Sigmoid(z), tp.Const(c32)))); err != nil {
				t.Fatal(err)
			}
			want := make([]float64, 6)
			if err := d.Score(h32, want); err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if got := sigmoid(float64(z.Value.Data[i])); math.Abs(got-want[i]) > 1e-5 {
					t.Errorf("row %d: σ(ScoreNode) = %v, Score = %v", i, got, want[i])
				}
			}
			var gerr, gscale float64
			for i, g := range hn64.Grad.Data {
				gerr = math.Max(gerr, math.Abs(float64(hn.Grad.Data[i])-g))
				gscale = math.Max(gscale, math.Abs(g))
			}
			t.Logf("FD max rel err %.2g; float32 vs float64 gradient rel err %.2g", res.MaxRelErr, gerr/gscale)
			if gerr > 1e-4*gscale {
				t.Errorf("float32 gradient differs from float64 by %v (scale %v)", gerr, gscale)
			}
			if !bytes.Equal(before, saved(t, d)) {
				t.Error("ScoreNode/Backward changed the detector")
			}
		})
	}
}

func TestAttnPoolGradient(t *testing.T) {
	tr, y := seqData(80, 6, 4, 5)
	a, err := FitAttnPool(tr, y, AttnPoolConfig{Epochs: 30})
	if err != nil {
		t.Fatal(err)
	}
	n, T, d := 4, 6, 4
	h32 := tensor.FromData(append([]float32(nil), tr.X.Data[:n*T*d]...), n, T, d)
	mask := tr.Mask[:n*T]
	add := tensor.New[float64](n, T)
	for i, v := range mask {
		if !v {
			add.Data[i] = maskedOut
		}
	}
	q, w, b := tensor.To[float64](a.q), tensor.To[float64](a.w), tensor.To[float64](a.b)
	loss64 := func(tp *engine.Tape[float64], xs []*engine.Node[float64]) *engine.Node[float64] {
		z := attnLogits(tp, xs[0], tp.Const(q), tp.Const(w), tp.Const(b), tp.Const(add))
		return tp.Sum(tp.Sigmoid(z))
	}
	// Differentiate with respect to the activations and the probe's own
	// parameters (the latter is what training uses).
	res, err := engine.CheckGrad(func(tp *engine.Tape[float64], xs []*engine.Node[float64]) *engine.Node[float64] {
		z := attnLogits(tp, xs[0], xs[1], xs[2], xs[3], tp.Const(add))
		return tp.Sum(tp.Sigmoid(z))
	}, []*tensor.Tensor[float64]{tensor.To[float64](h32), q, w, b}, 1e-6, 1e-7)
	if err != nil {
		t.Fatalf("finite differences: %v (%+v)", err, res)
	}
	t.Logf("FD max rel err %.2g", res.MaxRelErr)
	// Float32 ScoreSeqNode agrees with ScoreSeqs and the float64 gradient.
	tp := engine.NewTape[float32]()
	hn := tp.Input(h32)
	z := a.ScoreSeqNode(tp, hn, mask)
	if err := tp.Backward(tp.Sum(tp.Sigmoid(z))); err != nil {
		t.Fatal(err)
	}
	want := make([]float64, n)
	if err := a.ScoreSeqs(Seqs{X: h32, Mask: mask}, want); err != nil {
		t.Fatal(err)
	}
	tp64 := engine.NewTape[float64]()
	hn64 := tp64.Input(tensor.To[float64](h32))
	if err := tp64.Backward(loss64(tp64, []*engine.Node[float64]{hn64})); err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got := sigmoid(float64(z.Value.Data[i])); math.Abs(got-want[i]) > 1e-5 {
			t.Errorf("seq %d: σ(ScoreSeqNode) = %v, ScoreSeqs = %v", i, got, want[i])
		}
	}
	for i, g := range hn64.Grad.Data {
		if math.Abs(float64(hn.Grad.Data[i])-g) > 1e-4*math.Max(1, math.Abs(g)) {
			t.Fatalf("gradient %d: float32 %v, float64 %v", i, hn.Grad.Data[i], g)
		}
		if !mask[i/d] && g != 0 {
			t.Fatalf("gradient %v reaches masked position %d", g, i/d)
		}
	}
	// A mask of the wrong length is a tape error, not a panic.
	tp.Reset()
	a.ScoreSeqNode(tp, tp.Input(h32), mask[:5])
	if tp.Err() == nil {
		t.Error("short mask: no tape error")
	}
}

// TestMLPNonlinear: the MLP probe reads an XOR-coded concept that no linear
// probe can.
func TestMLPNonlinear(t *testing.T) {
	gen := func(n int, seed uint64) (*tensor.Tensor[float32], []bool) {
		r := rng.New(seed, 3)
		X := tensor.New[float32](n, 4)
		y := make([]bool, n)
		for i := range y {
			for j := 0; j < 4; j++ {
				X.Data[i*4+j] = float32(r.Normal())
			}
			y[i] = (X.Data[i*4] > 0) != (X.Data[i*4+1] > 0)
		}
		return X, y
	}
	X, y := gen(600, 1)
	Xte, yte := gen(400, 2)
	auc := func(d Detector) float64 {
		s := make([]float64, 400)
		if err := d.Score(Xte, s); err != nil {
			t.Fatal(err)
		}
		a, _ := metric.AUROC(s, yte)
		return a
	}
	m, err := FitMLP(X, y, MLPConfig{Hidden: 32, Epochs: 150})
	if err != nil {
		t.Fatal(err)
	}
	l, err := FitLogistic(X, y, LogisticConfig{})
	if err != nil {
		t.Fatal(err)
	}
	am, al := auc(m), auc(l)
	t.Logf("held-out AUROC: MLP %.3f, logistic %.3f", am, al)
	if am < 0.9 || al > 0.65 {
		t.Errorf("MLP %.3f should read XOR (> 0.9); logistic %.3f should not (< 0.65)", am, al)
	}
	m2, _ := FitMLP(X, y, MLPConfig{Hidden: 32, Epochs: 150})
	if !bytes.Equal(saved(t, m), saved(t, m2)) {
		t.Error("MLP training is not deterministic for a fixed seed")
	}
	for _, bad := range []MLPConfig{{Hidden: -1}, {LR: -1}, {WeightDecay: math.NaN()}} {
		if _, err := FitMLP(X, y, bad); err == nil {
			t.Errorf("config %+v: no error", bad)
		}
	}
}

// TestAttnPool: on sparse evidence attention pooling finds the bad token.
func TestAttnPool(t *testing.T) {
	tr, ytr := seqData(300, 8, 4, 1)
	te, yte := seqData(300, 8, 4, 2)
	a, err := FitAttnPool(tr, ytr, AttnPoolConfig{})
	if err != nil {
		t.Fatal(err)
	}
	s := make([]float64, 300)
	if err := a.ScoreSeqs(te, s); err != nil {
		t.Fatal(err)
	}
	mean, _ := FitPooled(tr, ytr, PoolMean, LogisticConfig{})
	sm := make([]float64, 300)
	mean.ScoreSeqs(te, sm)
	aa, _ := metric.AUROC(s, yte)
	am, _ := metric.AUROC(sm, yte)
	t.Logf("held-out AUROC: attention %.3f, mean-pooled logistic %.3f", aa, am)
	if aa < 0.9 || aa <= am {
		t.Errorf("attention pooling %.3f should beat mean pooling %.3f on sparse evidence", aa, am)
	}
	alpha, err := a.Attention(te)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 300; i++ {
		var sum float64
		for t2 := 0; t2 < 8; t2++ {
			if !te.Mask[i*8+t2] && alpha[i*8+t2] != 0 {
				t.Fatalf("attention on a masked position")
			}
			sum += alpha[i*8+t2]
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Fatalf("attention of seq %d sums to %v", i, sum)
		}
	}
	if _, err := FitAttnPool(tr, ytr[:3], AttnPoolConfig{}); err == nil {
		t.Error("label count: no error")
	}
	if err := a.ScoreSeqs(Seqs{X: tensor.New[float32](2, 3, 5)}, make([]float64, 2)); err == nil {
		t.Error("width mismatch: no error")
	}
}

// TestConcurrentScoring: a frozen detector is shared by goroutines scoring
// and recording ScoreNode at once (run with -race).
func TestConcurrentScoring(t *testing.T) {
	X, y := synth(100, 5, 2, 30)
	d, err := FitLogistic(X, y, LogisticConfig{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	for range 4 {
		go func() {
			tp := engine.NewTape[float32]()
			z := d.ScoreNode(tp, tp.Const(X))
			s := make([]float64, 100)
			err := d.Score(X, s)
			if err == nil {
				err = tp.Err()
			}
			if err == nil && math.Abs(sigmoid(float64(z.Value.Data[7]))-s[7]) > 1e-5 {
				err = fmt.Errorf("σ(ScoreNode) %v ≠ Score %v", sigmoid(float64(z.Value.Data[7])), s[7])
			}
			done <- err
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestEnsembleLogitsStable: saturated members give finite, exact logits.
func TestEnsembleLogitsStable(t *testing.T) {
	tp := engine.NewTape[float32]()
	a := tp.Const(tensor.FromData([]float32{100, 100, -100, 3}, 4))
	b := tp.Const(tensor.FromData([]float32{100, -100, -100, 3}, 4))
	z := ensembleLogits(tp, []*engine.Node[float32]{a, b})
	if err := tp.Err(); err != nil {
		t.Fatal(err)
	}
	want := []float64{100, 0, -100, 3} // logit of the mean probability
	for i, w := range want {
		if got := float64(z.Value.Data[i]); math.Abs(got-w) > 1e-4 {
			t.Errorf("logit %d = %v, want %v", i, got, w)
		}
	}
}
