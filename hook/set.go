package hook

import (
	"interloop/engine"
	"interloop/tensor"
)

// Set holds the hooks for one forward call and what they recorded: the
// captured nodes and how often each hook fired. Build one with NewSet, pass
// it to Forward, read Captured/Node after the call (and their Grad after
// Backward), then drop it or Reset it for the next call.
//
// A nil *Set is valid everywhere and means "no hooks": At returns its input
// unchanged without allocating. Recorded nodes belong to the tape and become
// invalid at the tape's next Reset; Clone what must outlive it.
//
// Hooks at the same site run in the order given to NewSet, each seeing the
// previous one's output; a Capture placed after a Replace records the
// replaced value. A Set is not safe for concurrent use.
type Set[T tensor.Float] struct {
	hooks []Hook[T]
	nodes []*engine.Node[T]
	fired []int
	err   error
}

// NewSet returns a set holding copies of hooks.
func NewSet[T tensor.Float](hooks ...Hook[T]) *Set[T] {
	return &Set[T]{
		hooks: append([]Hook[T](nil), hooks...),
		nodes: make([]*engine.Node[T], len(hooks)),
		fired: make([]int, len(hooks)),
	}
}

// At applies every hook registered for site to x, in order, and returns the
// result; with no such hook (or a nil set) it returns x itself. Models call
//
//	x = hooks.At(tp, hook.Block(i, hook.ResidPost), x)
//
// at each of their sites. A hook that does not fit x's shape is skipped and
// its error is kept for Err. Once the tape has an error, At does nothing.
func (s *Set[T]) At(tp *engine.Tape[T], site Site, x *engine.Node[T]) *engine.Node[T] {
	if s == nil || tp.Err() != nil {
		return x
	}
	for i := range s.hooks {
		h := &s.hooks[i]
		if h.Site != site {
			continue
		}
		y, err := h.apply(tp, x)
		if err != nil {
			if s.err == nil {
				s.err = err
			}
			continue
		}
		x = y
		s.nodes[i] = x
		s.fired[i]++
	}
	return x
}

// Len is the number of hooks.
func (s *Set[T]) Len() int {
	if s == nil {
		return 0
	}
	return len(s.hooks)
}

// Hook returns the i-th hook (in NewSet order).
func (s *Set[T]) Hook(i int) Hook[T] { return s.hooks[i] }

// Node returns the output of the i-th hook at its last firing (for a
// Capture, the captured activation), or nil if it has not fired.
func (s *Set[T]) Node(i int) *engine.Node[T] { return s.nodes[i] }

// Fired returns how many times the i-th hook fired since NewSet or Reset.
func (s *Set[T]) Fired(i int) int { return s.fired[i] }

// Captured returns the node recorded by the first Capture hook at site, or
// nil if there is none or it has not fired.
func (s *Set[T]) Captured(site Site) *engine.Node[T] {
	if s == nil {
		return nil
	}
	for i := range s.hooks {
		if h := &s.hooks[i]; h.Site == site && h.Verb == Capture {
			return s.nodes[i]
		}
	}
	return nil
}

// Err returns the first error from a hook that could not be applied.
func (s *Set[T]) Err() error {
	if s == nil {
		return nil
	}
	return s.err
}

// Reset forgets recorded nodes, counts and errors, keeping the hooks, so one
// Set can serve many training steps without allocating.
func (s *Set[T]) Reset() {
	if s == nil {
		return
	}
	clear(s.nodes)
	clear(s.fired)
	s.err = nil
}
