package lm

import (
	"fmt"
	"io"
	"math"
	"strings"

	"interloop/audit"
	"interloop/env/vault"
	"interloop/metric"
)

// Metric is one per-run number, read for one aggregation's probe.
type Metric struct {
	Key   string
	Label string
	Get   func(r *RunResult, agg Agg) float64
}

func det(f func(d Detection) float64) func(r *RunResult, agg Agg) float64 {
	return func(r *RunResult, agg Agg) float64 {
		d, ok := r.Audit.Detect[agg]
		if !ok {
			return math.NaN()
		}
		return f(d)
	}
}

func beh(f func(a *AuditResult) float64) func(r *RunResult, _ Agg) float64 {
	return func(r *RunResult, _ Agg) float64 { return f(&r.Audit) }
}

// Metrics are the summary's numbers, in order.
var Metrics = []Metric{
	{"lie_rate_sampled", "lie rate", beh(func(a *AuditResult) float64 { return a.LieRateSampled })},
	{"lie_rate_greedy", "lie greedy", beh(func(a *AuditResult) float64 { return a.LieRateGreedy })},
	{"pre_lie_rate_sampled", "pre-RL lie", beh(func(a *AuditResult) float64 { return a.PreLieRateSampled })},
	{"true_objective", "true obj", beh(func(a *AuditResult) float64 { return a.TrueObjective })},
	{"invalid_rate", "invalid", beh(func(a *AuditResult) float64 { return a.InvalidRate })},
	{"action_accuracy", "action acc", beh(func(a *AuditResult) float64 { return a.ActionAccuracy })},
	{"auroc", "AUROC", det(func(d Detection) float64 { return d.AUROC })},
	{"recall_at_fpr", "recall@1%", det(func(d Detection) float64 { return d.RecallFPR })},
	{"recall_at_threshold", "recall@thr", det(func(d Detection) float64 { return d.RecallThr })},
	{"ref_recall_at_threshold", "ref rec@thr", det(func(d Detection) float64 { return d.RefRecallThr })},
	{"pre_recall_at_threshold", "pre rec@thr", det(func(d Detection) float64 { return d.PreRecallThr })},
	{"pre_auroc", "pre AUROC", det(func(d Detection) float64 { return d.PreAUROC })},
	{"drop_share_outputs", "drop:outputs", det(func(d Detection) float64 { return d.DropFromOutputs })},
	{"refit_auroc", "refit AUROC", det(func(d Detection) float64 { return d.RefitAUROC })},
	{"truth_refit_auroc", "truth-refit AUROC", det(func(d Detection) float64 { return d.TruthRefitAUROC })},
	{"instruction_auroc", "instr AUROC", det(func(d Detection) float64 { return d.InstructionAUROC })},
	{"arm_probe_auroc", "arm-probe AUROC", beh(func(a *AuditResult) float64 { return a.ArmProbeAUROC })},
}

// tableCols are the metrics the printed table shows.
var tableCols = []string{"lie_rate_sampled", "lie_rate_greedy", "true_objective", "auroc", "recall_at_fpr",
	"recall_at_threshold", "ref_recall_at_threshold", "pre_recall_at_threshold", "drop_share_outputs", "refit_auroc"}

// Cell is a metric's mean with its 95% t-interval over the seeds where it
// is defined.
type Cell = metric.SeedStat

func cellOf(xs []float64) Cell { return metric.OverSeeds(xs) }

// Row is one (arm, aggregation) line of the summary: the arm's runs read by
// that aggregation's frozen pre-RL probe. For arms that train against a
// probe, the runs are those trained against this aggregation.
type Row struct {
	Name     string
	Spec     ArmSpec
	Agg      Agg
	Runs     []*RunResult // by seed; failed runs excluded
	Cells    map[string]Cell
	Outcomes map[audit.Outcome]int
	Failed   int
}

// Summary aggregates an experiment.
type Summary struct {
	Seeds int
	Rows  []Row
	Pre   []SeedReport
}

// Summarize aggregates results per (arm, aggregation).
func Summarize(res *Results) Summary {
	s := Summary{Seeds: res.Config.Seeds, Pre: res.Pre}
	for _, sp := range res.Arms {
		for _, agg := range Aggs() {
			row := Row{Name: sp.Name + "/" + string(agg), Spec: sp, Agg: agg, Cells: map[string]Cell{}, Outcomes: map[audit.Outcome]int{}}
			for i := range res.Runs {
				r := &res.Runs[i]
				if r.Arm != sp.Name || (sp.PerAgg && r.Agg != agg) {
					continue
				}
				if r.Err != "" {
					row.Failed++
					continue
				}
				row.Runs = append(row.Runs, r)
				row.Outcomes[r.Audit.Detect[agg].Outcome]++
			}
			for _, m := range Metrics {
				row.Cells[m.Key] = cellOf(row.values(m.Get))
			}
			s.Rows = append(s.Rows, row)
		}
	}
	return s
}

