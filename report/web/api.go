package web

import (
	"encoding/json"
	"math"
	"net/http"
	"time"

	"interloop/experiment"
	"interloop/report"
)

// writeJSON writes v as JSON (<, > and & escaped, so a response sniffed as
// HTML cannot run a script).
func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		code = http.StatusInternalServerError
		b = []byte(`{"error": "encoding the answer failed"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}

// jnum is a JSON number, null for NaN and ±Inf.
type jnum float64

func (x jnum) MarshalJSON() ([]byte, error) {
	f := float64(x)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(f)
}

type apiExperiment struct {
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Done        int       `json:"done"`
	Failed      int       `json:"failed"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
	URL         string    `json:"url"`
	API         string    `json:"api"`
}

func (s *Server) apiExperiments(w http.ResponseWriter, r *http.Request) {
	es, err := s.st.Experiments(r.Context())
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	out := []apiExperiment{}
	for _, e := range es {
		out = append(out, apiExperiment{e.Name, e.Description, e.Done, e.Failed, e.Created, e.Updated,
			ExperimentURL(e.Name), "/api/experiments/" + pathEscape(e.Name)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"experiments": out})
}

type apiCell struct {
	Mean jnum `json:"mean"`
	Lo   jnum `json:"ci_lo"`
	Hi   jnum `json:"ci_hi"`
	N    int  `json:"n"`
}

type apiArm struct {
	Name        string             `json:"name"`
	Base        string             `json:"base"`
	Point       []string           `json:"sweep_point,omitempty"`
	Differences string             `json:"differences"`
	Config      json.RawMessage    `json:"config"`
	Cells       map[string]apiCell `json:"metrics"`
	Outcomes    map[string]int     `json:"outcomes"`
	Done        int                `json:"done"`
	Failed      int                `json:"failed"`
	Pending     []int              `json:"pending_seeds"`
	Verdict     string             `json:"verdict"`
}

func (s *Server) apiExperiment(w http.ResponseWriter, r *http.Request) {
	d, ok := s.load(w, r)
	if !ok {
		return
	}
	verdicts := d.Verdicts()
	arms := []apiArm{}
	for i, a := range d.Arms {
		aa := apiArm{Name: a.Name, Base: a.Base, Point: a.Point, Differences: report.Differences(a.Config),
			Cells: map[string]apiCell{}, Outcomes: map[string]int{}, Done: a.Done(), Failed: a.Failed(),
			Pending: append([]int{}, a.Pending...), Verdict: verdicts[i].Text}
		if json.Valid([]byte(a.ConfigJSON)) {
			aa.Config = json.RawMessage(a.ConfigJSON)
		}
		if i < len(d.Summary.Arms) {
			for _, m := range experiment.Metrics {
				c := d.Summary.Arms[i].Cells[m.Key]
				aa.Cells[m.Key] = apiCell{jnum(c.Mean), jnum(c.Lo), jnum(c.Hi), c.N}
			}
		}
		for _, c := range report.OutcomeClasses {
			if c.Name != "failed" {
				aa.Outcomes[c.Name] = 0
			}
		}
		for _, run := range a.Runs {
			if run.OK() {
				aa.Outcomes[string(run.Outcome)]++
			}
		}
		arms = append(arms, aa)
	}
	done, failed, pending := d.Counts()
	findings := d.Findings
	if findings == nil {
		findings = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"name": d.Name, "description": d.Description, "seeds": d.Seeds, "axes": d.Axes,
		"done": done, "failed": failed, "pending": pending, "stale": d.Stale,
		"arms": arms, "findings": findings, "etag": dataETag(d),
	})
}

func (s *Server) apiStatus(w http.ResponseWriter, r *http.Request) {
	d, ok := s.load(w, r)
	if !ok {
		return
	}
	done, failed, pending := d.Counts()
	writeJSON(w, http.StatusOK, map[string]any{"name": d.Name, "done": done, "failed": failed, "pending": pending, "etag": dataETag(d)})
}

