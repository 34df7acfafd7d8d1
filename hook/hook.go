package hook

import (
	"fmt"
	"math"

	"interloop/engine"
	"interloop/tensor"
)

// Verb is what a hook does at its site.
type Verb uint8

// The verbs. Every intervention is written as out = x + δ(x); see Hook.
const (
	Capture    Verb = iota // read: record the node (δ = 0, out is x itself)
	Replace                // δ = v − x: out = v broadcast to the site's shape
	Add                    // δ = v: steering
	ProjectOut             // δ = −(x·Q)·Qᵀ: remove the components along Q's columns
)

var verbNames = [...]string{"Capture", "Replace", "Add", "ProjectOut"}

func (v Verb) String() string {
	if int(v) < len(verbNames) {
		return verbNames[v]
	}
	return fmt.Sprintf("Verb(%d)", v)
}

// Hook is one intervention at one site: plain data, built by the
// constructors below and handed to NewSet. Hooks are never attached to a
// model.
//
// Detached selects the straight-through form out = x + stopgrad(δ(x)): the
// forward value is the intervened one, but the backward pass treats the hook
// as the identity, so ∂L/∂x equals ∂L/∂out. Without it the gradient follows
// the intervention: a Replace passes no gradient to x and a ProjectOut
// passes (I − QQᵀ)·∂L/∂out. For Add the two are the same (v is a constant).
type Hook[T tensor.Float] struct {
	Site     Site
	Verb     Verb
	Value    *tensor.Tensor[T] // Replace, Add: must broadcast to the site's shape; not copied
	Dirs     *tensor.Tensor[T] // ProjectOut: [d, k] with orthonormal columns
	Detached bool
}

// CaptureAt records the activation at s. After the forward pass
// Set.Captured(s).Value is the activation and, after Backward, .Grad is the
// gradient of the loss with respect to it (nil if no gradient reached it).
func CaptureAt[T tensor.Float](s Site) Hook[T] { return Hook[T]{Site: s, Verb: Capture} }

// ReplaceAt replaces the activation at s by v, broadcast to the site's shape
// (a zero tensor of shape [d] zero-ablates every position). v is read during
// the forward pass and must not change until Backward. The replaced value
// takes part in the backward pass (a Capture placed after the Replace reads
// ∂L/∂activation there), but v itself is never written.
func ReplaceAt[T tensor.Float](s Site, v *tensor.Tensor[T]) Hook[T] {
	return Hook[T]{Site: s, Verb: Replace, Value: v}
}

// AddAt adds v (broadcast, typically a [d] steering vector) at s.
func AddAt[T tensor.Float](s Site, v *tensor.Tensor[T]) Hook[T] {
	return Hook[T]{Site: s, Verb: Add, Value: v}
}

// ProjectOutAt removes the components of the activation at s along the
// directions q: x ← x − (x·Q)·Qᵀ on the last axis. q is [d] (one direction)
// or [d, k] (k directions as columns); it need not be orthonormal: the
// constructor orthonormalises a copy (modified Gram–Schmidt in float64) so
// that the result is the projection onto the orthogonal complement of q's
// column span. It fails when q is empty or its columns are linearly
// dependent.
func ProjectOutAt[T tensor.Float](s Site, q *tensor.Tensor[T]) (Hook[T], error) {
	var d, k int
	switch q.Rank() {
	case 1:
		d, k = q.Dim(0), 1
	case 2:
		d, k = q.Dim(0), q.Dim(1)
	default:
		return Hook[T]{}, fmt.Errorf("hook: ProjectOut at %s: directions must be [d] or [d, k], got %v", s.Name(), q.Shape())
	}
	if d == 0 || k == 0 || k > d {
		return Hook[T]{}, fmt.Errorf("hook: ProjectOut at %s: need 1 ≤ k ≤ d directions, got shape %v", s.Name(), q.Shape())
	}
	cols := make([][]float64, k)
	for j := range cols {
		c := make([]float64, d)
		for i := range c {
			c[i] = float64(q.Data[i*k+j])
		}
		norm0 := l2(c)
		for _, prev := range cols[:j] {
			dot := 0.0
			for i := range c {
				dot += c[i] * prev[i]
			}
			for i := range c {
				c[i] -= dot * prev[i]
			}
		}
		n := l2(c)
		if !(n > 1e-6*norm0) || norm0 == 0 {
			return Hook[T]{}, fmt.Errorf("hook: ProjectOut at %s: direction %d is zero or linearly dependent on the earlier ones", s.Name(), j)
		}
		for i := range c {
			c[i] /= n
		}
		cols[j] = c
	}
	Q := tensor.New[T](d, k)
	for j, c := range cols {
		for i, v := range c {
			Q.Data[i*k+j] = T(v)
		}
	}
	return Hook[T]{Site: s, Verb: ProjectOut, Dirs: Q}, nil
}

