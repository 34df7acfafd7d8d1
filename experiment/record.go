package experiment

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"time"

	"interloop/audit"
	"interloop/checkpoint"
	"interloop/internal/version"
	"interloop/probe"
	"interloop/store"
)

// storeRecord turns a finished run into the store's rows: the result as
// JSON, the curves and the audit as long tables of named numbers, and the
// detectors the run used.
func storeRecord(experiment, id string, rr *RunResult, p *pre, began time.Time) (*store.Run, error) {
	cfg, err := marshalNaN(rr.Config)
	if err != nil {
		return nil, err
	}
	res, err := marshalNaN(rr)
	if err != nil {
		return nil, err
	}
	r := &store.Run{
		ID: id, Experiment: experiment, Arm: rr.Arm, Seed: rr.Seed, Config: string(cfg),
		Status: store.StatusDone, Error: rr.Err, Outcome: string(rr.Audit.Outcome),
		Started: began, Finished: time.Now(), Seconds: rr.Seconds,
		Version: version.String(), GoVersion: runtime.Version(), Result: string(res),
	}
	if rr.Err != "" {
		r.Status, r.Outcome = store.StatusFailed, ""
		return r, nil
	}
	for _, c := range rr.Curve {
		for name, v := range flatten(nanSafe(c), "") {
			if name != "step" {
				r.Curves = append(r.Curves, store.Point{Step: c.Step, Metric: name, Value: v})
			}
		}
	}
	sort.Slice(r.Curves, func(i, j int) bool {
		a, b := r.Curves[i], r.Curves[j]
		return a.Step < b.Step || a.Step == b.Step && a.Metric < b.Metric
	})
	extra := map[string]any{
		"train": map[string]any{"pretrain_loss": rr.PretrainLoss, "rl_mean_proxy": rr.RL.MeanProxy, "rl_sampled_lies": rr.RL.SampledLies},
		"arm":   rr.ArmStats,
	}
	for name, v := range flatten(nanSafe(rr.Audit), "") {
		r.Audit = append(r.Audit, store.Metric{Name: name, Value: v})
	}
	for name, v := range flatten(nanSafe(extra), "") {
		r.Audit = append(r.Audit, store.Metric{Name: name, Value: v})
	}
	sort.Slice(r.Audit, func(i, j int) bool { return r.Audit[i].Name < r.Audit[j].Name })
	for _, d := range detectors(p.baseline, rr) {
		r.Detectors = append(r.Detectors, d)
	}
	return r, nil
}

// flatten maps every number (and boolean, as 0/1) in a nanSafe tree to a
// dotted name; null is NaN. Lists of objects with a "report" or "name"
// field are keyed by it, other lists by index.
func flatten(x any, prefix string) map[string]float64 {
	out := map[string]float64{}
	var walk func(x any, p string)
	walk = func(x any, p string) {
		switch v := x.(type) {
		case nil:
			if p != "" {
				out[p] = math.NaN()
			}
		case float64:
			out[p] = v
		case bool:
			out[p] = 0
			if v {
				out[p] = 1
			}
		case map[string]any:
			for k, e := range v {
				walk(e, join(p, k))
			}
		case []any:
			for i, e := range v {
				key := strconv.Itoa(i)
				if m, ok := e.(map[string]any); ok {
					for _, f := range []string{"report", "name"} {
						if s, ok := m[f].(string); ok {
							key = s
							break
						}
					}
				}
				walk(e, join(p, key))
			}
		}
	}
	walk(x, prefix)
	return out
}

func join(p, k string) string {
	if p == "" {
		return k
	}
	return p + "." + k
}

// detectors describes the detectors a run used: the frozen pre-RL probe
// set and, for arms that retrain, the probe the arm held at the end.
func detectors(b audit.Baseline, rr *RunResult) []store.Detector {
	var out []store.Detector
	add := func(name, site string, d probe.Detector, thr float64) {
		if d == nil {
			return
		}
		sd := store.Detector{Name: name, Kind: d.Kind(), Site: site, Data: b.Data, Threshold: thr}
		var buf bytes.Buffer
		if err := probe.Save(&buf, d, probe.Meta{Site: site, Data: b.Data, CreatedBy: "interloop " + rr.Arm}); err == nil {
			sd.Document = buf.String()
		}
		out = append(out, sd)
	}
	add("deception", b.Deception.Site.Name(), b.Deception.Probe, b.Deception.Threshold)
	for _, o := range b.Others {
		add(o.Name, o.Site.Name(), o.Probe, o.Threshold)
	}
	if rr.armProbe != nil && !sameDetector(rr.armProbe, b.Deception.Probe) {
		add("arm-final", b.Deception.Site.Name(), rr.armProbe, b.Deception.Threshold)
	}
	return out
}

// saveCheckpoint writes the trained network and the run's linear detectors
// with the resolved config in the metadata.
func saveCheckpoint(path, experiment, id string, rr *RunResult, p *pre) error {
	cfg, err := marshalNaN(rr.Config)
	if err != nil {
		return err
	}
	ck := checkpoint.New(string(cfg))
	for k, v := range map[string]string{"run_id": id, "experiment": experiment, "arm": rr.Arm,
		"seed": strconv.Itoa(rr.Seed), "interloop_version": version.String()} {
		ck.Meta[k] = v
	}
	if err := ck.AddParams("policy", rr.policy.Params()); err != nil {
		return err
	}
	b := p.baseline
	if b.Deception.Probe != nil {
		ck.AddDetector("deception", b.Deception.Probe, b.Deception.Site.Name(), b.Deception.Threshold)
	}
	for _, o := range b.Others {
		if o.Probe != nil {
			ck.AddDetector(o.Name, o.Probe, o.Site.Name(), o.Threshold)
		}
	}
	if rr.armProbe != nil && !sameDetector(rr.armProbe, b.Deception.Probe) {
		ck.AddDetector("arm-final", rr.armProbe, b.Deception.Site.Name(), b.Deception.Threshold)
	}
	if err := ck.Save(path); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// sameDetector reports whether a and b are one detector (without comparing
// interface values, which panics for uncomparable types).
func sameDetector(a, b probe.Detector) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	return va.Kind() == reflect.Pointer && vb.Kind() == reflect.Pointer && va.Pointer() == vb.Pointer() && va.Type() == vb.Type()
}
