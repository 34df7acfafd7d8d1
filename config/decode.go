package config

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error is a decoding error at a place in a file.
type Error struct {
	File         string // file name, or a label such as "--set"
	Line, Column int    // 1-based; 0 when unknown
	Path         string // field path, e.g. "rl.steps"; empty for the document
	Msg          string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Parse reads YAML source into a document's root node. An empty document
// gives an empty mapping.
func Parse(file string, src []byte) (root *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil { // the YAML parser must not take us down
			root, err = nil, &Error{File: file, Msg: fmt.Sprintf("invalid YAML: %v", r)}
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		line := 0
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		// yaml.v3 reports "line N: msg"; lift the line into the position.
		if rest, ok := strings.CutPrefix(msg, "line "); ok {
			if num, m, ok := strings.Cut(rest, ": "); ok {
				if n, err := strconv.Atoi(num); err == nil {
					line, msg = n, m
				}
			}
		}
		return nil, &Error{File: file, Line: line, Column: boolInt(line > 0), Msg: "invalid YAML: " + msg}
	}
	if doc.Kind == 0 {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: 1, Column: 1}, nil
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		return doc.Content[0], nil
	}
	return &doc, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Decode overlays the YAML node n onto *v (a pointer to a struct, map,
// slice or scalar). path is the field path of v within its document (""
// for the root); errors name file, position and path. On error *v may be
// partly updated: decode into a copy when that matters.
func Decode(file string, n *yaml.Node, v any, path string) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("config.Decode: need a non-nil pointer, have %T", v)
	}
	d := decoder{file: file}
	return d.value(n, rv.Elem(), path, 0)
}

type decoder struct{ file string }

var nodeType = reflect.TypeOf(yaml.Node{})

const maxDepth = 64

func (d decoder) fail(n *yaml.Node, path, format string, a ...any) error {
	e := &Error{File: d.file, Path: path, Msg: fmt.Sprintf(format, a...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	return e
}

// kindName describes a node for error messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "null"
		case "!!str":
			return fmt.Sprintf("string %q", n.Value)
		}
		return n.Value
	}
	return "a YAML node"
}

func (d decoder) value(n *yaml.Node, v reflect.Value, path string, depth int) error {
	if depth > maxDepth {
		return d.fail(n, path, "nested too deeply")
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return d.fail(n, path, "unresolved alias")
		}
		return d.value(n.Alias, v, path, depth+1)
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) != 1 {
			return d.fail(n, path, "want one YAML document")
		}
		return d.value(n.Content[0], v, path, depth+1)
	}
	if v.Type() == nodeType { // kept raw, decoded later
		v.Set(reflect.ValueOf(*n))
		return nil
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		switch v.Kind() {
		case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface:
			v.Set(reflect.Zero(v.Type())) // null clears an optional value
			return nil
		}
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return d.value(n, v.Elem(), path, depth+1)
	case reflect.Struct:
		return d.structure(n, v, path, depth)
	case reflect.Map:
		return d.mapping(n, v, path, depth)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return d.fail(n, path, "want a list, got %s", kindName(n))
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			if err := d.value(c, s.Index(i), fmt.Sprintf("%s[%d]", path, i), depth+1); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	}
	return d.scalar(n, v, path)
}

// fields maps a struct type's YAML keys to field indexes, in field order.
func fields(t reflect.Type) (names []string, index map[string]int) {
	index = map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		name, ok := fieldName(t.Field(i))
		if !ok {
			continue
		}
		names = append(names, name)
		index[name] = i
	}
	return names, index
}

// fieldName is a field's YAML key; ok is false for fields not in the tree.
func fieldName(f reflect.StructField) (string, bool) {
	if !f.IsExported() {
		return "", false
	}
	tag := f.Tag.Get("yaml")
	name, _, _ := strings.Cut(tag, ",")
	if name == "-" {
		return "", false
	}
	if name == "" {
		name = strings.ToLower(f.Name)
	}
	return name, true
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (d decoder) structure(n *yaml.Node, v reflect.Value, path string, depth int) error {
	if n.Kind != yaml.MappingNode {
		return d.fail(n, path, "want a mapping of fields, got %s", kindName(n))
	}
	names, index := fields(v.Type())
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return d.fail(k, path, "want a field name, got %s", kindName(k))
		}
		key, rest, dotted := strings.Cut(k.Value, ".")
		if prev, dup := seen[k.Value]; dup {
			return d.fail(k, join(path, k.Value), "repeated key (first at line %d)", prev.Line)
		}
		seen[k.Value] = k
		fi, ok := index[key]
		if !ok {
			return d.fail(k, join(path, key), "unknown field %q (%s has: %s)", key, sectionName(path), strings.Join(names, ", "))
		}
		if dotted {
			// "a.b: x" is "a: {b: x}".
			val = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: k.Line, Column: k.Column + len(key) + 1,
				Content: []*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!str", Value: rest, Line: k.Line, Column: k.Column + len(key) + 1}, val}}
		}
		if err := d.value(val, v.Field(fi), join(path, key), depth+1); err != nil {
			return err
		}
	}
	return nil
}

