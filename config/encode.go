package config

import (
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Docs maps "import/path.Type.yaml_key" to a field's documentation.
type Docs map[string]string

func (d Docs) of(t reflect.Type, key string) string {
	if d == nil {
		return ""
	}
	return d[t.PkgPath()+"."+t.Name()+"."+key]
}

// Encode returns v as a YAML node; with docs, each field's documentation
// becomes a comment above it. Decoding the node onto any value gives v.
func Encode(v any, docs Docs) *yaml.Node { return encode(reflect.ValueOf(v), docs) }

func encode(v reflect.Value, docs Docs) *yaml.Node {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
		}
		return encode(v.Elem(), docs)
	case reflect.Struct:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			name, ok := fieldName(t.Field(i))
			if !ok {
				continue
			}
			k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: name, HeadComment: docs.of(t, name)}
			n.Content = append(n.Content, k, encode(v.Field(i), docs))
		}
		return n
	case reflect.Map:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k.String()}, encode(v.MapIndex(k), docs))
		}
		return n
	case reflect.Slice, reflect.Array:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
		for i := 0; i < v.Len(); i++ {
			e := encode(v.Index(i), docs)
			if e.Kind != yaml.ScalarNode {
				n.Style = 0
			}
			n.Content = append(n.Content, e)
		}
		return n
	case reflect.String:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v.String()}
	case reflect.Bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v.Bool())}
	case reflect.Float32, reflect.Float64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: formatFloat(v.Float(), v.Type().Bits())}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(v.Int(), 10)}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatUint(v.Uint(), 10)}
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
}

func formatFloat(x float64, bits int) string {
	switch {
	case math.IsNaN(x):
		return ".nan"
	case math.IsInf(x, 1):
		return ".inf"
	case math.IsInf(x, -1):
		return "-.inf"
	}
	s := strconv.FormatFloat(x, 'g', -1, bits)
	if !strings.ContainsAny(s, ".e") {
		s += ".0" // so that YAML reads it back as a float without a tag
	}
	return s
}

// Change is one field where two values differ.
type Change struct {
	Path  string // dotted field path
	Value any    // the new value
}

// Diff lists, in field order, the leaf fields of b that differ from a
// (values of one struct type). Lists and maps compare as wholes.
func Diff(a, b any) []Change {
	var out []Change
	diff(reflect.ValueOf(a), reflect.ValueOf(b), "", &out)
	return out
}

func diff(a, b reflect.Value, path string, out *[]Change) {
	if a.Kind() == reflect.Struct {
		t := a.Type()
		for i := 0; i < t.NumField(); i++ {
			name, ok := fieldName(t.Field(i))
			if !ok {
				continue
			}
			diff(a.Field(i), b.Field(i), join(path, name), out)
		}
		return
	}
	if !equal(a, b) {
		*out = append(*out, Change{Path: path, Value: b.Interface()})
	}
}

// equal is DeepEqual with NaN equal to NaN.
func equal(a, b reflect.Value) bool {
	if a.Kind() == reflect.Float32 || a.Kind() == reflect.Float64 {
		x, y := a.Float(), b.Float()
		return x == y || math.IsNaN(x) && math.IsNaN(y)
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

// ChangesNode writes changes as a YAML mapping with dotted keys, e.g.
// {rl.arch: end-to-end, arm.kind: probe-loss}, in flow style when short.
func ChangesNode(changes []Change) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for _, c := range changes {
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: c.Path}, Encode(c.Value, nil))
	}
	return n
}
