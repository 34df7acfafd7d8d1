// Package nanjson writes and reads JSON in which NaN and ±Inf floats are
// null (JSON has no NaN): interloop stores metrics that are undefined for
// some runs (an AUROC with no lies to detect) as NaN in memory and null on
// disk. Field names follow json tags; map keys become strings.
package nanjson

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
)

// Tree converts v into plain JSON values (maps, slices, numbers, strings,
// bools) with NaN and ±Inf floats replaced by nil.
func Tree(v any) any { return floatsToNull(reflect.ValueOf(v)) }

// Marshal is json.Marshal of Tree(v).
func Marshal(v any) ([]byte, error) { return json.Marshal(Tree(v)) }

// Unmarshal decodes JSON written by Marshal into v (a pointer), reading null
// as NaN for floats and as the zero value otherwise.
func Unmarshal(data []byte, v any) error {
	var x any
	if err := json.Unmarshal(data, &x); err != nil {
		return err
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("nanjson: Unmarshal needs a non-nil pointer, got %T", v)
	}
	return fromJSON(x, rv.Elem())
}

func floatsToNull(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Invalid:
		return nil
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil
		}
		return f
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return floatsToNull(v.Elem())
	case reflect.Struct:
		m := map[string]any{}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, omit := f.Name, false
			if tag := f.Tag.Get("json"); tag != "" {
				parts := strings.Split(tag, ",")
				if parts[0] == "-" {
					continue
				}
				if parts[0] != "" {
					name = parts[0]
				}
				for _, p := range parts[1:] {
					omit = omit || p == "omitempty"
				}
			}
			if fv := v.Field(i); !(omit && fv.IsZero()) {
				m[name] = floatsToNull(fv)
			}
		}
		return m
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return nil
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = floatsToNull(v.Index(i))
		}
		return out
	case reflect.Map:
		m := map[string]any{}
		for _, k := range v.MapKeys() {
			m[fmt.Sprint(k.Interface())] = floatsToNull(v.MapIndex(k))
		}
		return m
	}
	if v.CanInterface() {
		return v.Interface()
	}
	return nil
}

func splitTag(tag string) []string {
	var parts []string
	start := 0
	for i := 0; i <= len(tag); i++ {
		if i == len(tag) || tag[i] == ',' {
			parts = append(parts, tag[start:i])
			start = i + 1
		}
	}
	return parts
}

func fromJSON(x any, v reflect.Value) error {
	if x == nil {
		if v.Kind() == reflect.Float32 || v.Kind() == reflect.Float64 {
			v.SetFloat(math.NaN())
		} else {
			v.Set(reflect.Zero(v.Type()))
		}
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if err := fromJSON(x, p.Elem()); err != nil {
			return err
		}
		v.Set(p)
	case reflect.Struct:
		m, ok := x.(map[string]any)
		if !ok {
			return fmt.Errorf("want an object for %s", v.Type())
		}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := f.Name
			if tag := f.Tag.Get("json"); tag != "" {
				if p := splitTag(tag)[0]; p == "-" {
					continue
				} else if p != "" {
					name = p
				}
			}
			val, ok := m[name]
			if !ok {
				continue
			}
			if err := fromJSON(val, v.Field(i)); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
	case reflect.Slice:
		a, ok := x.([]any)
		if !ok {
			return fmt.Errorf("want an array for %s", v.Type())
		}
		s := reflect.MakeSlice(v.Type(), len(a), len(a))
		for i := range a {
			if err := fromJSON(a[i], s.Index(i)); err != nil {
				return err
			}
		}
		v.Set(s)
	case reflect.Map:
		m, ok := x.(map[string]any)
		if !ok {
			return fmt.Errorf("want an object for %s", v.Type())
		}
		out := reflect.MakeMapWithSize(v.Type(), len(m))
		for k, val := range m {
			e := reflect.New(v.Type().Elem()).Elem()
			if err := fromJSON(val, e); err != nil {
				return err
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), e)
		}
		v.Set(out)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return err
		}
		return json.Unmarshal(b, v.Addr().Interface())
	}
	return nil
}
