package report

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"interloop/config"
	"interloop/experiment"
)

// findAxes chooses the heat map's axes: the experiment's declared sweep
// when it has one or two axes (a zip of paths, which vary together, is one
// axis), else the config paths that vary across arms when there are one or
// two of them. Each arm's Point is then its value on each axis.
func (d *Data) findAxes(spec *experiment.Experiment) {
	type axis struct {
		name  string
		paths []string
	}
	var axes []axis
	if spec != nil && len(spec.Sweep.Grid)+len(spec.Sweep.Zip) > 0 {
		for _, g := range spec.Sweep.Grid {
			axes = append(axes, axis{g.Path, []string{g.Path}})
		}
		if len(spec.Sweep.Zip) > 0 {
			var ps []string
			for _, z := range spec.Sweep.Zip {
				ps = append(ps, z.Path)
			}
			axes = append(axes, axis{strings.Join(ps, "+"), ps})
		}
	} else if len(d.Arms) > 1 {
		for _, p := range VaryingPaths(d.Arms) {
			axes = append(axes, axis{p, []string{p}})
		}
	}
	switch {
	case len(d.Arms) < 2:
		d.AxesNote = "one arm: nothing to compare on a heat map"
		return
	case len(axes) == 0:
		d.AxesNote = "the arms differ in no config path"
		return
	case len(axes) > 2:
		var names []string
		for _, a := range axes {
			names = append(names, a.name)
		}
		d.AxesNote = fmt.Sprintf("the arms differ in %d config paths (%s); a heat map needs a sweep over one or two settings",
			len(axes), strings.Join(names, ", "))
		return
	}
	for _, a := range axes {
		d.Axes = append(d.Axes, a.name)
	}
	for _, arm := range d.Arms {
		arm.Point = make([]string, len(axes))
		for i, a := range axes {
			var vs []string
			for _, p := range a.paths {
				vs = append(vs, ValueAt(arm.Config, p))
			}
			arm.Point[i] = strings.Join(vs, ", ")
		}
	}
}

// VaryingPaths lists, in config field order, the config paths whose value
// differs between some of the arms.
func VaryingPaths(arms []*Arm) []string {
	if len(arms) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, a := range arms[1:] {
		for _, c := range config.Diff(arms[0].Config, a.Config) {
			if !seen[c.Path] {
				seen[c.Path] = true
				out = append(out, c.Path)
			}
		}
	}
	// Field order: the order Diff gives against the first arm is field
	// order per arm; merge by the full config's order.
	order := map[string]int{}
	walkPaths(config.Encode(arms[0].Config, nil), "", func(p string, _ *yaml.Node) { order[p] = len(order) })
	slices.SortStableFunc(out, func(a, b string) int { return order[a] - order[b] })
	return out
}

// ValueAt renders the value of the config field at a dotted path (in the
// config's YAML names, e.g. "arm.retrain.every") as short text; "?" when
// the path names no field.
func ValueAt(c experiment.RunConfig, path string) string {
	n := config.Encode(c, nil)
	for _, key := range strings.Split(path, ".") {
		if n.Kind != yaml.MappingNode {
			return "?"
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
				break
			}
		}
		if next == nil {
			return "?"
		}
		n = next
	}
	return nodeText(n)
}

func nodeText(n *yaml.Node) string {
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Value
	case yaml.SequenceNode:
		var parts []string
		for _, c := range n.Content {
			parts = append(parts, nodeText(c))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case yaml.MappingNode:
		var parts []string
		for i := 0; i+1 < len(n.Content); i += 2 {
			parts = append(parts, n.Content[i].Value+": "+nodeText(n.Content[i+1]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return "?"
}

// walkPaths calls f for every leaf of a mapping tree, with its dotted path.
func walkPaths(n *yaml.Node, prefix string, f func(string, *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		f(prefix, n)
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		p := n.Content[i].Value
		if prefix != "" {
			p = prefix + "." + p
		}
		walkPaths(n.Content[i+1], p, f)
	}
}

// Differences renders an arm's config as its differences from the
// documented defaults, "path=value" in field order ("defaults" when none).
func Differences(c experiment.RunConfig) string {
	var parts []string
	for _, ch := range config.Diff(experiment.DefaultRunConfig(), c) {
		parts = append(parts, ch.Path+"="+nodeText(config.Encode(ch.Value, nil)))
	}
	if len(parts) == 0 {
		return "defaults"
	}
	return strings.Join(parts, ", ")
}

// sortAxisValues orders an axis's values numerically when they all parse
// as numbers, else in order of first appearance.
func sortAxisValues(vs []string) []string {
	out := slices.Clone(vs)
	nums := make(map[string]float64, len(out))
	for _, v := range out {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return out
		}
		nums[v] = f
	}
	slices.SortStableFunc(out, func(a, b string) int {
		switch {
		case nums[a] < nums[b]:
			return -1
		case nums[a] > nums[b]:
			return 1
		}
		return 0
	})
	return out
}

// marshalConfig is the config as JSON (the store's form).
func marshalConfig(c experiment.RunConfig) (string, error) {
	b, err := json.Marshal(c)
	return string(b), err
}
