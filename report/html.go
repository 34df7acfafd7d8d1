package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"net/url"
	"strings"
	"time"

	"interloop/audit"
	"interloop/experiment"
	"interloop/report/assets"
)

//go:embed page.html.tmpl
var pageTmpl string

//go:embed style.css
var styleCSS string

// Style is the stylesheet shared by the report and the dashboard.
func Style() template.CSS { return template.CSS(styleCSS) }

// CSP is the Content-Security-Policy of every page: no network at all
// (scripts and styles are inline or same-origin; Vega compiles field
// accessors with Function, hence 'unsafe-eval').
const CSP = "default-src 'none'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'"

// Options controls an HTML page. The zero value is a self-contained
// report file.
type Options struct {
	// RunURL links a run (the scatter's points, the runs table); nil links
	// to the run's row in the page's own runs table.
	RunURL LinkFunc
	// AssetsURL, when set, loads the scripts from AssetsURL+name (the
	// dashboard) instead of inlining them.
	AssetsURL string
	// Nav is an optional link back (the dashboard's experiments list).
	Nav, NavURL string
	// Live adds a script that reloads the page when the experiment's
	// StatusURL answers with a different "etag" (a sweep still running).
	Live      bool
	StatusURL string
	ETag      string // the status's etag when the page was made
	// Generated is the time stamped on the page (zero: now); Version is
	// interloop's version.
	Generated time.Time
	Version   string
}

// WriteHTML writes the experiment's report: one HTML document with every
// script and figure inlined (unless AssetsURL is set), all text escaped.
func WriteHTML(w io.Writer, d *Data, opt Options) error {
	v, err := newView(d, opt)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, "page", v); err != nil {
		return fmt.Errorf("report %s: %w", d.Name, err)
	}
	_, err = buf.WriteTo(w)
	return err
}

var tmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"pct":   pct,
	"fixed": fixed,
	"chip":  chipClass,
}).Parse(pageTmpl))

// view is the template's data.
type view struct {
	D         *Data
	Opt       Options
	Style     template.CSS
	CSP       string
	Scripts   []template.JS // inline scripts (nil with AssetsURL)
	Sources   []string      // script URLs (with AssetsURL)
	Figures   []Figure
	Specs     []figSpec
	Verdicts  []Verdict
	Columns   []string
	Rows      []tableRow
	Runs      []runRow
	Configs   []configRow
	Done      int
	Failed    int
	Pending   int
	Generated string
	Classes   []OutcomeClass
}

type figSpec struct {
	ID   string         `json:"id"`
	Spec map[string]any `json:"spec"`
}

type tableRow struct {
	Arm      string
	Cells    []string
	Outcomes []int // per OutcomeClasses (failed last)
	Pending  int
}

type runRow struct {
	Anchor, URL, ID, Arm, Status, Outcome, Error string
	Seed                                         int
	Lie, Recall, Ref, Refit, TrueObj             string
	Seconds                                      string
}

type configRow struct {
	Arm, Differences, YAML string
}

// tableMetrics are the results table's columns (experiment.Metrics keys).
var tableMetrics = []string{"lie_rate_sampled", "lie_rate_greedy", "true_objective", "probe_auroc", "probe_recall_at_fpr",
	"probe_recall_at_threshold", "ref_recall_at_threshold", "refit_instructed_auroc", "refit_truth_auroc",
	"diffmeans_auroc", "mlp_auroc", "plan0_auroc", "belief_accuracy"}

