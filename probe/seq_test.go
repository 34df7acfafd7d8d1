package probe

import (
	"errors"
	"math"
	"testing"

	"interloop/metric"
	"interloop/rng"
	"interloop/tensor"
)

// fixedLinear is a per-token detector σ(x₀): scores are known by hand.
func fixedLinear() *Logistic { return &Logistic{w: []float64{1, 0}, b: 0} }

func TestPooledHand(t *testing.T) {
	// Two sequences of T = 3 positions, d = 2; x₀ per position:
	// seq 0: 1, −2, 3 (all valid); seq 1: 0, 5, 9 with only 0, 5 valid.
	X := tensor.FromData([]float32{1, 0, -2, 0, 3, 0, 0, 0, 5, 0, 9, 0}, 2, 3, 2)
	s := Seqs{X: X, Mask: LenMask([]int{3, 2}, 3)}
	want := map[Pool][2]float64{
		PoolMean: {(sigmoid(1) + sigmoid(-2) + sigmoid(3)) / 3, (sigmoid(0) + sigmoid(5)) / 2},
		PoolMax:  {sigmoid(3), sigmoid(5)},
		PoolLast: {sigmoid(3), sigmoid(5)},
	}
	for pool, w := range want {
		p, err := NewPooled(fixedLinear(), pool)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]float64, 2)
		if err := p.ScoreSeqs(s, got); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if math.Abs(got[i]-w[i]) > 1e-15 {
				t.Errorf("%v: seq %d score %v, want %v", pool, i, got[i], w[i])
			}
		}
	}
	// A non-prefix mask: only the middle position of seq 0 counts.
	p, _ := NewPooled(fixedLinear(), PoolLast)
	got := make([]float64, 2)
	mask := []bool{false, true, false, true, true, true}
	if err := p.ScoreSeqs(Seqs{X: X, Mask: mask}, got); err != nil || got[0] != sigmoid(-2) || got[1] != sigmoid(9) {
		t.Errorf("masked last: %v, %v", got, err)
	}
}

func TestPooledErrors(t *testing.T) {
	p, _ := NewPooled(fixedLinear(), PoolMean)
	X := tensor.New[float32](2, 3, 2)
	nan := X.Clone()
	nan.Data[5] = float32(math.NaN())
	padNaN := X.Clone()
	padNaN.Data[11] = float32(math.NaN()) // in a masked-out position: ignored
	cases := []struct {
		name string
		s    Seqs
		dst  int
		want error
	}{
		{"nil", Seqs{}, 2, ErrEmpty},
		{"rank 2", Seqs{X: tensor.New[float32](2, 3)}, 2, ErrShape},
		{"mask size", Seqs{X: X, Mask: make([]bool, 5)}, 2, ErrShape},
		{"empty sequence", Seqs{X: X, Mask: LenMask([]int{3, 0}, 3)}, 2, ErrEmpty},
		{"dst", Seqs{X: X}, 3, ErrShape},
		{"NaN", Seqs{X: nan}, 2, ErrNonFinite},
		{"width", Seqs{X: tensor.New[float32](2, 3, 4)}, 2, ErrShape},
		{"NaN in padding", Seqs{X: padNaN, Mask: LenMask([]int{3, 2}, 3)}, 2, nil},
	}
	for _, c := range cases {
		err := p.ScoreSeqs(c.s, make([]float64, c.dst))
		if !errors.Is(err, c.want) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := NewPooled(nil, PoolMax); err == nil {
		t.Error("nil token detector: no error")
	}
	if _, err := NewPooled(fixedLinear(), Pool(9)); err == nil {
		t.Error("bad pool: no error")
	}
}

// seqData: deceptive sequences contain a few "bad" tokens shifted along a
// direction; the rest of each sequence looks honest. Max pooling should
// beat mean pooling on such sparse evidence.
func seqData(n, T, d int, seed uint64) (Seqs, []bool) {
	r := rng.New(seed, 2)
	X := tensor.New[float32](n, T, d)
	lens := make([]int, n)
	y := make([]bool, n)
	for i := range y {
		y[i] = i%2 == 0
		lens[i] = T/2 + r.Intn(T/2+1)
		for t := 0; t < T; t++ {
			for j := 0; j < d; j++ {
				X.Data[(i*T+t)*d+j] = float32(r.Normal())
			}
		}
		if y[i] {
			t := r.Intn(lens[i])
			X.Data[(i*T+t)*d] += 3
		}
	}
	return Seqs{X: X, Mask: LenMask(lens, T)}, y
}

func TestFitPooled(t *testing.T) {
	tr, ytr := seqData(200, 8, 4, 1)
	te, yte := seqData(200, 8, 4, 2)
	auc := map[Pool]float64{}
	for _, pool := range []Pool{PoolMean, PoolMax, PoolLast} {
		p, err := FitPooled(tr, ytr, pool, LogisticConfig{})
		if err != nil {
			t.Fatal(err)
		}
		s := make([]float64, 200)
		if err := p.ScoreSeqs(te, s); err != nil {
			t.Fatal(err)
		}
		auc[pool], _ = metric.AUROC(s, yte)
	}
	if auc[PoolMax] < 0.8 || auc[PoolMax] <= auc[PoolMean] {
		t.Errorf("AUROC by pool %v: max pooling should win on sparse evidence", auc)
	}
	if _, err := FitPooled(tr, ytr[:5], PoolMean, LogisticConfig{}); !errors.Is(err, ErrShape) {
		t.Errorf("label count: %v", err)
	}
}
