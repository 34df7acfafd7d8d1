package experiment

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"interloop/config"
)

// Axis is one swept config path and its values (as YAML decodes them:
// int, float64, string, bool, lists).
type Axis struct {
	Path   string `json:"path"`
	Values []any  `json:"values"`
}

// Sweep makes variants of every arm: the product of the Grid axes, times
// the Zip axes taken side by side (all of one length).
type Sweep struct {
	Grid []Axis `json:"grid,omitempty"`
	Zip  []Axis `json:"zip,omitempty"`
}

func (s Sweep) check() error {
	for _, a := range s.Zip {
		if len(a.Values) != len(s.Zip[0].Values) {
			return fmt.Errorf("zip axes differ in length: %s has %d values, %s has %d",
				s.Zip[0].Path, len(s.Zip[0].Values), a.Path, len(a.Values))
		}
	}
	return nil
}

// point is one variant: a value for each axis.
type point []struct {
	path string
	val  any
}

// points enumerates the sweep's variants in a fixed order (grid axes vary
// slowest-first as written, zip innermost); one empty point without axes.
func (s Sweep) points() []point {
	pts := []point{{}}
	for _, a := range s.Grid {
		var next []point
		for _, p := range pts {
			for _, v := range a.Values {
				q := append(point{}, p...)
				next = append(next, append(q, struct {
					path string
					val  any
				}{a.Path, v}))
			}
		}
		pts = next
	}
	if len(s.Zip) > 0 {
		var next []point
		for _, p := range pts {
			for i := range s.Zip[0].Values {
				q := append(point{}, p...)
				for _, a := range s.Zip {
					q = append(q, struct {
						path string
						val  any
					}{a.Path, a.Values[i]})
				}
				next = append(next, q)
			}
		}
		pts = next
	}
	return pts
}

func (p point) String() string {
	parts := make([]string, len(p))
	for i, kv := range p {
		parts[i] = fmt.Sprintf("%s=%v", kv.path, kv.val)
	}
	return strings.Join(parts, ",")
}

// Expand returns the experiment with the sweep applied: every arm replaced
// by its variants, named "arm[path=value,…]", and no sweep left.
func (e *Experiment) Expand() (*Experiment, error) {
	if err := e.Sweep.check(); err != nil {
		return nil, fmt.Errorf("experiment %s: %w", e.Name, err)
	}
	out := *e
	out.Sweep = Sweep{}
	out.Arms = nil
	pts := e.Sweep.points()
	for _, a := range e.Arms {
		for _, p := range pts {
			c := a.Config
			for _, kv := range p {
				var n yaml.Node
				if err := n.Encode(kv.val); err != nil {
					return nil, err
				}
				if err := config.SetNode(&c, "experiment "+e.Name+" sweep", kv.path, &n); err != nil {
					return nil, err
				}
			}
			name := a.Name
			if len(p) > 0 {
				name += "[" + p.String() + "]"
			}
			out.Arms = append(out.Arms, ArmSpec{Name: name, Config: c})
		}
	}
	return &out, nil
}

// AddAxis adds a sweep axis from a command-line "path=v1,v2,…" (or
// "path=[v1, v2]"), checking each value's type; zip selects the zip axes.
func (e *Experiment) AddAxis(kv string, zip bool) error {
	flag := "--grid"
	if zip {
		flag = "--zip"
	}
	path, val, ok := strings.Cut(kv, "=")
	if !ok || path == "" {
		return fmt.Errorf("%s %q: want path=v1,v2,…", flag, kv)
	}
	nodes, err := config.SplitList(val)
	if err != nil {
		return fmt.Errorf("%s %s: %v", flag, kv, err)
	}
	ax := Axis{Path: path}
	for _, n := range nodes {
		probe := DefaultRunConfig()
		if err := config.SetNode(&probe, flag+" "+kv, path, n); err != nil {
			return err
		}
		var x any
		if err := n.Decode(&x); err != nil {
			return fmt.Errorf("%s %s: %v", flag, kv, err)
		}
		ax.Values = append(ax.Values, x)
	}
	if zip {
		e.Sweep.Zip = append(e.Sweep.Zip, ax)
		return e.Sweep.check()
	}
	e.Sweep.Grid = append(e.Sweep.Grid, ax)
	return nil
}

// RunID is a run's stable identity: a hash of its resolved config and seed
// (16 hex digits). Equal configs and seeds give bit-identical results, so
// the ID names the result, whichever experiment asked for it.
func RunID(c RunConfig, seed int) string {
	b, err := marshalNaN(c)
	if err != nil {
		panic(err) // RunConfig holds only plain data
	}
	h := sha256.New()
	fmt.Fprintf(h, "interloop.run/v1\x00seed=%d\x00", seed)
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))[:16]
}
