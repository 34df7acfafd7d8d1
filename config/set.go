package config

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Set applies the override "path=value" to *v, a pointer to a struct. The
// value is read as YAML (so 100 is an integer, 1e-3 a number, true a
// boolean, [1, 2] a list, and anything unparsable a string), then decoded
// strictly at path. Errors name the override:
//
//	--set rl.stepz=3: rl.stepz: unknown field "stepz" (rl has: arch, steps, …)
func Set(v any, kv string) error {
	path, val, ok := strings.Cut(kv, "=")
	path = strings.TrimSpace(path)
	if !ok || path == "" {
		return &Error{File: "--set " + kv, Msg: "want path=value"}
	}
	n, err := ParseValue(val)
	if err != nil {
		return &Error{File: "--set " + kv, Path: path, Msg: err.Error()}
	}
	return SetNode(v, "--set "+kv, path, n)
}

// SetNode decodes the node n onto the field at the dotted path of *v; file
// labels errors.
func SetNode(v any, file, path string, n *yaml.Node) error {
	root := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: path}, n}}
	err := Decode(file, root, v, "")
	if e, ok := err.(*Error); ok {
		e.Line, e.Column = 0, 0 // positions within a flag mean nothing
	}
	return err
}

// ParseValue reads a command-line value as a YAML node. A value that is not
// valid YAML, or is a mapping written as "k: v", is taken as a plain string.
func ParseValue(s string) (*yaml.Node, error) {
	str := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if strings.TrimSpace(s) == "" {
		return str, nil
	}
	n, err := Parse("", []byte(s))
	if err != nil || n.Kind == yaml.MappingNode && !strings.HasPrefix(strings.TrimSpace(s), "{") {
		return str, nil
	}
	if n.Kind == yaml.DocumentNode {
		return nil, fmt.Errorf("want one value")
	}
	return n, nil
}

// SplitList splits a --grid value "v1,v2,v3" (or a YAML flow list
// "[v1, v2]") into its values as nodes.
func SplitList(s string) ([]*yaml.Node, error) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "[") {
		n, err := Parse("", []byte(t))
		if err != nil {
			return nil, err
		}
		if n.Kind != yaml.SequenceNode {
			return nil, fmt.Errorf("want a list")
		}
		return n.Content, nil
	}
	var out []*yaml.Node
	for _, part := range strings.Split(s, ",") {
		n, err := ParseValue(strings.TrimSpace(part))
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}