func sectionName(path string) string {
	if path == "" {
		return "the document"
	}
	return path
}

func (d decoder) mapping(n *yaml.Node, v reflect.Value, path string, depth int) error {
	if n.Kind != yaml.MappingNode {
		return d.fail(n, path, "want a mapping, got %s", kindName(n))
	}
	if v.Type().Key().Kind() != reflect.String {
		return d.fail(n, path, "unsupported map key type %s", v.Type().Key())
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return d.fail(k, path, "want a key, got %s", kindName(k))
		}
		if seen[k.Value] {
			return d.fail(k, join(path, k.Value), "repeated key")
		}
		seen[k.Value] = true
		elem := reflect.New(v.Type().Elem()).Elem()
		if old := v.MapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key())); old.IsValid() {
			elem.Set(old)
		}
		if err := d.value(val, elem, join(path, k.Value), depth+1); err != nil {
			return err
		}
		v.SetMapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key()), elem)
	}
	return nil
}

func (d decoder) scalar(n *yaml.Node, v reflect.Value, path string) error {
	if n.Kind != yaml.ScalarNode {
		return d.fail(n, path, "want %s, got %s", typeWord(v.Type()), kindName(n))
	}
	tag := n.ShortTag()
	switch v.Kind() {
	case reflect.String:
		if tag != "!!str" {
			return d.fail(n, path, "want a string, got %s (quote it to use it as a string)", kindName(n))
		}
		if vals := enumValues(v.Type()); vals != nil && !contains(vals, n.Value) {
			return d.fail(n, path, "%q is not one of %s", n.Value, strings.Join(vals, ", "))
		}
		v.SetString(n.Value)
	case reflect.Bool:
		if tag != "!!bool" {
			return d.fail(n, path, "want true or false, got %s", kindName(n))
		}
		b, err := strconv.ParseBool(n.Value)
		if err != nil {
			var x bool
			if err := n.Decode(&x); err != nil {
				return d.fail(n, path, "want true or false, got %s", kindName(n))
			}
			b = x
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if tag != "!!int" {
			return d.fail(n, path, "want an integer, got %s", kindName(n))
		}
		var x int64
		if err := n.Decode(&x); err != nil || v.OverflowInt(x) {
			return d.fail(n, path, "integer %s out of range for %s", n.Value, v.Type())
		}
		v.SetInt(x)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if tag != "!!int" {
			return d.fail(n, path, "want a non-negative integer, got %s", kindName(n))
		}
		var x uint64
		if err := n.Decode(&x); err != nil || v.OverflowUint(x) {
			return d.fail(n, path, "integer %s out of range for %s", n.Value, v.Type())
		}
		v.SetUint(x)
	case reflect.Float32, reflect.Float64:
		if tag != "!!float" && tag != "!!int" {
			return d.fail(n, path, "want a number, got %s", kindName(n))
		}
		var x float64
		if err := n.Decode(&x); err != nil {
			return d.fail(n, path, "want a number, got %s", kindName(n))
		}
		if v.Kind() == reflect.Float32 && !math.IsInf(x, 0) && math.Abs(x) > math.MaxFloat32 {
			return d.fail(n, path, "%s out of range for float32", n.Value)
		}
		v.SetFloat(x)
	case reflect.Interface:
		if v.NumMethod() != 0 {
			return d.fail(n, path, "unsupported type %s", v.Type())
		}
		var x any
		if err := n.Decode(&x); err != nil {
			return d.fail(n, path, "%v", err)
		}
		if x != nil {
			v.Set(reflect.ValueOf(x))
		}
	default:
		return d.fail(n, path, "unsupported type %s", v.Type())
	}
	return nil
}

func typeWord(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Struct, reflect.Map:
		return "a mapping"
	case reflect.Slice:
		return "a list"
	}
	if t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64 {
		return "an integer"
	}
	return t.String()
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

var enums = map[reflect.Type][]string{}

// RegisterEnum declares the allowed values of a string type: decoding
// rejects others, and Schema lists them. Call it from an init function.
func RegisterEnum[T ~string](values ...T) {
	var zero T
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	enums[reflect.TypeOf(zero)] = s
}

func enumValues(t reflect.Type) []string { return enums[t] }
