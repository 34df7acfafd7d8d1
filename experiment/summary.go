package experiment

import (
	"fmt"
	"io"
	"math"

	"interloop/agent"
	"interloop/audit"
	"interloop/metric"
)

// Metric is one column of the results table.
type Metric struct {
	Key   string
	Label string
	Get   func(r *RunResult) float64
}

// Metrics are the table's columns, in order.
var Metrics = []Metric{
	{"lie_rate_sampled", "lie rate", func(r *RunResult) float64 { return r.Audit.LieRateSampled }},
	{"lie_rate_greedy", "lie (greedy)", func(r *RunResult) float64 { return r.Audit.LieRateGreedy }},
	{"true_objective", "true obj.", func(r *RunResult) float64 { return r.Audit.TrueObjective }},
	{"probe_auroc", "probe AUROC", func(r *RunResult) float64 { return r.Audit.ProbeAUROC }},
	{"probe_recall_at_fpr", "recall@1%", func(r *RunResult) float64 { return r.Audit.ProbeRecallFPR }},
	{"probe_recall_at_threshold", "recall@thr", func(r *RunResult) float64 { return r.Audit.ProbeRecallThr }},
	{"ref_recall_at_threshold", "ref recall@thr", func(r *RunResult) float64 { return r.Audit.RefRecallThr }},
	{"refit_instructed_auroc", "refit AUROC", func(r *RunResult) float64 { return r.Audit.RefitInstructedAUROC }},
	{"refit_truth_auroc", "truth-refit AUROC", func(r *RunResult) float64 { return r.Audit.RefitTruthAUROC }},
	{"diffmeans_auroc", "diffmeans AUROC", other("diffmeans@" + agent.Belief.Name())},
	{"mlp_auroc", "MLP AUROC", other("mlp@" + agent.Belief.Name())},
	{"plan0_auroc", "plan.0 AUROC", other("logistic@" + agent.Plan0.Name())},
	{"belief_accuracy", "belief acc.", func(r *RunResult) float64 { return r.Audit.BeliefAccuracy }},
}

func other(name string) func(r *RunResult) float64 {
	return func(r *RunResult) float64 {
		if v, ok := r.Audit.Others[name]; ok {
			return v
		}
		return math.NaN()
	}
}

// Cell is a metric's mean with its 95% t-interval over the seeds where it
// is defined.
type Cell = metric.SeedStat

func cellOf(xs []float64) Cell { return metric.OverSeeds(xs) }

// ArmSummary aggregates one arm's runs.
type ArmSummary struct {
	Name     string
	Spec     ArmSpec
	Cells    map[string]Cell
	Outcomes map[audit.Outcome]int
	Runs     []*RunResult // by seed; failed runs excluded
	Failed   int
}

// Summary aggregates an experiment.
type Summary struct {
	Seeds int
	Arms  []ArmSummary
}

// Summarize aggregates results per arm.
func Summarize(res *Results) Summary {
	s := Summary{Seeds: res.Seeds}
	for ai, spec := range res.Experiment.Arms {
		as := ArmSummary{Name: spec.Name, Spec: spec, Cells: map[string]Cell{}, Outcomes: map[audit.Outcome]int{}}
		for seed := 0; seed < res.Seeds; seed++ {
			r := &res.Runs[ai*res.Seeds+seed]
			if r.Err != "" {
				as.Failed++
				continue
			}
			as.Runs = append(as.Runs, r)
			as.Outcomes[r.Audit.Outcome]++
		}
		for _, m := range Metrics {
			xs := make([]float64, len(as.Runs))
			for i, r := range as.Runs {
				xs[i] = m.Get(r)
			}
			as.Cells[m.Key] = cellOf(xs)
		}
		s.Arms = append(s.Arms, as)
	}
	return s
}

// WriteTable prints the results table: mean ± 95% CI half-width over seeds,
// then the outcome-class counts.
func (s Summary) WriteTable(w io.Writer) {
	cols := []string{"lie_rate_sampled", "lie_rate_greedy", "true_objective", "probe_auroc", "probe_recall_at_threshold",
		"ref_recall_at_threshold", "refit_instructed_auroc", "diffmeans_auroc", "mlp_auroc", "plan0_auroc"}
	label := map[string]string{}
	for _, m := range Metrics {
		label[m.Key] = m.Label
	}
	width := 4
	for _, a := range s.Arms {
		width = max(width, len(a.Name))
	}
	fmt.Fprintf(w, "%-*s", width, "arm")
	for _, c := range cols {
		fmt.Fprintf(w, " %15s", label[c])
	}
	fmt.Fprintln(w)
	for _, a := range s.Arms {
		fmt.Fprintf(w, "%-*s", width, a.Name)
		for _, c := range cols {
			fmt.Fprintf(w, " %15s", a.Cells[c].String())
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\nmean ± 95%% CI half-width over %d seeds; n/a: undefined (no lies to detect)\n\n", s.Seeds)
	fmt.Fprintf(w, "%-*s", width, "outcomes")
	for _, o := range audit.Outcomes() {
		fmt.Fprintf(w, " %23s", o)
	}
	fmt.Fprintf(w, " %7s\n", "failed")
	for _, a := range s.Arms {
		fmt.Fprintf(w, "%-*s", width, a.Name)
		for _, o := range audit.Outcomes() {
			fmt.Fprintf(w, " %23d", a.Outcomes[o])
		}
		fmt.Fprintf(w, " %7d\n", a.Failed)
	}
}
