package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
)

// decodeNaN decodes JSON written by the experiment runner (NaN and ±Inf
// floats stored as null) into v, a pointer: null becomes NaN for a float
// and the zero value otherwise; fields absent from the JSON keep v's value,
// so decoding onto defaults gives defaults for fields an older store lacks.
//
// It mirrors the runner's own reader (experiment's unexported
// unmarshalNaN); see the package doc for the request to export it.
func decodeNaN(data []byte, v any) error {
	var x any
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(&x); err != nil {
		return err
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("decodeNaN: want a non-nil pointer, have %T", v)
	}
	return fromJSON(x, rv.Elem(), 0)
}

func fromJSON(x any, v reflect.Value, depth int) error {
	if depth > 64 {
		return fmt.Errorf("nested too deeply")
	}
	if x == nil {
		switch v.Kind() {
		case reflect.Float32, reflect.Float64:
			v.SetFloat(math.NaN())
		default:
			v.Set(reflect.Zero(v.Type()))
		}
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if err := fromJSON(x, p.Elem(), depth+1); err != nil {
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
				p, _, _ := strings.Cut(tag, ",")
				if p == "-" {
					continue
				}
				if p != "" {
					name = p
				}
			}
			val, ok := m[name]
			if !ok {
				continue
			}
			if err := fromJSON(val, v.Field(i), depth+1); err != nil {
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
			if err := fromJSON(a[i], s.Index(i), depth+1); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
		v.Set(s)
	case reflect.Map:
		m, ok := x.(map[string]any)
		if !ok {
			return fmt.Errorf("want an object for %s", v.Type())
		}
		if v.Type().Key().Kind() != reflect.String {
			return fmt.Errorf("map key %s: want a string kind", v.Type().Key())
		}
		out := reflect.MakeMapWithSize(v.Type(), len(m))
		for k, val := range m {
			e := reflect.New(v.Type().Elem()).Elem()
			if err := fromJSON(val, e, depth+1); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), e)
		}
		v.Set(out)
	case reflect.Interface:
		if v.NumMethod() == 0 {
			v.Set(reflect.ValueOf(plain(x)))
			return nil
		}
		return fmt.Errorf("cannot decode into %s", v.Type())
	default:
		// Scalars (and types with their own UnmarshalJSON) go through
		// encoding/json.
		b, err := json.Marshal(x)
		if err != nil {
			return err
		}
		return json.Unmarshal(b, v.Addr().Interface())
	}
	return nil
}

// plain converts json.Number leaves back to float64 (or int when whole and
// small), as a plain decode into any would give, but keeping integers exact.
func plain(x any) any {
	switch v := x.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil && i >= -(1<<53) && i <= 1<<53 {
			return int(i)
		}
		f, _ := v.Float64()
		return f
	case []any:
		out := make([]any, len(v))
		for i := range v {
			out[i] = plain(v[i])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = plain(e)
		}
		return out
	}
	return x
}
