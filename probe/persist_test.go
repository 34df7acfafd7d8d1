package probe

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

var testMeta = Meta{
	Model:     "vault/brainlike seed 3 step 0",
	Site:      "belief.hook_h",
	Data:      "instructed episodes, 4096 honest / 4096 lie",
	CreatedBy: "probe_test",
	Created:   "2026-03-01T12:00:00Z",
	Notes:     "round-trip fixture",
}

// persisted returns one fitted detector of every persistable per-row kind.
func persisted(t *testing.T) map[string]Detector {
	t.Helper()
	X, y := synth(200, 5, 2, 12)
	out := map[string]Detector{}
	for name, f := range fitters() {
		d, err := f.Fit(X, y)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = d
	}
	ens, err := FitEnsemble(X, y, LogisticConfig{}, LDAConfig{})
	if err != nil {
		t.Fatal(err)
	}
	out["ensemble"] = ens
	cal, err := Calibrate(out["diffmeans"], X, y)
	if err != nil {
		t.Fatal(err)
	}
	out["calibrated"] = cal
	return out
}

func TestRoundTrip(t *testing.T) {
	X, _ := synth(50, 5, 2, 13)
	for name, d := range persisted(t) {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Save(&buf, d, testMeta); err != nil {
				t.Fatal(err)
			}
			first := buf.String()
			got, meta, err := LoadDetector(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if meta != testMeta {
				t.Errorf("meta %+v, want %+v", meta, testMeta)
			}
			if got.Kind() != d.Kind() {
				t.Errorf("kind %q, want %q", got.Kind(), d.Kind())
			}
			a, b := make([]float64, 50), make([]float64, 50)
			if err := d.Score(X, a); err != nil {
				t.Fatal(err)
			}
			if err := got.Score(X, b); err != nil {
				t.Fatal(err)
			}
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("score %d: %v before save, %v after load", i, a[i], b[i])
				}
			}
			var again bytes.Buffer
			if err := Save(&again, got, testMeta); err != nil {
				t.Fatal(err)
			}
			if again.String() != first {
				t.Errorf("re-saving a loaded detector changed the document")
			}
		})
	}
}

func TestRoundTripPooled(t *testing.T) {
	tr, y := seqData(60, 6, 4, 3)
	for _, pool := range []Pool{PoolMean, PoolMax, PoolLast} {
		p, err := FitPooled(tr, y, pool, DiffMeansConfig{})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := Save(&buf, p, testMeta); err != nil {
			t.Fatal(err)
		}
		k, _, err := Load(&buf)
		if err != nil {
			t.Fatal(err)
		}
		q, ok := k.(*Pooled)
		if !ok || q.Pool() != pool {
			t.Fatalf("loaded %T %v", k, k)
		}
		a, b := make([]float64, 60), make([]float64, 60)
		p.ScoreSeqs(tr, a)
		q.ScoreSeqs(tr, b)
		if maxAbsErr(a, b) != 0 {
			t.Errorf("%v: scores changed by a round trip", pool)
		}
		if _, _, err := LoadDetector(strings.NewReader(saveString(t, p))); !errors.Is(err, ErrConfig) {
			t.Errorf("LoadDetector of a sequence detector: %v", err)
		}
	}
	for _, d := range engineSeqDetectors(t) {
		var buf bytes.Buffer
		if err := Save(&buf, d, testMeta); err != nil {
			t.Fatal(err)
		}
		k, _, err := Load(&buf)
		if err != nil {
			t.Fatal(err)
		}
		a, b := make([]float64, 60), make([]float64, 60)
		d.ScoreSeqs(tr, a)
		k.(SeqDetector).ScoreSeqs(tr, b)
		if maxAbsErr(a, b) != 0 {
			t.Errorf("%s: scores changed by a round trip", d.Kind())
		}
	}
}

func saveString(t *testing.T, d Kinded) string {
	t.Helper()
	return string(saved(t, d))
}

func TestLoadErrors(t *testing.T) {
	good := saveString(t, &Logistic{cfg: LogisticConfig{C: 1}, w: []float64{1, 2}, b: 0.5})
	cases := map[string]string{
		"not JSON":           "{",
		"wrong format":       strings.Replace(good, Format, "interloop.probe/v0", 1),
		"unknown kind":       strings.Replace(good, `"kind": "logistic"`, `"kind": "svm"`, 1),
		"unknown field":      strings.Replace(good, `"kind"`, `"colour": 1, "kind"`, 1),
		"unknown config key": strings.Replace(good, `"c": 1`, `"c": 1, "gamma": 2`, 1),
		"bad base64":         strings.Replace(good, `"data": "`, `"data": "!!`, 1),
		"wrong shape":        strings.Replace(good, "\"shape\": [\n        2", "\"shape\": [\n        3", 1),
		"bad dtype":          strings.Replace(good, `"float64"`, `"int8"`, 1),
		"missing bias":       strings.Replace(good, `"b": 0.5`, `"c0": 0.5`, 1),
		"empty":              "",
	}
	for name, doc := range cases {
		if doc == good {
			t.Fatalf("%s: replacement did not apply", name)
		}
		if _, _, err := Load(strings.NewReader(doc)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if err := Save(&bytes.Buffer{}, foreign{}, Meta{}); !errors.Is(err, ErrConfig) {
		t.Errorf("saving a foreign detector: %v", err)
	}
}

type foreign struct{}

func (foreign) Kind() string { return "foreign" }

func FuzzLoad(f *testing.F) {
	X, y := synth(40, 3, 2, 1)
	for _, fit := range fitters() {
		d, _ := fit.Fit(X, y)
		var b bytes.Buffer
		Save(&b, d, testMeta)
		f.Add(b.Bytes())
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		d, _, err := LoadDetector(bytes.NewReader(doc))
		if err != nil {
			return
		}
		// Whatever loads must score without panicking.
		s := make([]float64, 40)
		_ = d.Score(X, s)
	})
}
