package engine

import "interloop/tensor"

// arena recycles tensors by allocation order: the k-th request after a reset
// gets the k-th tensor of the previous step, grown if needed. A training step
// that repeats the same ops with the same shapes therefore reuses exactly the
// same buffers and allocates nothing.
type arena[T Float] struct {
	bufs []*tensor.Tensor[T]
	next int
}

func (a *arena[T]) reset() { a.next = 0 }

func (a *arena[T]) get(zero bool, shape []int) *tensor.Tensor[T] {
	if a.next == len(a.bufs) {
		a.bufs = append(a.bufs, &tensor.Tensor[T]{})
	}
	t := a.bufs[a.next]
	a.next++
	grew := cap(t.Data) < tensor.Size(shape)
	t.SetShape(shape...)
	if zero && !grew {
		clear(t.Data)
	}
	return t
}

// intArena does the same for integer data (targets, gather indices).
type intArena struct {
	bufs [][]int
	next int
}

func (a *intArena) reset() { a.next = 0 }

// get returns a recycled int slice of length n (contents unspecified).
func (a *intArena) get(n int) []int {
	if a.next == len(a.bufs) {
		a.bufs = append(a.bufs, nil)
	}
	b := a.bufs[a.next]
	if cap(b) < n {
		b = make([]int, n)
	}
	b = b[:n]
	a.bufs[a.next] = b
	a.next++
	return b
}

func (a *intArena) copyOf(src []int) []int {
	b := a.get(len(src))
	copy(b, src)
	return b
}

// headers recycles tensor headers that alias other tensors' data (reshapes).
type headers[T Float] struct {
	bufs []*tensor.Tensor[T]
	next int
}

func (h *headers[T]) reset() { h.next = 0 }

func (h *headers[T]) view(data []T, shape []int) *tensor.Tensor[T] {
	if h.next == len(h.bufs) {
		h.bufs = append(h.bufs, &tensor.Tensor[T]{})
	}
	t := h.bufs[h.next]
	h.next++
	t.Assign(data, shape...)
	return t
}
