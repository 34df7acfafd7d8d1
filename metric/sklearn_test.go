package metric

import (
	"encoding/json"
	"math"
	"os"
	"strconv"
	"testing"
)

// Fixtures are written by scripts/sklearn_fixtures.py (scikit-learn
// roc_auc_score, roc_curve(drop_intermediate=False), accuracy_score, and
// scipy.stats.t.interval).

type rocCase struct {
	Name        string             `json:"name"`
	Scores      []float64          `json:"scores"`
	Y           []bool             `json:"y"`
	AUROC       float64            `json:"auroc"`
	FPR         []float64          `json:"fpr"`
	TPR         []float64          `json:"tpr"`
	Thresholds  []float64          `json:"thresholds"` // without the leading sentinel
	RecallAtFPR map[string]float64 `json:"recall_at_fpr"`
	AccAtHalf   float64            `json:"accuracy_at_half"`
}

func loadFixture(t *testing.T, name string, cases any) {
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

func TestSklearnROC(t *testing.T) {
	var cases []rocCase
	loadFixture(t, "roc.json", &cases)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			auc, err := AUROC(c.Scores, c.Y)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("AUROC |Δ| = %.1g", math.Abs(auc-c.AUROC))
			if math.Abs(auc-c.AUROC) > 1e-12 {
				t.Errorf("AUROC = %.17g, sklearn %.17g", auc, c.AUROC)
			}
			r, err := ROCCurve(c.Scores, c.Y)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.FPR) != len(c.FPR) {
				t.Fatalf("%d ROC points, sklearn %d", len(r.FPR), len(c.FPR))
			}
			for i := range r.FPR {
				if r.FPR[i] != c.FPR[i] || r.TPR[i] != c.TPR[i] {
					t.Fatalf("point %d: (%v, %v), sklearn (%v, %v)", i, r.FPR[i], r.TPR[i], c.FPR[i], c.TPR[i])
				}
				if i > 0 && r.Thresholds[i] != c.Thresholds[i-1] {
					t.Fatalf("threshold %d: %v, sklearn %v", i, r.Thresholds[i], c.Thresholds[i-1])
				}
			}
			for k, want := range c.RecallAtFPR {
				target, _ := strconv.ParseFloat(k, 64)
				got, err := RecallAtFPR(c.Scores, c.Y, target)
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("RecallAtFPR(%v) = %v, sklearn %v", target, got, want)
				}
			}
			acc, err := Accuracy(c.Scores, c.Y, 0.5)
			if err != nil {
				t.Fatal(err)
			}
			if acc != c.AccAtHalf {
				t.Errorf("Accuracy = %v, sklearn %v", acc, c.AccAtHalf)
			}
		})
	}
}

func TestSklearnMeanCI(t *testing.T) {
	var cases []struct {
		X            []float64 `json:"x"`
		Level        float64   `json:"level"`
		Mean, Lo, Hi float64
	}
	loadFixture(t, "mean_ci.json", &cases)
	for _, c := range cases {
		ci, err := MeanCI(c.X, c.Level)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("n=%d: |Δlo| %.1g, |Δhi| %.1g", len(c.X), math.Abs(ci.Lo-c.Lo), math.Abs(ci.Hi-c.Hi))
		for _, p := range [][2]float64{{ci.Estimate, c.Mean}, {ci.Lo, c.Lo}, {ci.Hi, c.Hi}} {
			if math.Abs(p[0]-p[1]) > 1e-9*math.Max(1, math.Abs(p[1])) {
				t.Errorf("n=%d: MeanCI = %v, scipy [%v, %v] around %v", len(c.X), ci, c.Lo, c.Hi, c.Mean)
			}
		}
	}
}
