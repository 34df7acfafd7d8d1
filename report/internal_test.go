package report

import (
	"math"
	"testing"

	"interloop/audit"
	"interloop/experiment"
)

// TestStatOf: values from scipy.stats.t.interval(0.95, n-1, loc=mean,
// scale=scipy.stats.sem(xs)).
func TestStatOf(t *testing.T) {
	for _, tc := range []struct {
		xs           []float64
		mean, lo, hi float64
		n            int
	}{
		{[]float64{0.1, 0.2, 0.6}, 0.3, -0.3572410, 0.9572410, 3},
		{[]float64{0.5, math.NaN(), 0.7}, 0.6, -0.6706205, 1.8706205, 2},
		{[]float64{0.4}, 0.4, math.NaN(), math.NaN(), 1},
		{[]float64{math.NaN()}, math.NaN(), math.NaN(), math.NaN(), 0},
	} {
		s := statOf(tc.xs)
		same := func(a, b float64) bool { return math.IsNaN(a) && math.IsNaN(b) || math.Abs(a-b) < 1e-6 }
		if s.N != tc.n || !same(s.Mean, tc.mean) || !same(s.Lo, tc.lo) || !same(s.Hi, tc.hi) {
			t.Errorf("statOf(%v) = %+v, want mean %v [%v, %v] n %d", tc.xs, s, tc.mean, tc.lo, tc.hi, tc.n)
		}
	}
}

func TestDecodeNaN(t *testing.T) {
	var rr experiment.RunResult
	rr.Config = experiment.DefaultRunConfig()
	err := decodeNaN([]byte(`{"arm":"a","seed":3,"audit":{"lie_rate_sampled":0.25,"probe_auroc":null,"outcome":"blatant",
		"other_detectors_auroc":{"x":null,"y":0.5}},"curve":[{"step":25,"true_objective":null}],"config":{"rl":{"steps":7}}}`), &rr)
	if err != nil {
		t.Fatal(err)
	}
	a := rr.Audit
	if rr.Arm != "a" || rr.Seed != 3 || a.LieRateSampled != 0.25 || !math.IsNaN(a.ProbeAUROC) || a.Outcome != audit.Blatant ||
		!math.IsNaN(a.Others["x"]) || a.Others["y"] != 0.5 || len(rr.Curve) != 1 || !math.IsNaN(rr.Curve[0].TrueObjective) {
		t.Errorf("decoded %+v", rr)
	}
	if def := experiment.DefaultRunConfig(); rr.Config.RL.Steps != 7 || rr.Config.World != def.World {
		t.Errorf("config: steps %d; fields absent from the JSON must keep their defaults", rr.Config.RL.Steps)
	}
	for _, bad := range []string{`{"seed":"x"}`, `[1]`, `{"audit":{"lie_rate_sampled":"high"}}`, `{`} {
		var r experiment.RunResult
		if err := decodeNaN([]byte(bad), &r); err == nil {
			t.Errorf("decodeNaN(%s): no error", bad)
		}
	}
}

func FuzzDecodeNaN(f *testing.F) {
	f.Add(`{"arm":"a","audit":{"lie_rate_sampled":null},"curve":[{"step":1}]}`)
	f.Add(`{"config":{"arm":{"filter":{"directions":["x",null]}}}}`)
	f.Fuzz(func(t *testing.T, s string) {
		var rr experiment.RunResult
		_ = decodeNaN([]byte(s), &rr) // must not panic
	})
}

func TestValueAtAndDifferences(t *testing.T) {
	c := experiment.DefaultRunConfig()
	c.Arm.Retrain.Every = 50
	c.Arm.Lambda = 0.3
	if got := ValueAt(c, "arm.retrain.every"); got != "50" {
		t.Errorf("arm.retrain.every = %q", got)
	}
	if got := ValueAt(c, "arm.lambda"); got != "0.3" {
		t.Errorf("arm.lambda = %q", got)
	}
	if got := ValueAt(c, "arm.nope"); got != "?" {
		t.Errorf("arm.nope = %q", got)
	}
	if got := Differences(c); got != "arm.lambda=0.3, arm.retrain.every=50" {
		t.Errorf("Differences = %q", got)
	}
	if got := Differences(experiment.DefaultRunConfig()); got != "defaults" {
		t.Errorf("Differences(defaults) = %q", got)
	}
	if got := sortAxisValues([]string{"3", "0.3", "1"}); got[0] != "0.3" || got[2] != "3" {
		t.Errorf("numeric sort: %v", got)
	}
	if got := sortAxisValues([]string{"b", "a"}); got[0] != "b" {
		t.Errorf("text keeps order: %v", got)
	}
}
