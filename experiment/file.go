package experiment

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"interloop/agent"
	"interloop/arm"
	"interloop/config"
	"interloop/env/vault"
	"interloop/train"
)

// The built-in experiments are the YAML files in experiments/: adding one is
// dropping a file there. The format (see experiments/default.yaml):
//
//	name: NAME                  # required; how `interloop run NAME` finds it
//	description: ONE LINE       # shown by `interloop list`
//	seeds: N                    # required, ≥ 1
//	base: {PATH: VALUE, ...}    # applied to every arm, over the defaults
//	arms:                       # required, ≥ 1
//	  - name: ARM               # unique
//	    set: {PATH: VALUE, ...} # this arm's differences
//	sweep:                      # optional: variants of every arm
//	  grid: {PATH: [V1, V2], ...}   # every combination
//	  zip:  {PATH: [V1, V2], ...}   # lists of equal length, side by side
//
// PATH is a config field path (rl.steps, arm.retrain.every), or a nesting
// of sections; values are typed and checked strictly.
//
//go:generate go run ./internal/gendocs
//go:embed experiments/*.yaml
var builtin embed.FS

// fileSpec is an experiment file as written.
type fileSpec struct {
	Name        string    `yaml:"name"`
	Description string    `yaml:"description"`
	Seeds       int       `yaml:"seeds"`
	Base        yaml.Node `yaml:"base"`
	Arms        []armFile `yaml:"arms"`
	Sweep       struct {
		Grid yaml.Node `yaml:"grid"`
		Zip  yaml.Node `yaml:"zip"`
	} `yaml:"sweep"`
}

type armFile struct {
	Name string    `yaml:"name"`
	Set  yaml.Node `yaml:"set"`
}

func init() {
	config.RegisterEnum(train.BrainLike, train.EndToEnd)
	config.RegisterEnum(arm.Kinds()...)
	config.RegisterEnum(arm.ReadPolicy, arm.ReadFrozenCopy)
	config.RegisterEnum(arm.RefitInstructed, arm.RefitGroundTruth)
	config.RegisterEnum(vault.Counterfactual, vault.Realized)
	config.RegisterEnum(agent.EntryDesire, agent.EntryBelief)
}

// Parse reads an experiment file; file names it in errors, which carry
// file:line:column and the field path.
func Parse(file string, src []byte) (*Experiment, error) {
	root, err := config.Parse(file, src)
	if err != nil {
		return nil, err
	}
	var f fileSpec
	if err := config.Decode(file, root, &f, ""); err != nil {
		return nil, err
	}
	fail := func(n *yaml.Node, p, format string, a ...any) error {
		e := &config.Error{File: file, Path: p, Msg: fmt.Sprintf(format, a...)}
		if n != nil {
			e.Line, e.Column = n.Line, n.Column
		}
		return e
	}
	switch {
	case f.Name == "":
		return nil, fail(root, "name", "required")
	case f.Seeds < 1:
		return nil, fail(root, "seeds", "required, ≥ 1 (have %d)", f.Seeds)
	case len(f.Arms) == 0:
		return nil, fail(root, "arms", "required: at least one arm")
	}
	e := &Experiment{Name: f.Name, Description: f.Description, Seeds: f.Seeds, Source: file}
	base := DefaultRunConfig()
	if err := decodeOnto(file, &f.Base, &base, "base"); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, a := range f.Arms {
		p := fmt.Sprintf("arms[%d]", i)
		if a.Name == "" {
			return nil, fail(nil, p+".name", "required")
		}
		if seen[a.Name] {
			return nil, fail(nil, p+".name", "duplicate arm %q", a.Name)
		}
		seen[a.Name] = true
		c := base
		if err := decodeOnto(file, &a.Set, &c, p+".set"); err != nil {
			return nil, err
		}
		e.Arms = append(e.Arms, ArmSpec{Name: a.Name, Config: c})
	}
	for _, ax := range []struct {
		n   *yaml.Node
		key string
		dst *[]Axis
	}{{&f.Sweep.Grid, "sweep.grid", &e.Sweep.Grid}, {&f.Sweep.Zip, "sweep.zip", &e.Sweep.Zip}} {
		axes, err := parseAxes(file, ax.n, ax.key)
		if err != nil {
			return nil, err
		}
		*ax.dst = axes
	}
	if err := e.Sweep.check(); err != nil {
		return nil, fail(&f.Sweep.Zip, "sweep.zip", "%v", err)
	}
	// A sweep value of the wrong type is reported at its line.
	if _, err := e.Expand(); err != nil {
		return nil, err
	}
	return e, nil
}

// decodeOnto decodes a config overlay (absent: nothing) onto c.
func decodeOnto(file string, n *yaml.Node, c *RunConfig, p string) error {
	if n.Kind == 0 {
		return nil
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil
	}
	return config.Decode(file, n, c, p)
}

