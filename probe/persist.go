package probe

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
)

// Format identifies the saved-detector document format and version.
const Format = "interloop.probe/v1"

// Meta is the provenance saved with a detector.
type Meta struct {
	Model     string `json:"model,omitempty"`      // model or checkpoint the activations came from
	Site      string `json:"site,omitempty"`       // hook site, e.g. "blocks.1.hook_resid_post"
	Data      string `json:"data,omitempty"`       // training data: dataset, split, labelling
	CreatedBy string `json:"created_by,omitempty"` // program, arm or person that fitted it
	Created   string `json:"created,omitempty"`    // RFC 3339 time of fitting
	Notes     string `json:"notes,omitempty"`
}

// Kinded is anything with a kind: every Detector and SeqDetector.
type Kinded interface{ Kind() string }

// Array is a saved tensor: the base64 (standard alphabet, padded) encoding of
// its elements as little-endian IEEE-754 values, row-major.
type Array struct {
	DType string `json:"dtype"` // "float64" or "float32"
	Shape []int  `json:"shape"`
	Data  string `json:"data"`
}

// document is the JSON form of one detector; members nest for composites.
type document struct {
	Format  string             `json:"format,omitempty"` // top level only
	Kind    string             `json:"kind"`
	Config  json.RawMessage    `json:"config,omitempty"`
	Meta    *Meta              `json:"meta,omitempty"` // top level only
	Scalars map[string]float64 `json:"scalars,omitempty"`
	Tensors map[string]Array   `json:"tensors,omitempty"`
	Members []*document        `json:"members,omitempty"`
}

// encoder is implemented by every persistable family.
type encoder interface {
	Kinded
	encode() (*document, error)
}

var decoders = map[string]func(*document) (Kinded, error){}

func register(kind string, dec func(*document) (Kinded, error)) { decoders[kind] = dec }

// Save writes d and its provenance as an indented JSON document (see the
// package documentation for the format).
func Save(w io.Writer, d Kinded, meta Meta) error {
	doc, err := encode(d)
	if err != nil {
		return fmt.Errorf("probe.Save: %w", err)
	}
	doc.Format, doc.Meta = Format, &meta
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("probe.Save: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func encode(d Kinded) (*document, error) {
	e, ok := d.(encoder)
	if !ok {
		return nil, fmt.Errorf("%w: %T (kind %q) is not a persistable probe family", ErrConfig, d, d.Kind())
	}
	doc, err := e.encode()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.Kind(), err)
	}
	doc.Kind = d.Kind()
	return doc, nil
}

// Load reads a document written by Save. Unknown fields are errors. The
// result is a Detector or a SeqDetector according to its kind.
func Load(r io.Reader) (Kinded, Meta, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var doc document
	if err := dec.Decode(&doc); err != nil {
		return nil, Meta{}, fmt.Errorf("probe.Load: %w", err)
	}
	if doc.Format != Format {
		return nil, Meta{}, fmt.Errorf("probe.Load: %w: format %q, want %q", ErrConfig, doc.Format, Format)
	}
	d, err := decode(&doc)
	if err != nil {
		return nil, Meta{}, fmt.Errorf("probe.Load: %w", err)
	}
	var meta Meta
	if doc.Meta != nil {
		meta = *doc.Meta
	}
	return d, meta, nil
}

// LoadDetector is Load for a per-row Detector.
func LoadDetector(r io.Reader) (Detector, Meta, error) {
	k, meta, err := Load(r)
	if err != nil {
		return nil, meta, err
	}
	d, ok := k.(Detector)
	if !ok {
		return nil, meta, fmt.Errorf("probe.LoadDetector: %w: kind %q is a sequence detector", ErrConfig, k.Kind())
	}
	return d, meta, nil
}

func decode(doc *document) (Kinded, error) {
	dec, ok := decoders[doc.Kind]
	if !ok {
		known := make([]string, 0, len(decoders))
		for k := range decoders {
			known = append(known, k)
		}
		sort.Strings(known)
		return nil, fmt.Errorf("%w: unknown kind %q (known: %v)", ErrConfig, doc.Kind, known)
	}
	d, err := dec(doc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", doc.Kind, err)
	}
	return d, nil
}

// decodeDetector decodes a member that must be a per-row Detector.
func decodeDetector(doc *document) (Detector, error) {
	k, err := decode(doc)
	if err != nil {
		return nil, err
	}
	d, ok := k.(Detector)
	if !ok {
		return nil, fmt.Errorf("%w: member kind %q is not a per-row detector", ErrConfig, doc.Kind)
	}
	return d, nil
}

// strictConfig decodes a config, rejecting unknown keys.
func strictConfig(raw json.RawMessage, cfg any) error {
	if len(raw) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cfg); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}

func rawConfig(cfg any) (json.RawMessage, error) { return json.Marshal(cfg) }

// f64Array encodes float64 values with the given shape.
func f64Array(v []float64, shape ...int) Array {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return Array{DType: "float64", Shape: shape, Data: base64.StdEncoding.EncodeToString(b)}
}

// f32Array encodes float32 values with the given shape.
func f32Array(v []float32, shape ...int) Array {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return Array{DType: "float32", Shape: shape, Data: base64.StdEncoding.EncodeToString(b)}
}

// values decodes an array of either dtype to float64, checking its shape.
func (a Array) values() ([]float64, error) {
	b, err := base64.StdEncoding.DecodeString(a.Data)
	if err != nil {
		return nil, fmt.Errorf("array data: %w", err)
	}
	size := 1
	for _, s := range a.Shape {
		if s < 0 {
			return nil, fmt.Errorf("%w: negative dimension in %v", ErrShape, a.Shape)
		}
		size *= s
	}
	var out []float64
	switch a.DType {
	case "float64":
		if len(b) != 8*size {
			return nil, fmt.Errorf("%w: %d bytes for float64 shape %v", ErrShape, len(b), a.Shape)
		}
		out = make([]float64, size)
		for i := range out {
			out[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
		}
	case "float32":
		if len(b) != 4*size {
			return nil, fmt.Errorf("%w: %d bytes for float32 shape %v", ErrShape, len(b), a.Shape)
		}
		out = make([]float64, size)
		for i := range out {
			out[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
		}
	default:
		return nil, fmt.Errorf("%w: dtype %q", ErrConfig, a.DType)
	}
	for i, v := range out {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%w: %v at element %d", ErrNonFinite, v, i)
		}
	}
	return out, nil
}

// tensor fetches a named array of the expected shape (−1 matches any size).
func (doc *document) tensor(name string, shape ...int) ([]float64, []int, error) {
	a, ok := doc.Tensors[name]
	if !ok {
		return nil, nil, fmt.Errorf("%w: missing tensor %q", ErrConfig, name)
	}
	if len(a.Shape) != len(shape) {
		return nil, nil, fmt.Errorf("%w: tensor %q has shape %v, want rank %d", ErrShape, name, a.Shape, len(shape))
	}
	for i, s := range shape {
		if s >= 0 && a.Shape[i] != s {
			return nil, nil, fmt.Errorf("%w: tensor %q has shape %v, want %v", ErrShape, name, a.Shape, shape)
		}
	}
	v, err := a.values()
	if err != nil {
		return nil, nil, fmt.Errorf("tensor %q: %w", name, err)
	}
	return v, a.Shape, nil
}

// scalar fetches a named finite scalar.
func (doc *document) scalar(name string) (float64, error) {
	v, ok := doc.Scalars[name]
	if !ok {
		return 0, fmt.Errorf("%w: missing scalar %q", ErrConfig, name)
	}
	return v, nil
}