func l2(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

// Detach returns a copy of h in straight-through form (see Hook).
func (h Hook[T]) Detach() Hook[T] {
	h.Detached = true
	return h
}

// apply records h's intervention on x. It returns the new node and an error
// when h cannot apply to x's shape (the tape is left untouched then).
func (h *Hook[T]) apply(tp *engine.Tape[T], x *engine.Node[T]) (*engine.Node[T], error) {
	switch h.Verb {
	case Capture:
		return x, nil
	case Replace, Add:
		if h.Value == nil {
			return x, fmt.Errorf("hook: %v at %s: nil Value", h.Verb, h.Site.Name())
		}
		var buf [tensor.MaxRank]int
		out, err := tensor.BroadcastShape(x.Shape(), h.Value.Shape(), buf[:])
		if err != nil || !tensor.SameShape(out, x.Shape()) {
			return x, fmt.Errorf("hook: %v at %s: value shape %v does not broadcast to the site's shape %v",
				h.Verb, h.Site.Name(), h.Value.Shape(), x.Shape())
		}
		if h.Verb == Add {
			return tp.Add(x, tp.Const(h.Value)), nil // x + v [x's shape]
		}
		// v is an Input leaf so that gradients reach the replaced value: a
		// Capture after a Replace reads ∂L/∂v (attribution patching).
		v := tp.Input(h.Value)
		if h.Detached {
			// (x − stopgrad(x)) + v: value exactly v, gradient identity to x.
			return tp.Add(tp.Sub(x, tp.Detach(x)), v), nil
		}
		if tensor.SameShape(h.Value.Shape(), x.Shape()) {
			return v, nil
		}
		// stopgrad(x − x) + v: zeros of x's shape broadcast-added to v.
		return tp.Add(tp.Detach(tp.Sub(x, x)), v), nil
	case ProjectOut:
		if h.Dirs == nil || h.Dirs.Rank() != 2 {
			return x, fmt.Errorf("hook: ProjectOut at %s: Dirs must be [d, k] (use ProjectOutAt)", h.Site.Name())
		}
		xs := x.Shape()
		if len(xs) == 0 || xs[len(xs)-1] != h.Dirs.Dim(0) {
			return x, fmt.Errorf("hook: ProjectOut at %s: directions of size %d for site shape %v", h.Site.Name(), h.Dirs.Dim(0), xs)
		}
		xm := x
		if len(xs) == 1 {
			xm = tp.Reshape(x, 1, xs[0]) // [1, d]
		}
		q := tp.Const(h.Dirs)                    // [d, k]
		coef := tp.MatMul(xm, q)                 // [..., k]
		proj := tp.MatMulT(coef, q, false, true) // [..., d]
		if len(xs) == 1 {
			proj = tp.Reshape(proj, xs[0])
		}
		if h.Detached {
			proj = tp.Detach(proj)
		}
		return tp.Sub(x, proj), nil // x − (x·Q)Qᵀ
	}
	return x, fmt.Errorf("hook: unknown verb %v at %s", h.Verb, h.Site.Name())
}
