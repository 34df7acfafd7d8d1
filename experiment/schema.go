package experiment

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"interloop/config"
)

// Schema is the JSON Schema of an experiment file, with every config
// field's documentation and default (`interloop config schema`).
func Schema() map[string]any {
	def := DefaultRunConfig()
	run := config.Schema(def, fieldDocs)
	delete(run, "$schema")
	str := func(d string) map[string]any { return map[string]any{"type": "string", "description": d} }
	axes := func(d string) map[string]any {
		return map[string]any{"type": "object", "description": d,
			"additionalProperties": map[string]any{"type": "array", "minItems": 1}}
	}
	return map[string]any{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"title":                "interloop experiment",
		"type":                 "object",
		"required":             []string{"name", "seeds", "arms"},
		"additionalProperties": false,
		"properties": map[string]any{
			"name":        str("How `interloop run NAME` finds the experiment."),
			"description": str("One line, shown by `interloop list`."),
			"seeds":       map[string]any{"type": "integer", "minimum": 1, "description": "Seeds per arm."},
			"base":        withDescription(run, "Applied to every arm over the documented defaults; keys may be dotted paths."),
			"arms": map[string]any{"type": "array", "minItems": 1, "items": map[string]any{
				"type": "object", "required": []string{"name"}, "additionalProperties": false,
				"properties": map[string]any{
					"name": str("Unique arm name."),
					"set":  withDescription(run, "This arm's differences from the base; keys may be dotted paths."),
				},
			}},
			"sweep": map[string]any{"type": "object", "additionalProperties": false, "properties": map[string]any{
				"grid": axes("Config path → values; every combination becomes a variant of every arm."),
				"zip":  axes("Config path → values, all lists of one length, taken side by side."),
			}},
		},
	}
}

func withDescription(s map[string]any, d string) map[string]any {
	out := make(map[string]any, len(s)+1)
	for k, v := range s {
		out[k] = v
	}
	out["description"] = d
	return out
}

// ConfigYAML renders a stored config (JSON, as the store keeps it) as
// YAML in the config's field order.
func ConfigYAML(configJSON string) ([]byte, error) {
	c := DefaultRunConfig()
	if err := unmarshalNaN([]byte(configJSON), &c); err != nil {
		return nil, err
	}
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(config.Encode(c, nil)); err != nil {
		return nil, err
	}
	enc.Close()
	return []byte(b.String()), nil
}
