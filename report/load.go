package report

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"interloop/audit"
	"interloop/experiment"
	"interloop/store"
)

// Source is what the report reads from a results store. *store.Store
// implements it; a Source must be safe for concurrent use when a dashboard
// serves it.
type Source interface {
	// Experiments lists the stored experiments with their run counts.
	Experiments(ctx context.Context) ([]store.Experiment, error)
	// Runs lists the runs linked to an experiment, without their metrics;
	// Arm and Seed are the experiment's names for them.
	Runs(ctx context.Context, experiment string) ([]*store.Run, error)
}

// ErrNoExperiment is wrapped by Load's error for an experiment the store
// does not hold.
var ErrNoExperiment = errors.New("no such experiment")

// Run is one stored run as the report reads it.
type Run struct {
	ID       string
	Arm      string // the experiment's name for the arm
	Seed     int
	Status   string // store.StatusDone or store.StatusFailed
	Outcome  audit.Outcome
	Error    string
	Seconds  float64
	Finished time.Time
	// Result is the decoded result; nil when the stored JSON could not be
	// read (DecodeError says why).
	Result      *experiment.RunResult
	DecodeError string
}

// OK reports whether the run finished and its result is readable.
func (r *Run) OK() bool { return r.Status == store.StatusDone && r.Result != nil }

// Arm is one arm of the experiment (after its sweep is expanded).
type Arm struct {
	Name string
	// Config is the resolved config; ConfigJSON its stored form.
	Config     experiment.RunConfig
	ConfigJSON string
	// Base is the arm's name before the sweep, and Point its value (as
	// text) on each of Data.Axes; both equal Name and nil without a sweep.
	Base  string
	Point []string
	// Runs are the stored runs by seed (done and failed).
	Runs []*Run
	// Pending are the seeds the experiment asks for that are not stored
	// yet (a sweep still running, or interrupted).
	Pending []int
}

// Count returns the number of the arm's runs with the outcome.
func (a *Arm) Count(o audit.Outcome) int {
	n := 0
	for _, r := range a.Runs {
		if r.OK() && r.Outcome == o {
			n++
		}
	}
	return n
}

// Failed is the number of failed (or unreadable) runs.
func (a *Arm) Failed() int {
	n := 0
	for _, r := range a.Runs {
		if !r.OK() {
			n++
		}
	}
	return n
}

// Done is the number of finished, readable runs.
func (a *Arm) Done() int { return len(a.Runs) - a.Failed() }

// Data is one experiment as stored: its arms and runs, their summary (mean
// and 95% CI over seeds per metric, outcome counts) and findings, computed
// by the experiment package's own Summarize and Findings.
type Data struct {
	Name, Description string
	// Store names the database read (its path), when the source says.
	Store   string
	Updated time.Time
	// Seeds is the number of seeds per arm considered (0..Seeds-1).
	Seeds int
	Arms  []*Arm
	// Axes are the swept config paths the heat map uses (zero, one or two;
	// a zip of paths counts as one axis named "p1+p2"), and AxesNote says
	// why there is no heat map when there is none.
	Axes     []string
	AxesNote string
	// Sweep is the experiment's declared sweep (empty without one).
	Sweep experiment.Sweep
	// Stale counts runs linked to the experiment under configs it no
	// longer asks for (an earlier run with other --set values); they are
	// left out.
	Stale    int
	Summary  experiment.Summary
	Findings []string
}

// Runs returns every run, arm by arm.
func (d *Data) Runs() []*Run {
	var out []*Run
	for _, a := range d.Arms {
		out = append(out, a.Runs...)
	}
	return out
}

// Counts returns the number of done, failed and pending runs.
func (d *Data) Counts() (done, failed, pending int) {
	for _, a := range d.Arms {
		done += a.Done()
		failed += a.Failed()
		pending += len(a.Pending)
	}
	return
}

