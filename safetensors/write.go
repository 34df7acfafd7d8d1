package safetensors

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"unicode/utf8"
)

// Write writes tensors and metadata (nil for none) to w in the canonical
// layout described in the package documentation. A tensor named
// "__metadata__" or whose data disagrees with its dtype and shape is an
// error, and nothing is written.
func Write(w io.Writer, tensors map[string]Tensor, metadata map[string]string) error {
	hdr, order, err := header(tensors, metadata)
	if err != nil {
		return err
	}
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(hdr)))
	if _, err := w.Write(n[:]); err != nil {
		return &Error{Err: err}
	}
	if _, err := w.Write(hdr); err != nil {
		return &Error{Err: err}
	}
	for _, name := range order {
		if _, err := w.Write(tensors[name].Data); err != nil {
			return &Error{Tensor: name, Err: err}
		}
	}
	return nil
}

// WriteFile writes the file at path through a temporary file in the same
// directory that is synced and renamed into place, so the name holds either
// the old content or the complete new one.
func WriteFile(path string, tensors map[string]Tensor, metadata map[string]string) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return &Error{File: path, Err: err}
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if err := Write(bw, tensors, metadata); err != nil {
		if e, ok := err.(*Error); ok {
			e.File = path
		}
		return err
	}
	if err := bw.Flush(); err != nil {
		return &Error{File: path, Err: err}
	}
	if err := tmp.Sync(); err != nil {
		return &Error{File: path, Err: err}
	}
	if err := tmp.Close(); err != nil {
		return &Error{File: path, Err: err}
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return &Error{File: path, Err: err}
	}
	return nil
}

// header builds the padded JSON header and the order of the data: by dtype
// rank descending (the largest alignment first), then by name, as the
// reference implementation's serialize does.
func header(tensors map[string]Tensor, metadata map[string]string) ([]byte, []string, error) {
	order := make([]string, 0, len(tensors))
	for name, t := range tensors {
		if name == "__metadata__" {
			return nil, nil, &Error{Tensor: name, Err: fmt.Errorf("the name is reserved for metadata")}
		}
		if err := t.check(); err != nil {
			return nil, nil, &Error{Tensor: name, Err: err}
		}
		if !utf8.ValidString(name) {
			return nil, nil, &Error{Tensor: name, Err: fmt.Errorf("name is not valid UTF-8")}
		}
		order = append(order, name)
	}
	sort.Slice(order, func(i, j int) bool {
		ri, rj := tensors[order[i]].DType.rank(), tensors[order[j]].DType.rank()
		if ri != rj {
			return ri > rj
		}
		return order[i] < order[j]
	})
	var b bytes.Buffer
	b.WriteByte('{')
	if metadata != nil {
		keys := make([]string, 0, len(metadata))
		for k, v := range metadata {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return nil, nil, &Error{Err: fmt.Errorf("metadata %q: not valid UTF-8", k)}
			}
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString(`"__metadata__":{`)
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			quote(&b, k)
			b.WriteByte(':')
			quote(&b, metadata[k])
		}
		b.WriteByte('}')
	}
	var off int
	for i, name := range order {
		t := tensors[name]
		if i > 0 || metadata != nil {
			b.WriteByte(',')
		}
		quote(&b, name)
		b.WriteString(`:{"dtype":`)
		quote(&b, string(t.DType))
		b.WriteString(`,"shape":[`)
		for j, d := range t.Shape {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(d))
		}
		b.WriteString(`],"data_offsets":[`)
		b.WriteString(strconv.Itoa(off))
		b.WriteByte(',')
		off += len(t.Data)
		b.WriteString(strconv.Itoa(off))
		b.WriteString("]}")
	}
	b.WriteByte('}')
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	return b.Bytes(), order, nil
}

// quote writes s as a JSON string escaped as serde_json (the reference
// implementation's encoder) escapes it: quote, backslash and control
// characters only, \u00XX in lower-case hex for those without a short form.
func quote(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 {
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
}
