package config

import (
	"math"
	"reflect"
)

// Schema describes the type of v as a JSON Schema (draft 2020-12) object:
// every struct a closed object (unknown keys are errors, as when decoding;
// dotted keys are allowed), every field with its type, its value in v as
// the default, its documentation from docs and, for enumerated strings,
// the allowed values.
func Schema(v any, docs Docs) map[string]any {
	s := schemaOf(reflect.ValueOf(v), docs, 0)
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	return s
}

func schemaOf(v reflect.Value, docs Docs, depth int) map[string]any {
	t := v.Type()
	s := map[string]any{}
	if depth > 16 || t == nodeType { // raw YAML: anything
		return s
	}
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return schemaOf(reflect.New(t.Elem()).Elem(), docs, depth+1)
		}
		return schemaOf(v.Elem(), docs, depth+1)
	case reflect.Struct:
		props := map[string]any{}
		var order []string
		for i := 0; i < t.NumField(); i++ {
			name, ok := fieldName(t.Field(i))
			if !ok {
				continue
			}
			p := schemaOf(v.Field(i), docs, depth+1)
			if d := docs.of(t, name); d != "" {
				p["description"] = d
			}
			if def, ok := defaultOf(v.Field(i)); ok {
				p["default"] = def
			}
			props[name] = p
			order = append(order, name)
		}
		s["type"] = "object"
		s["properties"] = props
		s["additionalProperties"] = false
		s["patternProperties"] = map[string]any{`^[A-Za-z0-9_-]+\.`: map[string]any{}}
	case reflect.Map:
		s["type"] = "object"
		s["additionalProperties"] = schemaOf(reflect.New(t.Elem()).Elem(), docs, depth+1)
	case reflect.Slice, reflect.Array:
		s["type"] = "array"
		s["items"] = schemaOf(reflect.New(t.Elem()).Elem(), docs, depth+1)
	case reflect.String:
		s["type"] = "string"
		if vals := enumValues(t); vals != nil {
			s["enum"] = vals
		}
	case reflect.Bool:
		s["type"] = "boolean"
	case reflect.Float32, reflect.Float64:
		s["type"] = "number"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		s["type"] = "integer"
	}
	return s
}

// defaultOf is a leaf field's value as a JSON value (structs have none).
func defaultOf(v reflect.Value) (any, bool) {
	switch v.Kind() {
	case reflect.Struct, reflect.Pointer, reflect.Interface:
		return nil, false
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, false
		}
		return f, true
	case reflect.Slice, reflect.Map:
		if v.IsNil() {
			return nil, false
		}
	}
	return v.Interface(), true
}
