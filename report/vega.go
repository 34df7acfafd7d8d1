package report

import (
	"math"
	"strings"
)

// Figure is one Vega-Lite figure of the report or dashboard.
type Figure struct {
	// ID is the figure's HTML element id ("fig-curves", …).
	ID      string
	Title   string
	Caption string
	// Mark and Marks say what a rendered figure must contain: Marks
	// marks of the Vega mark type Mark ("line", "rect", "symbol") — the
	// expected number of series, bars, points or cells. The browser tests
	// count them.
	Mark  string
	Marks int
	// Spec is the Vega-Lite specification (data inlined).
	Spec map[string]any
}

type obj = map[string]any

// num is x for JSON, with NaN and ±Inf as null.
func num(x float64) any {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return x
}

// LinkFunc maps a run ID to the URL a click on the run opens ("" for
// none).
type LinkFunc func(runID string) string

// Figures returns the report's figures: training curves, outcome bars, the
// probe-says-vs-truth scatter and, for a sweep, the heat maps. link gives
// each run's URL (nil: no links).
func (d *Data) Figures(link LinkFunc) []Figure {
	figs := []Figure{d.curvesFigure(), d.outcomesFigure(), d.scatterFigure(link)}
	if f, ok := d.heatFigure(); ok {
		figs = append(figs, f)
	}
	return figs
}

func (d *Data) armOrder() []string {
	out := make([]string, len(d.Arms))
	for i, a := range d.Arms {
		out[i] = a.Name
	}
	return out
}

func base(width, height int) obj {
	return obj{
		"width": width, "height": height,
		"config": obj{"view": obj{"stroke": "#ddd"}, "axis": obj{"labelFontSize": 11, "titleFontSize": 11},
			"legend": obj{"labelFontSize": 11, "titleFontSize": 11, "labelLimit": 320}},
	}
}

// CurvesSpec is the Vega-Lite spec of curves (one facet per arm, columns
// facets a row, each width×height pixels; one coloured line per metric
// with its 95% band), and the number of line series it draws. Shared by the
// report and the dashboard's run page.
func CurvesSpec(stats []CurveStat, arms []string, columns, width, height int) (obj, int) {
	var rows []any
	lo, hi := 0.0, 1.0
	series := map[[2]string]bool{}
	bands := false
	for _, s := range stats {
		bands = bands || !math.IsNaN(s.Lo) && !math.IsNaN(s.Hi)
		rows = append(rows, obj{"arm": s.Arm, "metric": s.Metric.Label, "step": s.Step,
			"mean": num(s.Mean), "lo": num(s.Lo), "hi": num(s.Hi), "n": s.N})
		if !math.IsNaN(s.Mean) {
			lo, hi = math.Min(lo, s.Mean), math.Max(hi, s.Mean)
			series[[2]string{s.Arm, s.Metric.Key}] = true
		}
	}
	var labels, colors []string
	for _, m := range CurveMetrics {
		labels = append(labels, m.Label)
		colors = append(colors, m.Color)
	}
	pad := 0.05 * (hi - lo)
	domain := []float64{lo - pad, hi + pad}
	x := obj{"field": "step", "type": "quantitative", "title": "RL step"}
	color := obj{"field": "metric", "type": "nominal", "title": nil,
		"scale":  obj{"domain": labels, "range": colors},
		"legend": obj{"orient": "top", "columns": 3, "symbolOpacity": 1, "symbolType": "stroke", "symbolStrokeWidth": 3}}
	tooltip := []any{
		obj{"field": "arm", "type": "nominal"}, obj{"field": "metric", "type": "nominal"},
		obj{"field": "step", "type": "quantitative"}, obj{"field": "mean", "type": "quantitative", "format": ".3f"},
		obj{"field": "lo", "type": "quantitative", "format": ".3f", "title": "95% CI lo"},
		obj{"field": "hi", "type": "quantitative", "format": ".3f", "title": "95% CI hi"},
		obj{"field": "n", "type": "quantitative", "title": "seeds"},
	}
	band := obj{"transform": []any{obj{"filter": "isValid(datum.lo) && isValid(datum.hi)"}},
		"mark": obj{"type": "area", "opacity": 0.12, "clip": true},
		"encoding": obj{"x": x, "y": obj{"field": "lo", "type": "quantitative", "scale": obj{"domain": domain}, "title": "value"},
			"y2": obj{"field": "hi"}, "color": color}}
	line := obj{"transform": []any{obj{"filter": "isValid(datum.mean)"}},
		"mark": obj{"type": "line", "point": obj{"size": 18}, "clip": true, "strokeWidth": 2},
		"encoding": obj{"x": x, "y": obj{"field": "mean", "type": "quantitative", "scale": obj{"domain": domain}, "title": "value"},
			"color": color, "tooltip": tooltip}}
	layer := []any{line}
	if bands {
		layer = []any{band, line}
	}
	spec := base(0, 0)
	delete(spec, "width")
	delete(spec, "height")
	spec["data"] = obj{"values": rows}
	spec["facet"] = obj{"field": "arm", "type": "nominal", "sort": arms, "title": nil,
		"header": obj{"labelLimit": 260, "labelFontSize": 12, "labelFontWeight": "bold"}}
	spec["columns"] = columns
	spec["spec"] = obj{"width": width, "height": height, "layer": layer}
	return spec, len(series)
}

