package experiment

import (
	"encoding/csv"
	"fmt"
	"interloop/internal/atomicfile"
	"interloop/internal/nanjson"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"interloop/audit"
)

// WriteDir writes the results into dir (created if needed): runs.jsonl (one
// JSON object per run: config, audit, curve, timings), curves.csv (one row
// per run and logged step), summary.csv (one row per arm and metric) and
// findings.txt. Files are written to temporary names and renamed, so an
// interrupted write never leaves a half-written result in place.
func WriteDir(dir string, res *Results, s Summary, findings []string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := []struct {
		name  string
		write func(io.Writer) error
	}{
		{"runs.jsonl", func(w io.Writer) error { return writeRuns(w, res) }},
		{"curves.csv", func(w io.Writer) error { return writeCurves(w, res) }},
		{"summary.csv", func(w io.Writer) error { return writeSummary(w, s) }},
		{"findings.txt", func(w io.Writer) error {
			for _, f := range findings {
				if _, err := fmt.Fprintln(w, f); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for _, f := range files {
		if err := atomicfile.Write(filepath.Join(dir, f.name), f.write); err != nil {
			return err
		}
	}
	return nil
}

func writeRuns(w io.Writer, res *Results) error {
	for i := range res.Runs {
		b, err := marshalNaN(res.Runs[i])
		if err != nil {
			return err
		}
		if _, err := w.Write(append(b, '\n')); err != nil {
			return err
		}
	}
	return nil
}

// marshalNaN marshals v with NaN/Inf floats written as null (JSON has no NaN).
func marshalNaN(v any) ([]byte, error) { return nanjson.Marshal(v) }

func writeCurves(w io.Writer, res *Results) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"arm", "seed", "step", "lie_rate_sampled", "lie_rate_greedy", "true_objective",
		"probe_mean_score_on_lies", "probe_recall_at_threshold", "probe_auroc_all_plans", "refit_instructed_auroc_all_plans"})
	for _, r := range res.Runs {
		for _, c := range r.Curve {
			cw.Write([]string{r.Arm, strconv.Itoa(r.Seed), strconv.Itoa(c.Step), ff(c.LieRateSampled), ff(c.LieRateGreedy),
				ff(c.TrueObjective), ff(c.ProbeMeanOnLies), ff(c.ProbeRecallThr), ff(c.ProbeAUROCAll), ff(c.RefitAUROC)})
		}
	}
	cw.Flush()
	return cw.Error()
}

func writeSummary(w io.Writer, s Summary) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"arm", "metric", "mean", "ci_lo", "ci_hi", "n"})
	for _, a := range s.Arms {
		for _, m := range Metrics {
			c := a.Cells[m.Key]
			cw.Write([]string{a.Name, m.Key, ff(c.Mean), ff(c.Lo), ff(c.Hi), strconv.Itoa(c.N)})
		}
		for _, o := range audit.Outcomes() { // a fixed order, not the map's
			cw.Write([]string{a.Name, "outcome_" + string(o), strconv.Itoa(a.Outcomes[o]), "", "", strconv.Itoa(len(a.Runs))})
		}
	}
	cw.Flush()
	return cw.Error()
}

func ff(x float64) string {
	if math.IsNaN(x) {
		return ""
	}
	return strconv.FormatFloat(x, 'g', 8, 64)
}
