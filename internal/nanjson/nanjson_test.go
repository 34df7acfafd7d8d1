package nanjson

import (
	"math"
	"strings"
	"testing"
)

type rec struct {
	A float64            `json:"a"`
	B []float64          `json:"b"`
	M map[string]float64 `json:"m"`
	S string             `json:"s,omitempty"`
	P *float64           `json:"p"`
}

func TestRoundTrip(t *testing.T) {
	one := 1.5
	in := rec{A: math.NaN(), B: []float64{1, math.Inf(1), 2}, M: map[string]float64{"x": math.NaN(), "y": 3}, P: &one}
	b, err := Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"a":null`) || strings.Contains(string(b), `"s"`) {
		t.Fatalf("unexpected JSON %s", b)
	}
	var out rec
	if err := Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(out.A) || !math.IsNaN(out.B[1]) || out.B[2] != 2 || !math.IsNaN(out.M["x"]) || out.M["y"] != 3 || *out.P != 1.5 {
		t.Fatalf("round trip gave %+v", out)
	}
	if err := Unmarshal(b, out); err == nil {
		t.Fatal("non-pointer accepted")
	}
}