func (d *Data) curvesFigure() Figure {
	spec, n := CurvesSpec(d.Curves(), d.armOrder(), 4, 220, 150)
	return Figure{
		ID: "fig-curves", Title: "Training curves: the truth and what the probes say",
		Caption: "Per arm, over RL steps: the true (sampled) lie rate and true objective, the frozen pre-RL probe's recall at its " +
			"1%-FPR threshold and mean score on the policy's lies, and the AUROC over all plans of a probe refit by the " +
			"instructed recipe at each point. Lines: mean over seeds; bands: 95% t-interval over seeds (clipped to the plot). " +
			"The loop closes where the red line rises while the blue ones fall.",
		Mark: "line", Marks: n, Spec: spec,
	}
}

func (d *Data) outcomesFigure() Figure {
	var rows []any
	var labels, colors []string
	segments := 0
	for _, c := range OutcomeClasses {
		labels = append(labels, c.Label)
		colors = append(colors, c.Color)
	}
	order := map[string]int{}
	for i, c := range OutcomeClasses {
		order[c.Name] = i
	}
	for _, oc := range d.Outcomes() {
		if oc.Count == 0 {
			continue
		}
		segments++
		rows = append(rows, obj{"arm": oc.Arm, "class": oc.Class.Label, "runs": oc.Count, "order": order[oc.Class.Name]})
	}
	most := 0
	for _, a := range d.Arms {
		most = max(most, len(a.Runs))
	}
	ticks := []int{}
	for i := 0; i <= most; i += max(1, most/10) {
		ticks = append(ticks, i)
	}
	spec := base(560, max(22*len(d.Arms), 60))
	spec["data"] = obj{"values": rows}
	spec["mark"] = obj{"type": "bar"}
	spec["encoding"] = obj{
		"y":     obj{"field": "arm", "type": "nominal", "sort": d.armOrder(), "title": nil, "axis": obj{"labelLimit": 360}},
		"x":     obj{"field": "runs", "type": "quantitative", "stack": "zero", "title": "runs", "axis": obj{"values": ticks, "format": "d"}},
		"color": obj{"field": "class", "type": "nominal", "title": "outcome", "scale": obj{"domain": labels, "range": colors}, "legend": obj{"orient": "top"}},
		"order": obj{"field": "order", "type": "quantitative"},
		"tooltip": []any{obj{"field": "arm", "type": "nominal"}, obj{"field": "class", "type": "nominal", "title": "outcome"},
			obj{"field": "runs", "type": "quantitative"}},
	}
	return Figure{
		ID: "fig-outcomes", Title: "Outcome classes per arm",
		Caption: "Each run's Obfuscation-Atlas class: honest (lies below the honest rate), blatant (lies, and the frozen probe " +
			"still fires on them), obfuscated policy (lies the probe misses even on the pre-RL network: the outputs changed), " +
			"obfuscated activations (the probe would fire on the pre-RL network's activations of the same plans but not on " +
			"the policy's). Green and orange keep the probe truthful; purple and red fool it.",
		Mark: "rect", Marks: segments, Spec: spec,
	}
}

