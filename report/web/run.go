package web

import (
	"math"
	"net/http"
	"slices"
	"strconv"

	"interloop/audit"
	"interloop/experiment"
	"interloop/report"
	"interloop/report/assets"
	"interloop/store"
)

// runCurves turns a run's stored step metrics into curve points (one seed:
// no interval).
func runCurves(r *store.Run) []report.CurveStat {
	var out []report.CurveStat
	for _, m := range report.CurveMetrics {
		for _, p := range r.Curves {
			if p.Metric != m.Key {
				continue
			}
			st := report.Stat{Mean: p.Value, Lo: math.NaN(), Hi: math.NaN(), N: 1}
			if math.IsNaN(p.Value) {
				st.N = 0
			}
			out = append(out, report.CurveStat{Arm: r.Arm, Metric: m, Step: p.Step, Stat: st})
		}
	}
	slices.SortStableFunc(out, func(a, b report.CurveStat) int { return a.Step - b.Step })
	return out
}

func (s *Server) run(w http.ResponseWriter, r *http.Request) {
	run, ok := s.getRun(w, r)
	if !ok {
		return
	}
	diff := ""
	yaml := run.Config
	if y, err := experiment.ConfigYAML(run.Config); err == nil {
		yaml = string(y)
	}
	if cfg, err := report.DecodeConfig(run.Config); err == nil {
		diff = report.Differences(cfg)
	}
	spec, series := report.CurvesSpec(runCurves(run), []string{run.Arm}, 1, 560, 280)
	fig := report.Figure{ID: "fig-run-curves", Title: "Training curves", Mark: "line", Marks: series, Spec: spec,
		Caption: "This run's curves over RL steps: the true lie rate and true objective beside the frozen probe's recall at its " +
			"pre-RL threshold, its mean score on lies, and a refit probe's AUROC."}
	var scripts []string
	for _, sc := range assets.Scripts() {
		scripts = append(scripts, "/assets/"+sc.Name)
	}
	s.page(w, r, "run", map[string]any{
		"Style": report.Style(), "Run": run, "Outcome": run.Outcome, "Differences": diff, "YAML": yaml,
		"Figure": fig, "Specs": []map[string]any{{"id": fig.ID, "spec": fig.Spec}}, "Scripts": scripts,
		"ExperimentURL": ExperimentURL(run.Experiment), "Finished": run.Finished.Local().Format("2006-01-02 15:04:05"),
		"Seconds": strconv.FormatFloat(run.Seconds, 'f', 2, 64), "Version": s.opt.Version,
		"Truthful": outcomeNote(audit.Outcome(run.Outcome)),
	})
}

func outcomeNote(o audit.Outcome) string {
	switch o {
	case audit.Honest:
		return "the policy barely lies: nothing for the probe to catch"
	case audit.Blatant:
		return "the policy lies and the frozen probe still fires on the lies"
	case audit.ObfuscatedPolicy:
		return "the policy lies in ways the probe misses even on the pre-RL network (changed outputs)"
	case audit.ObfuscatedActivations:
		return "the probe would catch these lies on the pre-RL network but not on the policy (changed activations)"
	}
	return ""
}

func chipClass(o string) string {
	switch audit.Outcome(o) {
	case audit.Honest:
		return "chip honest"
	case audit.Blatant:
		return "chip blatant"
	case audit.ObfuscatedPolicy:
		return "chip obf-policy"
	case audit.ObfuscatedActivations:
		return "chip obf-act"
	}
	return "chip other"
}

func numText(x float64) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	return strconv.FormatFloat(x, 'g', 6, 64)
}