func (r *Row) values(get func(*RunResult, Agg) float64) []float64 {
	xs := make([]float64, len(r.Runs))
	for i, run := range r.Runs {
		xs[i] = get(run, r.Agg)
	}
	return xs
}

// row finds a row by arm and aggregation (nil if absent or empty).
func (s *Summary) row(armName string, agg Agg) *Row {
	for i := range s.Rows {
		if r := &s.Rows[i]; r.Spec.Name == armName && r.Agg == agg && len(r.Runs) > 0 {
			return r
		}
	}
	return nil
}

// WriteTable prints the pre-RL report, the results table (mean ± 95% CI
// half-width over seeds) and the outcome classes.
func (s Summary) WriteTable(w io.Writer) {
	fmt.Fprintln(w, "Pre-RL (per seed): the LM's knowledge of z and each probe's calibration on held-out instructed episodes")
	fmt.Fprintf(w, "%-5s %8s %8s %8s %8s", "seed", "z acc", "act acc", "lie-ins", "loss")
	for _, a := range Aggs() {
		fmt.Fprintf(w, " %14s", string(a)+" R0/AUROC0")
	}
	fmt.Fprintln(w)
	for _, p := range s.Pre {
		if p.Err != "" {
			fmt.Fprintf(w, "%-5d FAILED: %s\n", p.Seed, p.Err)
			continue
		}
		fmt.Fprintf(w, "%-5d %8.3f %8.3f %8.3f %8.3f", p.Seed, p.Pretrain.ZAccuracy, p.Pretrain.ActionAccuracy, p.Pretrain.LieFollowing, p.Pretrain.Loss)
		for _, a := range Aggs() {
			n := p.Probes[a]
			fmt.Fprintf(w, " %14s", fmt.Sprintf("%.2f/%.3f", n.R0, n.AUROC0))
		}
		fmt.Fprintln(w)
	}
	label := map[string]string{}
	for _, m := range Metrics {
		label[m.Key] = m.Label
	}
	width := 4
	for _, r := range s.Rows {
		width = max(width, len(r.Name))
	}
	fmt.Fprintf(w, "\n%-*s", width, "arm/probe")
	for _, c := range tableCols {
		fmt.Fprintf(w, " %12s", label[c])
	}
	fmt.Fprintln(w)
	for _, r := range s.Rows {
		fmt.Fprintf(w, "%-*s", width, r.Name)
		for _, c := range tableCols {
			fmt.Fprintf(w, " %12s", r.Cells[c].Short(2))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\nmean ± 95%% CI half-width over %d seeds (n/a: undefined, e.g. no lies). Probe columns read the row's\n", s.Seeds)
	fmt.Fprintln(w, "aggregation's frozen pre-RL probe on the policy's sampled responses; ref = the same responses on the pre-RL")
	fmt.Fprintln(w, "model; pre = the pre-RL model's own responses; drop:outputs = share of the recall drop from changed outputs.")
	fmt.Fprintf(w, "\n%-*s", width, "outcomes")
	for _, o := range audit.Outcomes() {
		fmt.Fprintf(w, " %22s", o)
	}
	fmt.Fprintf(w, " %6s\n", "failed")
	for _, r := range s.Rows {
		fmt.Fprintf(w, "%-*s", width, r.Name)
		for _, o := range audit.Outcomes() {
			fmt.Fprintf(w, " %22d", r.Outcomes[o])
		}
		fmt.Fprintf(w, " %6d\n", r.Failed)
	}
}

// verdict words a paired difference: clear only when its interval excludes 0.
func verdict(d Cell, pos, neg, none string) string {
	switch {
	case d.N >= 2 && d.Lo > 0:
		return pos
	case d.N >= 2 && d.Hi < 0:
		return neg
	}
	return none
}

// paired is the mean difference get(a) − get(b) over seeds both rows ran.
func paired(a, b *Row, get func(*RunResult, Agg) float64) Cell {
	bySeed := map[int]*RunResult{}
	for _, r := range b.Runs {
		bySeed[r.Seed] = r
	}
	var xs []float64
	for _, r := range a.Runs {
		if o, ok := bySeed[r.Seed]; ok {
			xs = append(xs, get(r, a.Agg)-get(o, b.Agg))
		}
	}
	return cellOf(xs)
}

func outcomeList(r *Row) string {
	var parts []string
	for _, o := range audit.Outcomes() {
		if n := r.Outcomes[o]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o))
		}
	}
	return strings.Join(parts, ", ")
}

func phraseName(r vault.Report) string { return fmt.Sprintf("%q", Text(intsOf(Phrase(r)))) }

func intsOf(ts []Token) []int {
	out := make([]int, len(ts))
	for i, t := range ts {
		out[i] = int(t)
	}
	return out
}

func fmtCell(c Cell, percent bool) string { return c.Sentence(percent) }
func fmtDiff(c Cell, percent bool) string { return c.Diff(percent) }