func parseAxes(file string, n *yaml.Node, p string) ([]Axis, error) {
	if n.Kind == 0 || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, &config.Error{File: file, Line: n.Line, Column: n.Column, Path: p, Msg: "want a mapping of config paths to lists"}
	}
	var axes []Axis
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
			return nil, &config.Error{File: file, Line: v.Line, Column: v.Column, Path: p + "." + k.Value, Msg: "want a non-empty list of values"}
		}
		ax := Axis{Path: k.Value}
		for _, c := range v.Content {
			// Check each value's type where it is written.
			probe := DefaultRunConfig()
			if err := config.SetNode(&probe, file, k.Value, c); err != nil {
				if e, ok := err.(*config.Error); ok {
					e.Line, e.Column, e.Path = c.Line, c.Column, p+"."+e.Path
				}
				return nil, err
			}
			var x any
			if err := c.Decode(&x); err != nil {
				return nil, &config.Error{File: file, Line: c.Line, Column: c.Column, Path: p + "." + k.Value, Msg: err.Error()}
			}
			ax.Values = append(ax.Values, x)
		}
		axes = append(axes, ax)
	}
	return axes, nil
}

// Load reads an experiment: a built-in one by name, or a YAML file by path
// (a name ending in .yaml or .yml, or naming an existing file).
func Load(name string) (*Experiment, error) {
	if strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml") || strings.ContainsRune(name, os.PathSeparator) {
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		return Parse(name, src)
	}
	return Lookup(name)
}

// Registry lists the built-in experiments, "default" first, then by name.
func Registry() ([]*Experiment, error) {
	names, err := fs.Glob(builtin, "experiments/*.yaml")
	if err != nil {
		return nil, err
	}
	var out []*Experiment
	for _, n := range names {
		src, err := builtin.ReadFile(n)
		if err != nil {
			return nil, err
		}
		e, err := Parse("builtin:"+path.Base(n), src)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if (out[i].Name == "default") != (out[j].Name == "default") {
			return out[i].Name == "default"
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// Lookup finds a built-in experiment by name.
func Lookup(name string) (*Experiment, error) {
	all, err := Registry()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range all {
		if e.Name == name {
			return e, nil
		}
		names = append(names, e.Name)
	}
	return nil, fmt.Errorf("unknown experiment %q (have %s; or give a .yaml file)", name, strings.Join(names, ", "))
}

// Default is the built-in default experiment (experiments/default.yaml).
func Default() *Experiment {
	e, err := Lookup("default")
	if err != nil {
		panic("experiment: embedded default.yaml: " + err.Error()) // a build defect; the tests load it
	}
	return e
}

// YAML writes e as an experiment file that Parse reads back to e: the base
// config with every field resolved (documented in comments), and each arm
// as its differences from the base. With arms true, every arm's config is
// written out in full instead.
func (e *Experiment) YAML(full bool) ([]byte, error) {
	if len(e.Arms) == 0 {
		return nil, fmt.Errorf("experiment %s has no arms", e.Name)
	}
	str := func(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }
	root := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	add := func(k string, v *yaml.Node) { root.Content = append(root.Content, str(k), v) }
	add("name", str(e.Name))
	add("description", str(e.Description))
	add("seeds", config.Encode(e.Seeds, nil))
	base := commonBase(e.Arms)
	if !full {
		add("base", config.Encode(base, fieldDocs))
	}
	arms := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for _, a := range e.Arms {
		an := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		var set *yaml.Node
		if full {
			set = config.Encode(a.Config, nil)
		} else {
			set = config.ChangesNode(config.Diff(base, a.Config))
			set.Style = yaml.FlowStyle
		}
		an.Content = append(an.Content, str("name"), str(a.Name), str("set"), set)
		arms.Content = append(arms.Content, an)
	}
	add("arms", arms)
	if len(e.Sweep.Grid)+len(e.Sweep.Zip) > 0 {
		sw := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, ax := range []struct {
			k  string
			as []Axis
		}{{"grid", e.Sweep.Grid}, {"zip", e.Sweep.Zip}} {
			if len(ax.as) == 0 {
				continue
			}
			m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			for _, a := range ax.as {
				var l yaml.Node
				if err := l.Encode(a.Values); err != nil {
					return nil, err
				}
				l.Style = yaml.FlowStyle
				m.Content = append(m.Content, str(a.Path), &l)
			}
			sw.Content = append(sw.Content, str(ax.k), m)
		}
		add("sweep", sw)
	}
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	enc.Close()
	return []byte(b.String()), nil
}

// commonBase is the defaults with every field on which all arms agree.
func commonBase(arms []ArmSpec) RunConfig {
	def := DefaultRunConfig()
	base := def
	counts := map[string]map[string]int{}
	vals := map[string]map[string]any{}
	for _, a := range arms {
		for _, c := range config.Diff(def, a.Config) {
			k := fmt.Sprint(c.Value)
			if counts[c.Path] == nil {
				counts[c.Path], vals[c.Path] = map[string]int{}, map[string]any{}
			}
			counts[c.Path][k]++
			vals[c.Path][k] = c.Value
		}
	}
	for p, cs := range counts {
		best, n := "", 0
		for k, c := range cs {
			if c > n || c == n && k < best {
				best, n = k, c
			}
		}
		if n == len(arms) {
			var node yaml.Node
			if node.Encode(vals[p][best]) == nil {
				_ = config.SetNode(&base, "", p, &node)
			}
		}
	}
	return base
}
