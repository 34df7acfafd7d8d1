package safetensors

import (
	"encoding/binary"
	"math"
)

// DType names an element type as the header spells it.
type DType string

// The element types this package knows. Float32 converts the numeric ones;
// the 8-bit floats, BOOL and C64 can be read only as raw bytes.
const (
	BOOL       DType = "BOOL"
	U8         DType = "U8"
	I8         DType = "I8"
	F8E5M2     DType = "F8_E5M2"
	F8E4M3     DType = "F8_E4M3"
	F8E8M0     DType = "F8_E8M0"
	F8E4M3FNUZ DType = "F8_E4M3FNUZ"
	F8E5M2FNUZ DType = "F8_E5M2FNUZ"
	I16        DType = "I16"
	U16        DType = "U16"
	F16        DType = "F16"
	BF16       DType = "BF16"
	I32        DType = "I32"
	U32        DType = "U32"
	F32        DType = "F32"
	C64        DType = "C64"
	F64        DType = "F64"
	I64        DType = "I64"
	U64        DType = "U64"
)

// dtypes lists the known types in the reference implementation's enum order
// (increasing alignment); Write orders tensors by the reverse of it.
var dtypes = []struct {
	t    DType
	size int
}{
	{BOOL, 1}, {U8, 1}, {I8, 1}, {F8E5M2, 1}, {F8E4M3, 1}, {F8E8M0, 1},
	{F8E4M3FNUZ, 1}, {F8E5M2FNUZ, 1}, {I16, 2}, {U16, 2}, {F16, 2}, {BF16, 2},
	{I32, 4}, {U32, 4}, {F32, 4}, {C64, 8}, {F64, 8}, {I64, 8}, {U64, 8},
}

// Size is the number of bytes of one element, or 0 for an unknown type.
func (d DType) Size() int {
	for _, e := range dtypes {
		if e.t == d {
			return e.size
		}
	}
	return 0
}

// rank is d's position in the reference enum order, -1 if unknown.
func (d DType) rank() int {
	for i, e := range dtypes {
		if e.t == d {
			return i
		}
	}
	return -1
}

// numeric reports whether Float32 can convert d.
func (d DType) numeric() bool {
	switch d {
	case U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64:
		return true
	}
	return false
}

// decode converts little-endian elements of type d in b to float32 in dst;
// len(b) = len(dst) × d.Size().
func decode(dst []float32, d DType, b []byte) {
	le := binary.LittleEndian
	for i := range dst {
		switch d {
		case U8:
			dst[i] = float32(b[i])
		case I8:
			dst[i] = float32(int8(b[i]))
		case I16:
			dst[i] = float32(int16(le.Uint16(b[2*i:])))
		case U16:
			dst[i] = float32(le.Uint16(b[2*i:]))
		case F16:
			dst[i] = HalfToFloat32(le.Uint16(b[2*i:]))
		case BF16:
			dst[i] = math.Float32frombits(uint32(le.Uint16(b[2*i:])) << 16)
		case I32:
			dst[i] = float32(int32(le.Uint32(b[4*i:])))
		case U32:
			dst[i] = float32(le.Uint32(b[4*i:]))
		case F32:
			dst[i] = math.Float32frombits(le.Uint32(b[4*i:]))
		case F64:
			dst[i] = float32(math.Float64frombits(le.Uint64(b[8*i:])))
		case I64:
			dst[i] = float32(int64(le.Uint64(b[8*i:])))
		case U64:
			dst[i] = float32(le.Uint64(b[8*i:]))
		}
	}
}

// HalfToFloat32 converts an IEEE 754 binary16 value to float32 exactly,
// subnormals, infinities and NaNs included.
func HalfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN: keep the payload's top bits
		return math.Float32frombits(sign | 0x7f800000 | frac<<13)
	case exp != 0: // normal: rebias 15 → 127
		return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
	case frac == 0:
		return math.Float32frombits(sign)
	}
	// Subnormal half: frac × 2⁻²⁴, normal as a float32.
	e := uint32(113)
	for frac&0x400 == 0 {
		frac <<= 1
		e--
	}
	return math.Float32frombits(sign | e<<23 | (frac&0x3ff)<<13)
}