func newView(d *Data, opt Options) (*view, error) {
	v := &view{D: d, Opt: opt, Style: Style(), CSP: CSP, Verdicts: d.Verdicts(), Classes: OutcomeClasses}
	if opt.Generated.IsZero() {
		opt.Generated = time.Now()
		v.Opt.Generated = opt.Generated
	}
	v.Generated = opt.Generated.Format("2006-01-02 15:04:05 MST")
	if opt.AssetsURL == "" {
		for _, s := range assets.Scripts() {
			if bytes.Contains(bytes.ToLower(s.Source), []byte("</script")) {
				return nil, fmt.Errorf("asset %s cannot be inlined: it contains </script", s.Name)
			}
			v.Scripts = append(v.Scripts, template.JS(s.Source))
		}
	} else {
		for _, s := range assets.Scripts() {
			v.Sources = append(v.Sources, opt.AssetsURL+s.Name)
		}
	}
	link := opt.RunURL
	if link == nil {
		link = func(id string) string { return "#" + runAnchor(id) }
	}
	v.Figures = d.Figures(link)
	for _, f := range v.Figures {
		v.Specs = append(v.Specs, figSpec{f.ID, f.Spec})
	}
	v.Done, v.Failed, v.Pending = d.Counts()

	label := map[string]string{}
	for _, m := range experiment.Metrics {
		label[m.Key] = m.Label
	}
	for _, k := range tableMetrics {
		v.Columns = append(v.Columns, label[k])
	}
	for i, a := range d.Arms {
		row := tableRow{Arm: a.Name, Pending: len(a.Pending)}
		if i < len(d.Summary.Arms) {
			for _, k := range tableMetrics {
				row.Cells = append(row.Cells, cellText(d.Summary.Arms[i].Cells[k], d.Seeds))
			}
		}
		for _, c := range OutcomeClasses {
			if c.Name == "failed" {
				row.Outcomes = append(row.Outcomes, a.Failed())
			} else {
				row.Outcomes = append(row.Outcomes, a.Count(audit.Outcome(c.Name)))
			}
		}
		v.Rows = append(v.Rows, row)
		cfg := configRow{Arm: a.Name, Differences: Differences(a.Config)}
		if y, err := experiment.ConfigYAML(a.ConfigJSON); err == nil {
			cfg.YAML = string(y)
		} else {
			cfg.YAML = a.ConfigJSON
		}
		v.Configs = append(v.Configs, cfg)
		for _, r := range a.Runs {
			rr := runRow{Anchor: runAnchor(r.ID), URL: link(r.ID), ID: r.ID, Arm: a.Name, Seed: r.Seed, Status: r.Status,
				Outcome: string(r.Outcome), Error: oneLine(r.Error+r.DecodeError, 200), Seconds: fmt.Sprintf("%.1f", r.Seconds)}
			if r.Result != nil {
				au := r.Result.Audit
				rr.Lie, rr.Recall, rr.Ref = pct(au.LieRateSampled), pct(au.ProbeRecallThr), pct(au.RefRecallThr)
				rr.Refit, rr.TrueObj = fixed(au.RefitInstructedAUROC), fixed(au.TrueObjective)
			}
			v.Runs = append(v.Runs, rr)
		}
	}
	return v, nil
}

// runAnchor is the runs table's element id for a run.
func runAnchor(id string) string { return "run-" + url.PathEscape(id) }

// cellText renders a summary cell: "mean [lo, hi]", marking means over
// fewer seeds than the experiment has.
func cellText(c experiment.Cell, seeds int) string {
	switch {
	case c.N == 0:
		return "n/a"
	case c.N == 1 || math.IsNaN(c.Lo):
		return fmt.Sprintf("%.3f (n=1)", c.Mean)
	}
	s := fmt.Sprintf("%.3f [%.3f, %.3f]", c.Mean, c.Lo, c.Hi)
	if c.N < seeds {
		s += fmt.Sprintf(" n=%d", c.N)
	}
	return s
}

func pct(x float64) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%%", 100*x)
}

func fixed(x float64) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	return fmt.Sprintf("%.3f", x)
}

// statText renders a rate with its interval clipped to [0, 100%] (a
// t-interval over few seeds can reach past what a rate can be).
func statText(s Stat) string {
	switch {
	case s.N == 0:
		return "n/a"
	case math.IsNaN(s.Lo):
		return pct(s.Mean)
	}
	return fmt.Sprintf("%s [%s, %s]", pct(s.Mean), pct(math.Max(s.Lo, 0)), pct(math.Min(s.Hi, 1)))
}

// chipClass is the CSS class of an outcome.
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

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// LieText and FlaggedText format a verdict's rates for templates.
func (v Verdict) LieText() string     { return statText(v.Lie) }
func (v Verdict) FlaggedText() string { return statText(v.Flagged) }
