package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
)

// maxHeader is the reference implementation's limit on the header length.
const maxHeader = 100_000_000

// Error is the error every function in this package returns for a bad file
// or a bad request. File is empty for data read through [Read]; Tensor is
// empty when the problem is not one tensor's.
type Error struct {
	File   string
	Tensor string
	Err    error
}

func (e *Error) Error() string {
	s := "safetensors: "
	if e.File != "" {
		s += e.File + ": "
	}
	if e.Tensor != "" {
		s += fmt.Sprintf("tensor %q: ", e.Tensor)
	}
	return s + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// ErrNotFound is wrapped by the error for a tensor name the file lacks.
var ErrNotFound = errors.New("no such tensor")

// Info describes one tensor of a file.
type Info struct {
	DType DType
	Shape []int // [] for a scalar
	// Begin and End are the tensor's byte offsets in the data region.
	Begin, End int64
}

// Len is the number of elements: the product of the shape.
func (i Info) Len() int {
	n := 1
	for _, d := range i.Shape {
		n *= d
	}
	return n
}

// File is an opened safetensors file whose header has been validated.
// Its methods are safe for concurrent use when the underlying
// [io.ReaderAt] is (an *os.File is).
type File struct {
	name    string
	r       io.ReaderAt
	closer  io.Closer
	data    int64 // offset of the data region
	infos   map[string]Info
	names   []string // sorted
	meta    map[string]string
	hdrSize int64
}

// Open opens and validates the file at path. Close it when done.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, &Error{File: path, Err: err}
	}
	sf, err := read(path, f, st.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	sf.closer = f
	return sf, nil
}

// Read validates the safetensors data of the given size held by r.
// Tensor data is read from r on demand, so r must stay readable while the
// File is used.
func Read(r io.ReaderAt, size int64) (*File, error) { return read("", r, size) }

// Close closes the file opened by [Open]; it does nothing for [Read].
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	err := f.closer.Close()
	f.closer = nil
	return err
}

// Names lists the tensor names, sorted.
func (f *File) Names() []string { return slices.Clone(f.names) }

// Info describes the named tensor.
func (f *File) Info(name string) (Info, bool) {
	i, ok := f.infos[name]
	i.Shape = slices.Clone(i.Shape)
	return i, ok
}

// Metadata returns a copy of the header's "__metadata__" map (nil if none).
func (f *File) Metadata() map[string]string {
	if f.meta == nil {
		return nil
	}
	m := make(map[string]string, len(f.meta))
	for k, v := range f.meta {
		m[k] = v
	}
	return m
}

// Tensor reads the named tensor's raw bytes.
func (f *File) Tensor(name string) (Tensor, error) {
	i, ok := f.infos[name]
	if !ok {
		return Tensor{}, f.err(name, ErrNotFound)
	}
	b := make([]byte, i.End-i.Begin)
	if len(b) == 0 {
		return Tensor{DType: i.DType, Shape: slices.Clone(i.Shape), Data: b}, nil
	}
	if _, err := f.r.ReadAt(b, f.data+i.Begin); err != nil {
		return Tensor{}, f.err(name, fmt.Errorf("reading data: %w", err))
	}
	return Tensor{DType: i.DType, Shape: slices.Clone(i.Shape), Data: b}, nil
}

// Float32 reads the named tensor, converting its elements to float32, and
// returns them with the tensor's shape.
func (f *File) Float32(name string) ([]float32, []int, error) {
	t, err := f.Tensor(name)
	if err != nil {
		return nil, nil, err
	}
	v, err := t.Float32()
	if err != nil {
		return nil, nil, f.err(name, err)
	}
	return v, t.Shape, nil
}

func (f *File) err(tensor string, err error) error {
	return &Error{File: f.name, Tensor: tensor, Err: err}
}

// headerEntry is one tensor's header value.
type headerEntry struct {
	DType       DType    `json:"dtype"`
	Shape       []int64  `json:"shape"`
	DataOffsets []uint64 `json:"data_offsets"`
}