type apiRunRow struct {
	ID        string    `json:"id"`
	Arm       string    `json:"arm"`
	Seed      int       `json:"seed"`
	Status    string    `json:"status"`
	Outcome   string    `json:"outcome"`
	Error     string    `json:"error,omitempty"`
	Seconds   float64   `json:"seconds"`
	Finished  time.Time `json:"finished"`
	LieRate   jnum      `json:"lie_rate_sampled"`
	Recall    jnum      `json:"probe_recall_at_threshold"`
	RefRecall jnum      `json:"ref_recall_at_threshold"`
	TrueObj   jnum      `json:"true_objective"`
	URL       string    `json:"url"`
	API       string    `json:"api"`
}

func (s *Server) apiRuns(w http.ResponseWriter, r *http.Request) {
	d, ok := s.load(w, r)
	if !ok {
		return
	}
	out := []apiRunRow{}
	nan := jnum(math.NaN())
	for _, run := range d.Runs() {
		row := apiRunRow{ID: run.ID, Arm: run.Arm, Seed: run.Seed, Status: run.Status, Outcome: string(run.Outcome),
			Error: run.Error + run.DecodeError, Seconds: run.Seconds, Finished: run.Finished,
			LieRate: nan, Recall: nan, RefRecall: nan, TrueObj: nan, URL: RunURL(run.ID), API: "/api/runs/" + run.ID}
		if run.Result != nil {
			a := run.Result.Audit
			row.LieRate, row.Recall, row.RefRecall, row.TrueObj = jnum(a.LieRateSampled), jnum(a.ProbeRecallThr), jnum(a.RefRecallThr), jnum(a.TrueObjective)
		}
		out = append(out, row)
	}
	writeJSON(w, http.StatusOK, map[string]any{"experiment": d.Name, "runs": out})
}

func (s *Server) apiFigures(w http.ResponseWriter, r *http.Request) {
	d, ok := s.load(w, r)
	if !ok {
		return
	}
	type fig struct {
		ID      string         `json:"id"`
		Title   string         `json:"title"`
		Caption string         `json:"caption"`
		Mark    string         `json:"mark"`
		Marks   int            `json:"marks"`
		Spec    map[string]any `json:"vega_lite"`
	}
	out := []fig{}
	for _, f := range d.Figures(RunURL) {
		out = append(out, fig{f.ID, f.Title, f.Caption, f.Mark, f.Marks, f.Spec})
	}
	writeJSON(w, http.StatusOK, map[string]any{"experiment": d.Name, "figures": out})
}

func (s *Server) apiRun(w http.ResponseWriter, r *http.Request) {
	run, ok := s.getRun(w, r)
	if !ok {
		return
	}
	type point struct {
		Step   int    `json:"step"`
		Metric string `json:"metric"`
		Value  jnum   `json:"value"`
	}
	type metric struct {
		Name  string `json:"name"`
		Value jnum   `json:"value"`
	}
	type detector struct {
		Name      string `json:"name"`
		Kind      string `json:"kind"`
		Site      string `json:"site"`
		Data      string `json:"data"`
		Threshold jnum   `json:"threshold"`
	}
	curves, auditRows, dets := []point{}, []metric{}, []detector{}
	for _, p := range run.Curves {
		curves = append(curves, point{p.Step, p.Metric, jnum(p.Value)})
	}
	for _, m := range run.Audit {
		auditRows = append(auditRows, metric{m.Name, jnum(m.Value)})
	}
	for _, d := range run.Detectors {
		dets = append(dets, detector{d.Name, d.Kind, d.Site, d.Data, jnum(d.Threshold)})
	}
	var cfg json.RawMessage
	if json.Valid([]byte(run.Config)) {
		cfg = json.RawMessage(run.Config)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": run.ID, "experiment": run.Experiment, "arm": run.Arm, "seed": run.Seed, "status": run.Status,
		"error": run.Error, "outcome": run.Outcome, "started": run.Started, "finished": run.Finished, "seconds": run.Seconds,
		"interloop_version": run.Version, "go_version": run.GoVersion, "config": cfg,
		"audit": auditRows, "curves": curves, "detectors": dets, "url": RunURL(run.ID),
	})
}

func pathEscape(s string) string { return ExperimentURL(s)[len("/e/"):] }
