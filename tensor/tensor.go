package tensor

import (
	"fmt"
	"strings"

	"interloop/rng"
)

// Float is the element type of a tensor: float32 for training, float64 for
// reference checks (finite differences, parity with float64 references).
type Float interface{ ~float32 | ~float64 }

// MaxRank is the largest rank a tensor may have. Shapes are stored inline so
// that tensors recycled by an arena never allocate a shape slice.
const MaxRank = 6

// Tensor is a dense, contiguous, row-major array. Data holds exactly Len()
// elements; the element at index (i0, …, ik) is at offset Σ ij·strideJ where
// the stride of the last axis is 1. There are no strided views: Reshape shares
// Data, everything else (transpose, slice) copies.
type Tensor[T Float] struct {
	shape [MaxRank]int
	rank  int
	Data  []T
}

// New returns a zero-filled tensor of the given shape.
func New[T Float](shape ...int) *Tensor[T] {
	t := &Tensor[T]{}
	t.setShape(shape)
	t.Data = make([]T, t.Len())
	return t
}

// FromData wraps data (not copied) as a tensor of the given shape. It panics
// if the sizes disagree: that is a programming error at the call site.
func FromData[T Float](data []T, shape ...int) *Tensor[T] {
	t := &Tensor[T]{}
	t.setShape(shape)
	if t.Len() != len(data) {
		panic(fmt.Sprintf("tensor: FromData: %d elements for shape %v", len(data), shape))
	}
	t.Data = data
	return t
}

// Scalar returns a rank-0 tensor holding v.
func Scalar[T Float](v T) *Tensor[T] { return FromData([]T{v}) }

func (t *Tensor[T]) setShape(shape []int) {
	if len(shape) > MaxRank {
		panic(fmt.Sprintf("tensor: rank %d exceeds MaxRank %d", len(shape), MaxRank))
	}
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("tensor: negative dimension in shape %v", shapeCopy(shape)))
		}
	}
	t.rank = copy(t.shape[:], shape)
	for i := t.rank; i < MaxRank; i++ {
		t.shape[i] = 0
	}
}

// SetShape changes the tensor's shape in place, reusing Data when its capacity
// suffices (contents are then unspecified) and reallocating otherwise.
func (t *Tensor[T]) SetShape(shape ...int) {
	t.setShape(shape)
	n := t.Len()
	if cap(t.Data) >= n {
		t.Data = t.Data[:n]
	} else {
		t.Data = make([]T, n)
	}
}

// Shape returns the dimensions. The slice aliases the tensor; do not modify it.
func (t *Tensor[T]) Shape() []int { return t.shape[:t.rank] }

// Rank is the number of axes.
func (t *Tensor[T]) Rank() int { return t.rank }

// Dim returns the size of axis i; negative i counts from the end.
func (t *Tensor[T]) Dim(i int) int {
	if i < 0 {
		i += t.rank
	}
	return t.shape[i]
}

// Len is the number of elements (1 for a scalar).
func (t *Tensor[T]) Len() int { return Size(t.shape[:t.rank]) }

// Size is the number of elements of a shape.
func Size(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// SameShape reports whether a and b have identical shapes.
func SameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Strides returns the row-major strides of shape into dst (len(shape)).
func Strides(shape []int, dst []int) []int {
	dst = dst[:len(shape)]
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		dst[i] = s
		s *= shape[i]
	}
	return dst
}

// Offset returns the flat index of the element at idx.
func (t *Tensor[T]) Offset(idx ...int) int {
	if len(idx) != t.rank {
		panic(fmt.Sprintf("tensor: index %v for shape %v", idx, t.Shape()))
	}
	off := 0
	for i, v := range idx {
		if v < 0 || v >= t.shape[i] {
			panic(fmt.Sprintf("tensor: index %v out of range for shape %v", idx, t.Shape()))
		}
		off = off*t.shape[i] + v
	}
	return off
}

// At returns the element at idx.
func (t *Tensor[T]) At(idx ...int) T { return t.Data[t.Offset(idx...)] }