func read(name string, r io.ReaderAt, size int64) (*File, error) {
	fail := func(tensor string, format string, a ...any) error {
		return &Error{File: name, Tensor: tensor, Err: fmt.Errorf(format, a...)}
	}
	if size < 8 {
		return nil, fail("", "%d bytes: too short for the 8-byte header length", size)
	}
	var lenBuf [8]byte
	if _, err := r.ReadAt(lenBuf[:], 0); err != nil {
		return nil, fail("", "reading header length: %v", err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > maxHeader {
		return nil, fail("", "header length %d exceeds the limit of %d bytes", n, maxHeader)
	}
	if n > uint64(size-8) {
		return nil, fail("", "header length %d exceeds the %d bytes after the length (truncated file?)", n, size-8)
	}
	hdr := make([]byte, n)
	if _, err := r.ReadAt(hdr, 8); err != nil {
		return nil, fail("", "reading header: %v", err)
	}
	if len(bytes.TrimLeft(hdr, " ")) == 0 || bytes.TrimLeft(hdr, " ")[0] != '{' {
		return nil, fail("", "header is not a JSON object")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(hdr, &raw); err != nil {
		return nil, fail("", "header is not valid JSON: %v", err)
	}
	f := &File{name: name, r: r, data: 8 + int64(n), infos: make(map[string]Info, len(raw)), hdrSize: int64(n)}
	for k, v := range raw {
		if k == "__metadata__" {
			if err := json.Unmarshal(v, &f.meta); err != nil {
				return nil, fail("", "__metadata__ is not a map of strings: %v", err)
			}
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.DisallowUnknownFields()
		var e headerEntry
		if err := dec.Decode(&e); err != nil {
			return nil, fail(k, "bad header entry: %v", err)
		}
		if e.DType == "" || e.Shape == nil || len(e.DataOffsets) != 2 {
			return nil, fail(k, "header entry needs dtype, shape and two data_offsets")
		}
		sz := e.DType.Size()
		if sz == 0 {
			return nil, fail(k, "unknown dtype %q", e.DType)
		}
		// product(shape) × size, checked for overflow against the file size.
		nbytes := uint64(sz)
		shape := make([]int, len(e.Shape))
		for i, d := range e.Shape {
			if d < 0 {
				return nil, fail(k, "negative dimension %d in shape %v", d, e.Shape)
			}
			shape[i] = int(d)
			if d != 0 && nbytes > math.MaxInt64/uint64(d) {
				return nil, fail(k, "shape %v overflows", e.Shape)
			}
			nbytes *= uint64(d)
		}
		b, end := e.DataOffsets[0], e.DataOffsets[1]
		if end < b || end-b != nbytes {
			return nil, fail(k, "data_offsets %v span %d bytes, but %s%v needs %d", e.DataOffsets, int64(end-b), e.DType, e.Shape, nbytes)
		}
		if end > uint64(size) {
			return nil, fail(k, "data_offsets %v lie past the end of the file", e.DataOffsets)
		}
		f.infos[k] = Info{DType: e.DType, Shape: shape, Begin: int64(b), End: int64(end)}
		f.names = append(f.names, k)
	}
	sort.Strings(f.names)
	// The tensors must tile the data region: sorted by offset, no gaps, no
	// overlaps, ending at the end of the file.
	order := slices.Clone(f.names)
	sort.SliceStable(order, func(i, j int) bool {
		a, b := f.infos[order[i]], f.infos[order[j]]
		if a.Begin != b.Begin {
			return a.Begin < b.Begin
		}
		return a.End < b.End
	})
	var at int64
	for _, k := range order {
		i := f.infos[k]
		if i.Begin != at {
			return nil, fail(k, "data_offsets [%d %d] do not start where the previous tensor ended (%d)", i.Begin, i.End, at)
		}
		at = i.End
	}
	if want := size - f.data; at != want {
		return nil, fail("", "tensors cover %d bytes of data, the file holds %d (truncated or padded file?)", at, want)
	}
	return f, nil
}
