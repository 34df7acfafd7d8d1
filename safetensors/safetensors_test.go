package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func le32(v ...float32) []byte { return FromFloat32(nil, v).Data }

// TestReferenceBytes checks Write against byte strings the reference
// implementation produces (the Rust crate's own serialization tests:
// test_serialization, test_empty, test_serialization_forced_alignement).
func TestReferenceBytes(t *testing.T) {
	data := le32(0, 1, 2, 3, 4, 5)
	cases := []struct {
		name    string
		tensors map[string]Tensor
		meta    map[string]string
		want    []byte
	}{
		{
			"one tensor, no padding",
			map[string]Tensor{"attn.0": {F32, []int{1, 2, 3}, data}},
			nil,
			append([]byte{64, 0, 0, 0, 0, 0, 0, 0},
				append([]byte(`{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}`), data...)...),
		},
		{
			"padding with spaces",
			map[string]Tensor{"attn0": {F32, []int{1, 1, 2, 3}, data}},
			nil,
			append([]byte{72, 0, 0, 0, 0, 0, 0, 0},
				append([]byte(`{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       `), data...)...),
		},
		{
			"empty",
			map[string]Tensor{}, nil,
			[]byte{8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '},
		},
		{
			"metadata only",
			map[string]Tensor{}, map[string]string{"framework": "pt"},
			append([]byte{40, 0, 0, 0, 0, 0, 0, 0}, []byte(`{"__metadata__":{"framework":"pt"}}     `)...),
		},
	}
	for _, c := range cases {
		var b bytes.Buffer
		if err := Write(&b, c.tensors, c.meta); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !bytes.Equal(b.Bytes(), c.want) {
			t.Errorf("%s:\n got %q\nwant %q", c.name, b.Bytes(), c.want)
		}
		if _, err := Read(bytes.NewReader(b.Bytes()), int64(b.Len())); err != nil {
			t.Errorf("%s: reading back: %v", c.name, err)
		}
	}
}

// TestSpecOrder checks, against a byte string computed by hand from the
// format spec, the canonical order: tensors by dtype alignment (largest
// first) then name, metadata first with sorted keys, JSON escapes as
// serde_json writes them, and the padding.
func TestSpecOrder(t *testing.T) {
	tensors := map[string]Tensor{
		"b":   FromFloat32([]int{1}, []float32{1}),             // 4 bytes
		"a":   FromFloat32([]int{}, []float32{-2}),             // scalar, 4 bytes
		"h":   {F16, []int{2}, []byte{0x00, 0x3c, 0x00, 0xc0}}, // 1, -2
		"idx": FromInt64([]int{1}, []int64{-1}),                // 8 bytes
		"z":   {U8, []int{0, 3}, nil},                          // empty
	}
	meta := map[string]string{"z": "1", "config": "{\"a\":\"<b>\"}\n"}
	hdr := `{"__metadata__":{"config":"{\"a\":\"<b>\"}\n","z":"1"},` +
		`"idx":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},` +
		`"a":{"dtype":"F32","shape":[],"data_offsets":[8,12]},` +
		`"b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]},` +
		`"h":{"dtype":"F16","shape":[2],"data_offsets":[16,20]},` +
		`"z":{"dtype":"U8","shape":[0,3],"data_offsets":[20,20]}}`
	for len(hdr)%8 != 0 {
		hdr += " "
	}
	var want bytes.Buffer
	binary.Write(&want, binary.LittleEndian, uint64(len(hdr)))
	want.WriteString(hdr)
	want.Write([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	want.Write(le32(-2, 1))
	want.Write([]byte{0x00, 0x3c, 0x00, 0xc0})

	var got bytes.Buffer
	if err := Write(&got, tensors, meta); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Fatalf("\n got %q\nwant %q", got.Bytes(), want.Bytes())
	}
	f, err := Read(bytes.NewReader(got.Bytes()), int64(got.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.Metadata(), meta) {
		t.Errorf("metadata %v", f.Metadata())
	}
	if h, shape, err := f.Float32("h"); err != nil || !reflect.DeepEqual(h, []float32{1, -2}) || !reflect.DeepEqual(shape, []int{2}) {
		t.Errorf("h = %v %v %v", h, shape, err)
	}
	if v, shape, err := f.Float32("a"); err != nil || v[0] != -2 || len(shape) != 0 {
		t.Errorf("a = %v %v %v", v, shape, err)
	}
	if v, _, err := f.Float32("z"); err != nil || len(v) != 0 {
		t.Errorf("z = %v %v", v, err)
	}
}

func TestRoundTrip(t *testing.T) {
	tensors := map[string]Tensor{
		"w":      FromFloat32([]int{2, 3}, []float32{1, 2, 3, 4, 5, float32(math.Inf(-1))}),
		"w64":    FromFloat64([]int{3}, []float64{0.1, -1e300, 7}),
		"steps":  FromInt64([]int{2}, []int64{-5, 1 << 40}),
		"labels": FromInt32([]int{1, 2}, []int32{-7, 9}),
		"bf":     {BF16, []int{3}, []byte{0x80, 0x3f, 0x49, 0x40, 0xf7, 0xc2}},
		"bytes":  {U8, []int{3}, []byte{0, 128, 255}},
		"i8":     {I8, []int{2}, []byte{0x80, 0x7f}},
	}
	want := map[string][]float32{
		"w":      {1, 2, 3, 4, 5, float32(math.Inf(-1))},
		"w64":    {0.1, float32(math.Inf(-1)), 7},
		"steps":  {-5, 1 << 40},
		"labels": {-7, 9},
		"bf":     {1, 3.140625, -123.5},
		"bytes":  {0, 128, 255},
		"i8":     {-128, 127},
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	meta := map[string]string{"config": "{}"}
	if err := WriteFile(path, tensors, meta); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.Names(); !reflect.DeepEqual(got, []string{"bf", "bytes", "i8", "labels", "steps", "w", "w64"}) {
		t.Errorf("names %v", got)
	}
	for name, tt := range tensors {
		got, err := f.Tensor(name)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tt) {
			t.Errorf("%s: %+v, want %+v", name, got, tt)
		}
		v, shape, err := f.Float32(name)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(v, want[name]) || !reflect.DeepEqual(shape, tt.Shape) {
			t.Errorf("%s: Float32 %v %v, want %v %v", name, v, shape, want[name], tt.Shape)
		}
	}
	if !reflect.DeepEqual(f.Metadata(), meta) {
		t.Errorf("metadata %v", f.Metadata())
	}
	// Writing what was read gives the same bytes.
	orig, _ := os.ReadFile(path)
	again := map[string]Tensor{}
	for _, n := range f.Names() {
		again[n], _ = f.Tensor(n)
	}
	var b bytes.Buffer
	if err := Write(&b, again, f.Metadata()); err != nil || !bytes.Equal(b.Bytes(), orig) {
		t.Errorf("rewrite differs (%v)", err)
	}
}

// TestHalf checks every binary16 value against the definition:
// (−1)^s × 2^(e−15) × (1 + f/1024), subnormals f × 2^−24.
func TestHalf(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		s, e, f := h>>15, (h>>10)&0x1f, h&0x3ff
		got := HalfToFloat32(uint16(h))
		var want float64
		switch {
		case e == 0x1f && f == 0:
			want = math.Inf(1)
		case e == 0x1f:
			if !math.IsNaN(float64(got)) {
				t.Fatalf("%#04x: %v, want NaN", h, got)
			}
			continue
		case e == 0:
			want = math.Ldexp(float64(f), -24)
		default:
			want = math.Ldexp(1+float64(f)/1024, e-15)
		}
		if s == 1 {
			want = -want
		}
		if float64(got) != want || math.Signbit(float64(got)) != (s == 1) {
			t.Fatalf("%#04x: %v, want %v", h, got, want)
		}
	}
}

// file assembles a safetensors byte string from a header and data.
func file(hdr string, data int) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	return append(append(b, hdr...), make([]byte, data)...)
}

func TestReadErrors(t *testing.T) {
	good := `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`
	cases := []struct {
		name   string
		in     []byte
		tensor string // the tensor the error must name, if any
		want   string
	}{
		{"empty", nil, "", "too short"},
		{"huge header", binary.LittleEndian.AppendUint64(nil, 1<<40), "", "exceeds the limit"},
		{"truncated header", file(good, 12)[:40], "", "truncated"},
		{"truncated data", file(good, 11), "", "truncated"},
		{"trailing bytes", file(good, 13), "", "cover 12 bytes"},
		{"not an object", file(`[1,2]`, 0), "", "not a JSON object"},
		{"bad json", file(`{"a":`, 0), "", "not valid JSON"},
		{"unknown dtype", file(`{"a":{"dtype":"F7","shape":[1],"data_offsets":[0,1]}}`, 1), "a", "unknown dtype"},
		{"shape mismatch", file(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, 8), "a", "needs 12"},
		{"gap", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8), "a", "do not start"},
		{"overlap", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8), "b", "do not start"},
		{"overflow", file(`{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}`, 8), "a", "overflows"},
		{"negative", file(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}`, 0), "a", "negative dimension"},
		{"extra field", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}`, 4), "a", "unknown field"},
		{"three offsets", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,4]}}`, 4), "a", "two data_offsets"},
		{"bad metadata", file(`{"__metadata__":{"a":1}}`, 0), "", "map of strings"},
	}
	for _, c := range cases {
		_, err := Read(bytes.NewReader(c.in), int64(len(c.in)))
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: error %v is not an *Error", c.name, err)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || e.Tensor != c.tensor {
			t.Errorf("%s: %v (tensor %q), want %q naming tensor %q", c.name, err, e.Tensor, c.want, c.tensor)
		}
	}
	// Open names the file; a missing tensor is ErrNotFound.
	path := filepath.Join(t.TempDir(), "bad.safetensors")
	os.WriteFile(path, file(good, 11), 0o644)
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("Open: %v does not name %s", err, path)
	}
	os.WriteFile(path, file(good, 12), 0o644)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, _, err := f.Float32("nope"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("missing tensor: %v", err)
	}
}

func TestWriteErrors(t *testing.T) {
	cases := map[string]map[string]Tensor{
		"short data":    {"w": {F32, []int{2}, make([]byte, 7)}},
		"unknown dtype": {"w": {"F7", []int{1}, make([]byte, 1)}},
		"reserved name": {"__metadata__": FromFloat32([]int{1}, []float32{1})},
	}
	for name, ts := range cases {
		var b bytes.Buffer
		if err := Write(&b, ts, nil); err == nil || b.Len() != 0 {
			t.Errorf("%s: err %v, wrote %d bytes", name, err, b.Len())
		}
	}
}

// FuzzRead checks that no input makes the reader panic, that whatever it
// accepts it can convert, and that writing an accepted file back and
// reading it again gives the same tensors.
func FuzzRead(f *testing.F) {
	var b bytes.Buffer
	Write(&b, map[string]Tensor{
		"a": FromFloat32([]int{2}, []float32{1, 2}),
		"h": {F16, []int{1}, []byte{0, 0x3c}},
		"i": FromInt64([]int{1}, []int64{3}),
	}, map[string]string{"k": "v"})
	f.Add(b.Bytes())
	f.Add(file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 8))
	f.Add(file(`{"a":{"dtype":"BF16","shape":[],"data_offsets":[0,2]},"b":{"dtype":"BOOL","shape":[0],"data_offsets":[2,2]}}`, 2))
	f.Add(file(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}`, 0))
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, '{'})
	f.Fuzz(func(t *testing.T, in []byte) {
		sf, err := Read(bytes.NewReader(in), int64(len(in)))
		if err != nil {
			return
		}
		all := map[string]Tensor{}
		for _, n := range sf.Names() {
			tt, err := sf.Tensor(n)
			if err != nil {
				t.Fatalf("%s: listed but unreadable: %v", n, err)
			}
			if tt.DType.numeric() {
				if _, _, err := sf.Float32(n); err != nil {
					t.Fatalf("%s: %v", n, err)
				}
			}
			all[n] = tt
		}
		var out bytes.Buffer
		if err := Write(&out, all, sf.Metadata()); err != nil {
			return // e.g. a name that is not valid UTF-8
		}
		again, err := Read(bytes.NewReader(out.Bytes()), int64(out.Len()))
		if err != nil {
			t.Fatalf("rewritten file unreadable: %v", err)
		}
		for n, tt := range all {
			if got, err := again.Tensor(n); err != nil || !bytes.Equal(got.Data, tt.Data) || got.DType != tt.DType {
				t.Fatalf("%s changed on rewrite", n)
			}
		}
	})
}
