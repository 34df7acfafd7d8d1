package experiment

import (
	"encoding/json"

	"interloop/internal/nanjson"
)

// nanSafe converts v into plain JSON values (numbers as float64, NaN and ±Inf
// as nil), as decoded JSON would be.
func nanSafe(v any) any {
	raw, err := nanjson.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	_ = json.Unmarshal(raw, &out)
	return out
}

// unmarshalNaN decodes JSON written by marshalNaN into v (a pointer).
func unmarshalNaN(data []byte, v any) error { return nanjson.Unmarshal(data, v) }