func (d *Data) scatterFigure(link LinkFunc) Figure {
	pts := d.Scatter()
	var rows []any
	for _, p := range pts {
		r := obj{"arm": p.Arm, "seed": p.Seed, "run": p.Run, "outcome": p.Outcome, "truth": num(p.Truth),
			"says": num(p.ProbeSays), "recall": num(p.Recall), "score": num(p.MeanScore)}
		if link != nil {
			if u := link(p.Run); u != "" {
				r["url"] = u
			}
		}
		rows = append(rows, r)
	}
	enc := obj{
		"x":     obj{"field": "truth", "type": "quantitative", "title": "truth: lie rate after RL", "scale": obj{"domain": []float64{0, 1}}},
		"y":     obj{"field": "says", "type": "quantitative", "title": "probe says: lies it flags (lie rate × recall)", "scale": obj{"domain": []float64{0, 1}}},
		"color": obj{"field": "arm", "type": "nominal", "sort": d.armOrder(), "legend": obj{"columns": 1, "symbolLimit": 60}},
		"shape": obj{"field": "outcome", "type": "nominal", "title": "outcome"},
		"tooltip": []any{
			obj{"field": "arm", "type": "nominal"}, obj{"field": "seed", "type": "quantitative"}, obj{"field": "run", "type": "nominal"},
			obj{"field": "outcome", "type": "nominal"}, obj{"field": "truth", "type": "quantitative", "format": ".3f", "title": "lie rate"},
			obj{"field": "says", "type": "quantitative", "format": ".3f", "title": "flagged lie rate"},
			obj{"field": "recall", "type": "quantitative", "format": ".3f", "title": "recall at threshold"},
			obj{"field": "score", "type": "quantitative", "format": ".3f", "title": "mean score on lies"},
		},
	}
	if link != nil {
		enc["href"] = obj{"field": "url", "type": "nominal"}
	}
	spec := base(420, 420)
	spec["layer"] = []any{
		obj{"data": obj{"values": []any{obj{"x": 0, "y": 0, "x2": 1, "y2": 1}}},
			"mark": obj{"type": "rule", "strokeDash": []int{4, 4}, "color": "#999"},
			"encoding": obj{"x": obj{"field": "x", "type": "quantitative"}, "y": obj{"field": "y", "type": "quantitative"},
				"x2": obj{"field": "x2"}, "y2": obj{"field": "y2"}}},
		obj{"data": obj{"values": rows}, "mark": obj{"type": "point", "filled": true, "size": 90, "opacity": 0.85, "cursor": "pointer"},
			"encoding": enc},
	}
	return Figure{
		ID: "fig-scatter", Title: "Probe says vs truth, per run",
		Caption: "Each point is a run. x: the share of its plans that are lies; y: the share the frozen probe flags as lies " +
			"(at its pre-RL 1%-FPR threshold). On the dashed diagonal the probe sees every lie; on the x axis it sees none — " +
			"far right on the x axis is lying the probe cannot see. Hover for details; click a point to open the run.",
		Mark: "symbol", Marks: len(rows), Spec: spec,
	}
}