// Set stores v at idx.
func (t *Tensor[T]) Set(v T, idx ...int) { t.Data[t.Offset(idx...)] = v }

// Item returns the single element of a one-element tensor.
func (t *Tensor[T]) Item() T {
	if len(t.Data) != 1 {
		panic(fmt.Sprintf("tensor: Item on shape %v", t.Shape()))
	}
	return t.Data[0]
}

// Clone returns a deep copy.
func (t *Tensor[T]) Clone() *Tensor[T] {
	c := &Tensor[T]{shape: t.shape, rank: t.rank, Data: make([]T, len(t.Data))}
	copy(c.Data, t.Data)
	return c
}

// CopyFrom copies src's elements into t; the shapes must match.
func (t *Tensor[T]) CopyFrom(src *Tensor[T]) {
	if !SameShape(t.Shape(), src.Shape()) {
		panic(fmt.Sprintf("tensor: CopyFrom shape %v into %v", src.Shape(), t.Shape()))
	}
	copy(t.Data, src.Data)
}

// Zero sets every element to zero.
func (t *Tensor[T]) Zero() { clear(t.Data) }

// Fill sets every element to v.
func (t *Tensor[T]) Fill(v T) {
	for i := range t.Data {
		t.Data[i] = v
	}
}

// Reshape returns a tensor sharing t's data with a new shape of the same size.
// One dimension may be -1 and is inferred.
func (t *Tensor[T]) Reshape(shape ...int) *Tensor[T] {
	r := &Tensor[T]{Data: t.Data}
	r.setShape(ResolveShape(t.Len(), shape))
	return r
}

// ResolveShape fills in a single -1 dimension so that the shape has n
// elements, panicking when impossible.
func ResolveShape(n int, shape []int) []int {
	infer, known := -1, 1
	for i, d := range shape {
		if d == -1 {
			if infer >= 0 {
				panic("tensor: more than one -1 in shape")
			}
			infer = i
			continue
		}
		known *= d
	}
	if infer >= 0 {
		if known == 0 || n%known != 0 {
			panic(fmt.Sprintf("tensor: cannot reshape %d elements to %v", n, shape))
		}
		out := make([]int, len(shape))
		copy(out, shape)
		out[infer] = n / known
		return out
	}
	if known != n {
		panic(fmt.Sprintf("tensor: cannot reshape %d elements to %v", n, shape))
	}
	return shape
}

// To converts a tensor to another element type.
func To[U, T Float](t *Tensor[T]) *Tensor[U] {
	out := &Tensor[U]{shape: t.shape, rank: t.rank, Data: make([]U, len(t.Data))}
	for i, v := range t.Data {
		out.Data[i] = U(v)
	}
	return out
}

// Randn returns a tensor of standard normal values scaled by std.
func Randn[T Float](r *rng.PCG, std float64, shape ...int) *Tensor[T] {
	t := New[T](shape...)
	for i := range t.Data {
		t.Data[i] = T(r.Normal() * std)
	}
	return t
}

// Rand returns a tensor of uniform values in [lo, hi).
func Rand[T Float](r *rng.PCG, lo, hi float64, shape ...int) *Tensor[T] {
	t := New[T](shape...)
	for i := range t.Data {
		t.Data[i] = T(r.Uniform(lo, hi))
	}
	return t
}

// String formats small tensors fully and large ones by shape.
func (t *Tensor[T]) String() string {
	if t.Len() > 64 {
		return fmt.Sprintf("Tensor%v", t.Shape())
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Tensor%v%v", t.Shape(), t.Data)
	return b.String()
}

// Assign makes t a header over data with the given shape, without copying or
// allocating; len(data) must equal the shape's size.
func (t *Tensor[T]) Assign(data []T, shape ...int) {
	t.setShape(shape)
	if t.Len() != len(data) {
		panic(fmt.Sprintf("tensor: Assign of %d elements to shape %v", len(data), shapeCopy(shape)))
	}
	t.Data = data
}

func shapeCopy(s []int) []int { return append([]int(nil), s...) }
