package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Tensor is one tensor's element type, shape and raw little-endian data in
// C (row-major) order.
type Tensor struct {
	DType DType
	Shape []int
	Data  []byte
}

// FromFloat32 makes an F32 tensor of the given shape holding v.
func FromFloat32(shape []int, v []float32) Tensor {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return Tensor{DType: F32, Shape: shape, Data: b}
}

// FromFloat64 makes an F64 tensor of the given shape holding v.
func FromFloat64(shape []int, v []float64) Tensor {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return Tensor{DType: F64, Shape: shape, Data: b}
}

// FromInt64 makes an I64 tensor of the given shape holding v.
func FromInt64(shape []int, v []int64) Tensor {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(x))
	}
	return Tensor{DType: I64, Shape: shape, Data: b}
}

// FromInt32 makes an I32 tensor of the given shape holding v.
func FromInt32(shape []int, v []int32) Tensor {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
	}
	return Tensor{DType: I32, Shape: shape, Data: b}
}

// Len is the number of elements: the product of the shape.
func (t Tensor) Len() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// check reports whether the data length matches dtype and shape.
func (t Tensor) check() error {
	sz := t.DType.Size()
	if sz == 0 {
		return fmt.Errorf("unknown dtype %q", t.DType)
	}
	n := 1
	for _, d := range t.Shape {
		if d < 0 {
			return fmt.Errorf("negative dimension in shape %v", t.Shape)
		}
		if d != 0 && n > math.MaxInt/sz/d {
			return fmt.Errorf("shape %v overflows", t.Shape)
		}
		n *= d
	}
	if len(t.Data) != n*sz {
		return fmt.Errorf("%s%v needs %d bytes of data, has %d", t.DType, t.Shape, n*sz, len(t.Data))
	}
	return nil
}

// Float32 converts the elements to float32.
func (t Tensor) Float32() ([]float32, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if !t.DType.numeric() {
		return nil, fmt.Errorf("dtype %s has no float32 conversion (read it with Tensor)", t.DType)
	}
	v := make([]float32, len(t.Data)/t.DType.Size())
	decode(v, t.DType, t.Data)
	return v, nil
}
