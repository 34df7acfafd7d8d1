package probe

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"interloop/tensor"
)

// Parity with scikit-learn 1.2 on fixtures written by
// scripts/sklearn_fixtures.py. Activations are float32 on both sides.

func loadCases(t *testing.T, name string, cases any) {
	t.Helper()
	b, err := os.ReadFile("../testdata/sklearn/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases json.RawMessage `json:"cases"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(doc.Cases, cases); err != nil {
		t.Fatal(err)
	}
}

// matrix turns decoded float32 rows into an n×d tensor.
func matrix(rows [][]float32) *tensor.Tensor[float32] {
	d := len(rows[0])
	data := make([]float32, 0, len(rows)*d)
	for _, r := range rows {
		data = append(data, r...)
	}
	return tensor.FromData(data, len(rows), d)
}

// maxRelErr is max |got−want| / max‖want‖∞ over a vector: the error relative
// to the vector's scale, so tiny coefficients do not blow it up.
func maxRelErr(got, want []float64) float64 {
	var scale, e float64
	for _, w := range want {
		scale = math.Max(scale, math.Abs(w))
	}
	for i := range want {
		e = math.Max(e, math.Abs(got[i]-want[i]))
	}
	return e / scale
}

func maxAbsErr(got, want []float64) float64 {
	var e float64
	for i := range want {
		e = math.Max(e, math.Abs(got[i]-want[i]))
	}
	return e
}

func TestSklearnLogistic(t *testing.T) {
	var cases []struct {
		Name        string      `json:"name"`
		C           float64     `json:"C"`
		Standardize bool        `json:"standardize"`
		X           [][]float32 `json:"X"`
		Y           []bool      `json:"y"`
		XTest       [][]float32 `json:"X_test"`
		Coef        []float64   `json:"coef"`
		Intercept   float64     `json:"intercept"`
		ProbaTest   []float64   `json:"proba_test"`
	}
	loadCases(t, "logistic.json", &cases)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			l, err := FitLogistic(matrix(c.X), c.Y, LogisticConfig{C: c.C, Standardize: c.Standardize})
			if err != nil {
				t.Fatal(err)
			}
			w, b := l.Weights()
			got := append(w, b)
			want := append(append([]float64(nil), c.Coef...), c.Intercept)
			rel := maxRelErr(got, want)
			p := make([]float64, len(c.XTest))
			if err := l.Score(matrix(c.XTest), p); err != nil {
				t.Fatal(err)
			}
			perr := maxAbsErr(p, c.ProbaTest)
			t.Logf("%s: %d Newton steps, coef rel err %.2g, proba abs err %.2g", c.Name, l.Iterations(), rel, perr)
			if rel > 1e-4 {
				t.Errorf("coefficients: max relative error %g > 1e-4\n got %v\nwant %v", rel, got, want)
			}
			if perr > 1e-5 {
				t.Errorf("probabilities: max abs error %g > 1e-5", perr)
			}
		})
	}
}

func TestSklearnLDA(t *testing.T) {
	var cases []struct {
		Name      string      `json:"name"`
		Shrinkage float64     `json:"shrinkage"`
		X         [][]float32 `json:"X"`
		Y         []bool      `json:"y"`
		Coef      []float64   `json:"coef"`
		Intercept float64     `json:"intercept"`
		Proba     []float64   `json:"proba"`
	}
	loadCases(t, "lda.json", &cases)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			X := matrix(c.X)
			l, err := FitLDA(X, c.Y, LDAConfig{Shrinkage: c.Shrinkage})
			if err != nil {
				t.Fatal(err)
			}
			w, b := l.Weights()
			rel := maxRelErr(append(w, b), append(append([]float64(nil), c.Coef...), c.Intercept))
			dirErr := maxAbsErr(l.Direction(), unit(c.Coef))
			p := make([]float64, len(c.Y))
			if err := l.Score(X, p); err != nil {
				t.Fatal(err)
			}
			perr := maxAbsErr(p, c.Proba)
			t.Logf("%s: coef rel err %.2g, direction err %.2g, proba err %.2g", c.Name, rel, dirErr, perr)
			if rel > 1e-8 || dirErr > 1e-8 || perr > 1e-8 {
				t.Errorf("LDA differs from sklearn: coef %g, direction %g, proba %g", rel, dirErr, perr)
			}
		})
	}
}

func TestSklearnPCA(t *testing.T) {
	var cases []struct {
		Name       string      `json:"name"`
		X          [][]float32 `json:"X"`
		A          [][]float32 `json:"A"`
		B          [][]float32 `json:"B"`
		K          int         `json:"k"`
		Components [][]float64 `json:"components"`
		Variance   []float64   `json:"variance"`
		Ratio      []float64   `json:"ratio"`
	}
	loadCases(t, "pca.json", &cases)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			var p *PCA
			var err error
			if c.X != nil {
				p, err = FitPCA(matrix(c.X), c.K, PCAConfig{})
			} else {
				p, err = DiffPCA(matrix(c.A), matrix(c.B), c.K, PCAConfig{})
			}
			if err != nil {
				t.Fatal(err)
			}
			var worst float64
			for k, want := range c.Components {
				got := p.Components[k]
				if dot(got, want) < 0 { // sign is a convention; compare up to it
					got = append([]float64(nil), got...)
					scaleVec(got, -1)
				}
				worst = math.Max(worst, maxAbsErr(got, want))
			}
			verr := maxRelErr(p.Variance, c.Variance)
			rerr := maxAbsErr(p.Ratio, c.Ratio)
			t.Logf("%s: component err %.2g (up to sign), variance rel err %.2g, ratio err %.2g", c.Name, worst, verr, rerr)
			if worst > 1e-8 || verr > 1e-10 || rerr > 1e-10 {
				t.Errorf("PCA differs from sklearn")
			}
		})
	}
}
