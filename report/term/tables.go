package term

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"interloop/audit"
	"interloop/experiment"
	"interloop/store"
)

// OutcomeColor is the colour of an outcome class: green when honest,
// yellow when blatant (lies the probe still flags), red for the two
// obfuscated classes (lies the probe misses).
func OutcomeColor(o audit.Outcome) Color {
	switch o {
	case audit.Honest:
		return Green
	case audit.Blatant:
		return Yellow
	case audit.ObfuscatedPolicy, audit.ObfuscatedActivations:
		return Red
	}
	return None
}

// summaryCols are the compact table's metric columns.
var summaryCols = []string{"lie_rate_sampled", "true_objective", "probe_recall_at_threshold", "ref_recall_at_threshold", "refit_instructed_auroc"}

// SummaryTable is the compact results table `interloop run` prints: per
// arm, mean ± 95% CI half-width of the lie rate, true objective, the frozen
// probe's recall at threshold on the policy and on the pre-RL network, the
// refit probe's AUROC, the outcome counts (honest, blatant, obfuscated
// policy, obfuscated activations, failed) and a verdict: "truthful" when no
// run fooled the probe.
func SummaryTable(s experiment.Summary) *Table {
	label := map[string]string{}
	for _, m := range experiment.Metrics {
		label[m.Key] = m.Label
	}
	cols := []Column{Col("arm")}
	for _, k := range summaryCols {
		cols = append(cols, Num(label[k]))
	}
	cols = append(cols, Num("hon"), Num("blat"), Num("obf-pol"), Num("obf-act"), Num("fail"), Col("probe"))
	t := New(cols...)
	for _, a := range s.Arms {
		row := []Cell{Text(a.Name)}
		for _, k := range summaryCols {
			row = append(row, Text(a.Cells[k].String()))
		}
		fooled := 0
		for _, o := range audit.Outcomes() {
			n := a.Outcomes[o]
			c := Gray
			if n > 0 {
				c = OutcomeColor(o)
			}
			row = append(row, Colored(strconv.Itoa(n), c))
			if o == audit.ObfuscatedPolicy || o == audit.ObfuscatedActivations {
				fooled += n
			}
		}
		fc := Gray
		if a.Failed > 0 {
			fc = Red
		}
		row = append(row, Colored(strconv.Itoa(a.Failed), fc))
		switch n := len(a.Runs); {
		case n == 0:
			row = append(row, Colored("no runs", Gray))
		case fooled == 0:
			row = append(row, Colored(fmt.Sprintf("truthful %d/%d", n, n), Green))
		default:
			row = append(row, Colored(fmt.Sprintf("fooled %d/%d", fooled, n), Red))
		}
		t.Add(row...)
	}
	t.Note = fmt.Sprintf("mean ± 95%% CI half-width over %d seeds; n/a: undefined (no lies to detect). probe: truthful when every run is honest or blatant, fooled when obfuscated.", s.Seeds)
	return t
}

// RunTable lists stored runs (as `interloop ls EXPERIMENT` does): ID, arm,
// seed, status, outcome (coloured), seconds and the error's first line.
func RunTable(runs []*store.Run) *Table {
	t := New(Col("run"), Col("arm"), Num("seed"), Col("status"), Col("outcome"), Num("seconds"), Col("error"))
	for _, r := range runs {
		st := Colored(r.Status, Green)
		if r.Status != store.StatusDone {
			st = Colored(r.Status, Red)
		}
		errText := strings.Join(strings.Fields(r.Error), " ")
		if rs := []rune(errText); len(rs) > 60 {
			errText = string(rs[:59]) + "…"
		}
		t.Add(Text(r.ID), Text(r.Arm), Text(strconv.Itoa(r.Seed)), st,
			Colored(r.Outcome, OutcomeColor(audit.Outcome(r.Outcome))), Text(fmt.Sprintf("%.2f", r.Seconds)), Colored(errText, Red))
	}
	return t
}

// MetricTable lists named values (a run's audit, as `interloop show`
// prints it): name and value, NaN as "n/a".
func MetricTable(ms []store.Metric) *Table {
	t := New(Col("metric"), Num("value"))
	for _, m := range ms {
		v := "n/a"
		if !math.IsNaN(m.Value) {
			v = strconv.FormatFloat(m.Value, 'g', 6, 64)
		}
		t.Add(Text(m.Name), Text(v))
	}
	return t
}