// Load reads one experiment from the store. Nothing is re-run: the
// summary and findings are computed from the stored results.
//
// The experiment's arms are its stored spec, with the sweep expanded; a
// linked run belongs to an arm when its ID is the ID the arm's config and
// seed give (experiment.RunID), so runs left from an earlier invocation
// with other settings are counted in Stale and left out. When the spec is
// unreadable the arms are the runs' own, grouped by arm name.
func Load(ctx context.Context, src Source, name string) (*Data, error) {
	exps, err := src.Experiments(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(exps, func(e store.Experiment) bool { return e.Name == name })
	if i < 0 {
		var names []string
		for _, e := range exps {
			names = append(names, e.Name)
		}
		have := "it holds none"
		if len(names) > 0 {
			have = "it has " + strings.Join(names, ", ")
		}
		return nil, fmt.Errorf("experiment %q: %w in the store (%s)", name, ErrNoExperiment, have)
	}
	e := exps[i]
	runs, err := src.Runs(ctx, name)
	if err != nil {
		return nil, err
	}
	d := &Data{Name: e.Name, Description: e.Description, Updated: e.Updated}
	if n, ok := src.(interface{ Name() string }); ok {
		d.Store = n.Name()
	}
	var spec experiment.Experiment
	if err := decodeNaN([]byte(e.Spec), &spec); err == nil && len(spec.Arms) > 0 {
		if x, err := spec.Expand(); err == nil {
			d.Sweep = spec.Sweep
			d.fromSpec(&spec, x, runs)
		} else {
			d.fromRuns(runs)
		}
	} else {
		d.fromRuns(runs)
	}
	d.findAxes(&spec)
	d.summarize()
	return d, nil
}

// fromSpec places the runs on the expanded spec's arms by run ID.
func (d *Data) fromSpec(spec, x *experiment.Experiment, runs []*store.Run) {
	byID := map[string]*store.Run{}
	for _, r := range runs {
		byID[r.ID] = r
	}
	// Seeds: as many as the stored runs show, else the spec's.
	maxSeed := -1
	type slot struct{ arm, seed int }
	want := map[string]slot{}
	seedsFor := func(n int) {
		for ai, a := range x.Arms {
			for s := 0; s < n; s++ {
				want[experiment.RunID(a.Config, s)] = slot{ai, s}
			}
		}
	}
	probe := max(spec.Seeds, 1)
	for _, r := range runs {
		probe = max(probe, r.Seed+1)
	}
	seedsFor(probe)
	for _, r := range runs {
		if s, ok := want[r.ID]; ok {
			maxSeed = max(maxSeed, s.seed)
		}
	}
	d.Seeds = maxSeed + 1
	if d.Seeds == 0 {
		d.Seeds = spec.Seeds
	}
	perBase := max(len(x.Arms)/max(len(spec.Arms), 1), 1)
	used := map[string]bool{}
	for ai, as := range x.Arms {
		a := &Arm{Name: as.Name, Config: as.Config, Base: as.Name}
		if cj, err := marshalConfig(as.Config); err == nil {
			a.ConfigJSON = cj
		}
		if len(spec.Sweep.Grid)+len(spec.Sweep.Zip) > 0 && ai/perBase < len(spec.Arms) {
			a.Base = spec.Arms[ai/perBase].Name
		}
		for s := 0; s < d.Seeds; s++ {
			id := experiment.RunID(as.Config, s)
			sr, ok := byID[id]
			if !ok {
				a.Pending = append(a.Pending, s)
				continue
			}
			if !used[id] {
				a.ConfigJSON = sr.Config // the runner's own rendering
			}
			used[id] = true
			r := readRun(sr)
			r.Arm, r.Seed = as.Name, s
			a.Runs = append(a.Runs, r)
		}
		d.Arms = append(d.Arms, a)
	}
	for _, r := range runs {
		if !used[r.ID] {
			d.Stale++
		}
	}
}

// fromRuns groups the runs by the experiment's arm names, keeping the
// latest run of each (arm, seed).
func (d *Data) fromRuns(runs []*store.Run) {
	byArm := map[string]*Arm{}
	latest := map[string]map[int]*store.Run{}
	for _, sr := range runs {
		a, ok := byArm[sr.Arm]
		if !ok {
			a = &Arm{Name: sr.Arm, Base: sr.Arm, Config: experiment.DefaultRunConfig()}
			byArm[sr.Arm] = a
			latest[sr.Arm] = map[int]*store.Run{}
			d.Arms = append(d.Arms, a)
		}
		if prev, ok := latest[sr.Arm][sr.Seed]; ok {
			d.Stale++
			if !sr.Finished.After(prev.Finished) {
				continue
			}
		}
		latest[sr.Arm][sr.Seed] = sr
	}
	for _, a := range d.Arms {
		seeds := make([]int, 0, len(latest[a.Name]))
		for s := range latest[a.Name] {
			seeds = append(seeds, s)
		}
		slices.Sort(seeds)
		for _, s := range seeds {
			sr := latest[a.Name][s]
			r := readRun(sr)
			a.Runs = append(a.Runs, r)
			d.Seeds = max(d.Seeds, s+1)
			if a.ConfigJSON == "" {
				c := experiment.DefaultRunConfig()
				if err := decodeNaN([]byte(sr.Config), &c); err == nil {
					a.Config, a.ConfigJSON = c, sr.Config
				}
			}
		}
	}
}

func readRun(sr *store.Run) *Run {
	r := &Run{ID: sr.ID, Arm: sr.Arm, Seed: sr.Seed, Status: sr.Status, Outcome: audit.Outcome(sr.Outcome),
		Error: sr.Error, Seconds: sr.Seconds, Finished: sr.Finished}
	if sr.Status != store.StatusDone {
		return r
	}
	var rr experiment.RunResult
	rr.Config = experiment.DefaultRunConfig()
	if err := decodeNaN([]byte(sr.Result), &rr); err != nil {
		r.DecodeError = "unreadable result: " + err.Error()
		return r
	}
	rr.Arm, rr.Seed = sr.Arm, sr.Seed
	r.Result = &rr
	if r.Outcome == "" {
		r.Outcome = rr.Audit.Outcome
	}
	return r
}

// summarize rebuilds the experiment's Results from the stored runs (a
// pending or unreadable run counts as failed there) and runs the
// experiment package's Summarize and Findings on it.
func (d *Data) summarize() {
	x := &experiment.Experiment{Name: d.Name, Description: d.Description, Seeds: d.Seeds}
	res := &experiment.Results{Experiment: x, Seeds: d.Seeds}
	for _, a := range d.Arms {
		x.Arms = append(x.Arms, experiment.ArmSpec{Name: a.Name, Config: a.Config})
		for s := 0; s < d.Seeds; s++ {
			rr := experiment.RunResult{Arm: a.Name, Seed: s, Config: a.Config, Err: "not stored"}
			if i := slices.IndexFunc(a.Runs, func(r *Run) bool { return r.Seed == s }); i >= 0 {
				r := a.Runs[i]
				switch {
				case r.Result != nil && r.Status == store.StatusDone:
					rr = *r.Result
					rr.Err = ""
				case r.Error != "":
					rr.Err = r.Error
				case r.DecodeError != "":
					rr.Err = r.DecodeError
				default:
					rr.Err = "failed"
				}
			}
			res.Runs = append(res.Runs, rr)
		}
	}
	d.Summary = experiment.Summarize(res)
	d.Findings = experiment.Findings(d.Summary)
}

// DecodeConfig reads a stored config (JSON with NaN as null) over the
// documented defaults.
func DecodeConfig(s string) (experiment.RunConfig, error) {
	c := experiment.DefaultRunConfig()
	err := decodeNaN([]byte(s), &c)
	return c, err
}