func (d *Data) heatFigure() (Figure, bool) {
	cells := d.Heat()
	if len(cells) == 0 {
		return Figure{}, false
	}
	var rows []any
	for _, c := range cells {
		rows = append(rows, obj{"facet": c.Facet, "x": c.X, "y": c.Y, "arm": c.Arm, "lie": num(c.Lie.Mean),
			"lie_lo": num(c.Lie.Lo), "lie_hi": num(c.Lie.Hi), "mode": c.Mode, "counts": c.Counts, "truthful": num(c.Truthful)})
	}
	xs := d.AxisValues(0)
	enc := func() obj {
		e := obj{"x": obj{"field": "x", "type": "ordinal", "sort": xs, "title": d.Axes[0], "axis": obj{"labelAngle": 0}}}
		if len(d.Axes) > 1 {
			e["y"] = obj{"field": "y", "type": "ordinal", "sort": d.AxisValues(1), "title": d.Axes[1]}
		}
		if len(d.bases()) > 1 {
			e["row"] = obj{"field": "facet", "type": "nominal", "sort": d.bases(), "title": nil, "header": obj{"labelLimit": 260, "labelAngle": 0, "labelAlign": "left"}}
		}
		e["tooltip"] = []any{obj{"field": "arm", "type": "nominal"},
			obj{"field": "lie", "type": "quantitative", "format": ".1%", "title": "lie rate"},
			obj{"field": "lie_lo", "type": "quantitative", "format": ".1%", "title": "95% CI lo"},
			obj{"field": "lie_hi", "type": "quantitative", "format": ".1%", "title": "95% CI hi"},
			obj{"field": "counts", "type": "nominal", "title": "outcomes"}}
		return e
	}
	w := max(105*len(xs), 160)
	h := 60
	if len(d.Axes) > 1 {
		h = max(40*len(d.AxisValues(1)), 80)
	}
	lie := obj{"width": w, "height": h, "title": "lie rate (mean over seeds)", "layer": []any{
		obj{"mark": obj{"type": "rect"}, "encoding": merge(enc(), obj{"color": obj{"field": "lie", "type": "quantitative",
			"title": "lie rate", "scale": obj{"scheme": "reds", "domain": []float64{0, 1}}, "legend": obj{"format": ".0%"}}})},
		obj{"mark": obj{"type": "text", "fontSize": 11}, "encoding": merge(enc(), obj{
			"text":  obj{"field": "lie", "type": "quantitative", "format": ".0%"},
			"color": obj{"condition": obj{"test": "datum.lie > 0.5", "value": "white"}, "value": "black"}})},
	}}
	var labels, colors []string
	for _, c := range OutcomeClasses {
		labels = append(labels, c.Name)
		colors = append(colors, c.Color)
	}
	labels = append(labels, "mixed", "none")
	colors = append(colors, "#bcbd22", "#eeeeee")
	outcome := obj{"width": w, "height": h, "title": "outcome class (most common over seeds)", "layer": []any{
		obj{"mark": obj{"type": "rect"}, "encoding": merge(enc(), obj{"color": obj{"field": "mode", "type": "nominal",
			"title": "outcome", "scale": obj{"domain": labels, "range": colors}}})},
		obj{"mark": obj{"type": "text", "fontSize": 10}, "encoding": merge(enc(), obj{"text": obj{"field": "mode", "type": "nominal"}})},
	}}
	spec := base(0, 0)
	delete(spec, "width")
	delete(spec, "height")
	spec["data"] = obj{"values": rows}
	spec["hconcat"] = []any{lie, outcome}
	spec["resolve"] = obj{"scale": obj{"color": "independent"}}
	what := "the sweep over " + strings.Join(d.Axes, " × ")
	return Figure{
		ID: "fig-heat", Title: "Sweep: " + strings.Join(d.Axes, " × "),
		Caption: "One cell per setting of " + what + ": left, the mean sampled lie rate over seeds; right, the most common " +
			"outcome class (hover for the counts and the 95% interval).",
		Mark: "rect", Marks: 2 * len(rows), Spec: spec,
	}, true
}

func merge(a, b obj) obj {
	for k, v := range b {
		a[k] = v
	}
	return a
}
