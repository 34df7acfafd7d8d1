package engine

import (
	"errors"
	"fmt"
	"unsafe"

	"interloop/tensor"
)

// Float is the element type the engine computes in.
type Float = tensor.Float

// Param is a trainable tensor with its gradient accumulator. Backward adds
// into Grad (it is never reset implicitly, like PyTorch's .grad); an
// optimizer step reads Grad, and ZeroGrad clears it. Between Backward and the
// optimizer step Grad may be read or rewritten freely (gradient surgery).
type Param[T Float] struct {
	Name  string
	Value *tensor.Tensor[T]
	Grad  *tensor.Tensor[T]
}

// NewParam wraps value as a parameter with a zeroed gradient of the same shape.
func NewParam[T Float](name string, value *tensor.Tensor[T]) *Param[T] {
	return &Param[T]{Name: name, Value: value, Grad: tensor.New[T](value.Shape()...)}
}

// ZeroGrad clears the accumulated gradient.
func (p *Param[T]) ZeroGrad() { p.Grad.Zero() }

// Node is one value in a tape's graph: a leaf (constant, parameter or input)
// or the result of an op. Value is valid until the tape's next Reset. Grad is
// nil until Backward reaches the node; for parameter leaves it is the
// parameter's own Grad tensor.
type Node[T Float] struct {
	Value *tensor.Tensor[T]
	Grad  *tensor.Tensor[T]

	op           op[T]
	in           [3]*Node[T]
	saved        [2]*tensor.Tensor[T] // tensors an op keeps for its backward
	ints         [4]int               // op arguments (axes, sizes)
	f            [2]float64           // op scalar arguments
	idx          []int                // integer data (targets, indices), tape-owned copy
	param        *Param[T]
	requiresGrad bool
	id           int
	uses         int32 // how many op inputs refer to this node
}

// RequiresGrad reports whether gradients flow to this node.
func (n *Node[T]) RequiresGrad() bool { return n.requiresGrad }

// Shape is shorthand for n.Value.Shape().
func (n *Node[T]) Shape() []int { return n.Value.Shape() }

// op is one differentiable operation. Ops are stateless values (zero-size
// structs), so storing one in a node never allocates; everything an op needs
// for its backward lives in the node's fields.
type op[T Float] interface {
	name() string
	backward(tp *Tape[T], n *Node[T])
}

// Tape records a computation for reverse-mode differentiation. Build the
// forward pass by calling its op methods, call Backward, read gradients, then
// Reset before the next step. After warm-up (the same sequence of ops and
// shapes each step), a Reset tape recycles every node and buffer, so a
// training step allocates nothing.
//
// Errors are sticky: an op given bad shapes records an error naming the op
// and shapes, returns a placeholder node, and every later op on the tape is a
// no-op; Err and Backward report the first error. So model code can be
// written without error checks and checked once.
//
// A Tape is not safe for concurrent use.
type Tape[T Float] struct {
	nodes []*Node[T]
	n     int
	vals  arena[T]
	views headers[T]
	ints  intArena
	err   error
	dead  *Node[T]

	// NoGrad, when set, records no graph: ops compute values only and no
	// node requires a gradient (inference, audits).
	NoGrad bool
}

// NewTape returns an empty tape.
func NewTape[T Float]() *Tape[T] { return &Tape[T]{} }

// Reset forgets the recorded graph and recycles its buffers: every Node and
// Value from before the call becomes invalid. Parameter tensors are untouched.
func (tp *Tape[T]) Reset() {
	for i := 0; i < tp.n; i++ {
		nd := tp.nodes[i]
		*nd = Node[T]{}
	}
	tp.n = 0
	tp.vals.reset()
	tp.views.reset()
	tp.ints.reset()
	tp.err = nil
}

// Err returns the first error recorded since the last Reset.
func (tp *Tape[T]) Err() error { return tp.err }

// Len is the number of nodes recorded since the last Reset.
func (tp *Tape[T]) Len() int { return tp.n }

// Fail records err on the tape as if an op had failed: it becomes Err's
// and Backward's result (unless an earlier error is already recorded), every
// later op is a no-op, and the returned placeholder node may be used like
// any op result. Model code uses it to report its own errors (a bad input
// shape, a config mismatch) without checking at every call:
//
//	if len(x.Shape()) != 3 {
//		return tp.Fail(fmt.Errorf("block: want [B, T, D], got %v", x.Shape()))
//	}
//
// A nil err records an error saying so.
func (tp *Tape[T]) Fail(err error) *Node[T] {
	if err == nil {
		err = errors.New("engine: Fail called with a nil error")
	}
	if tp.err == nil {
		tp.err = err
	}
	return tp.deadNode()
}

func (tp *Tape[T]) fail(format string, args ...any) *Node[T] {
	if tp.err == nil {
		tp.err = fmt.Errorf(format, args...)
	}
	return tp.deadNode()
}

func (tp *Tape[T]) deadNode() *Node[T] {
	if tp.dead == nil {
		tp.dead = &Node[T]{Value: tensor.New[T]()}
	}
	return tp.dead
}

// newNode takes a recycled node and fills in its value and inputs.
func (tp *Tape[T]) newNode(o op[T], val *tensor.Tensor[T], ins ...*Node[T]) *Node[T] {
	if tp.n == len(tp.nodes) {
		tp.nodes = append(tp.nodes, &Node[T]{})
	}
	nd := tp.nodes[tp.n]
	nd.id = tp.n
	tp.n++
	nd.op = o
	nd.Value = val
	if !tp.NoGrad {
		for i, in := range ins {
			nd.in[i] = in
			if in != nil {
				in.uses++
				if in.requiresGrad {
					nd.requiresGrad = true
				}
			}
		}
	}
	return nd
}

// alloc returns a recycled tensor of the given shape, zeroed if zero is set.
func (tp *Tape[T]) alloc(zero bool, shape ...int) *tensor.Tensor[T] {
	return tp.vals.get(zero, shape)
}

// Const records t as a constant leaf: no gradient flows to it. t is not
// copied and must stay unchanged until Backward.
func (tp *Tape[T]) Const(t *tensor.Tensor[T]) *Node[T] {
	if tp.err != nil {
		return tp.deadNode()
	}
	return tp.newNode(nil, t)
}

// Input records t as a leaf that requires a gradient, so that after Backward
// its Grad holds ∂loss/∂t (saliency, gradients with respect to inputs or to
// activations fed in from outside). t is not copied.
func (tp *Tape[T]) Input(t *tensor.Tensor[T]) *Node[T] {
	n := tp.Const(t)
	if tp.err == nil && !tp.NoGrad {
		n.requiresGrad = true
	}
	return n
}

// Param records a parameter leaf; Backward accumulates into p.Grad.
func (tp *Tape[T]) Param(p *Param[T]) *Node[T] {
	n := tp.Const(p.Value)
	if tp.err == nil && !tp.NoGrad {
		n.requiresGrad = true
		n.param = p
		n.Grad = p.Grad
	}
	return n
}

// Ints returns a scratch int slice of length n owned by the tape and valid
// until Reset (contents unspecified): index lists built per step without
// allocating.
func (tp *Tape[T]) Ints(n int) []int { return tp.ints.get(n) }

// Watch marks n as requiring a gradient even though nothing upstream does
// (e.g. an activation of a frozen model), so that after Backward n.Grad holds
// ∂loss/∂n. Call it before building the ops that consume n. It returns n.
func (tp *Tape[T]) Watch(n *Node[T]) *Node[T] {
	if tp.err == nil && !tp.NoGrad && n != tp.dead {
		n.requiresGrad = true
	}
	return n
}

// Detach returns a node with x's value through which no gradient flows
// (stop-gradient). The value is shared, not copied.
func (tp *Tape[T]) Detach(x *Node[T]) *Node[T] {
	if tp.err != nil {
		return tp.deadNode()
	}
	return tp.newNode(nil, x.Value)
}

// Backward computes the gradient of the scalar loss with respect to every
// node that requires one. Parameter gradients are accumulated into the
// parameters' Grad tensors; every other node's Grad is recomputed from zero.
func (tp *Tape[T]) Backward(loss *Node[T]) error {
	if tp.err != nil {
		return tp.err
	}
	if loss.Value.Len() != 1 {
		return fmt.Errorf("engine: Backward needs a scalar loss, got shape %v", shapeCopy(loss.Shape()))
	}
	return tp.backward(loss, nil)
}

// BackwardFrom propagates a given output gradient seed (same shape as out)
// backwards, e.g. a vector-Jacobian product from a non-scalar node.
func (tp *Tape[T]) BackwardFrom(out *Node[T], seed *tensor.Tensor[T]) error {
	if tp.err != nil {
		return tp.err
	}
	if !tensor.SameShape(out.Shape(), seed.Shape()) {
		return fmt.Errorf("engine: BackwardFrom seed shape %v for node shape %v", shapeCopy(seed.Shape()), shapeCopy(out.Shape()))
	}
	return tp.backward(out, seed)
}

func (tp *Tape[T]) backward(out *Node[T], seed *tensor.Tensor[T]) error {
	if out.id >= tp.n || tp.nodes[out.id] != out {
		return fmt.Errorf("engine: Backward on a node from another tape or before Reset")
	}
	for i := 0; i <= out.id; i++ {
		if nd := tp.nodes[i]; nd.param == nil {
			nd.Grad = nil
		}
	}
	if !out.requiresGrad {
		return nil
	}
	g := tp.grad(out)
	if seed == nil {
		g.Data[0] += 1
	} else {
		for i, v := range seed.Data {
			g.Data[i] += v
		}
	}
	for i := out.id; i >= 0; i-- {
		nd := tp.nodes[i]
		if nd.Grad == nil || nd.op == nil || !nd.requiresGrad {
			continue
		}
		nd.op.backward(tp, nd)
	}
	return nil
}

// grad returns n's gradient buffer, allocating a zeroed one on first use.
// Backwards that scatter or accumulate into part of it use this; those
// that write every element use gradFor.
func (tp *Tape[T]) grad(n *Node[T]) *tensor.Tensor[T] {
	if n.Grad == nil {
		n.Grad = tp.alloc(true, n.Value.Shape()...)
	}
	return n.Grad
}

// gradFor returns n's gradient for a backward that writes every element.
// When n has no gradient yet the buffer is fresh, its contents unspecified,
// and acc is false: the op must store. Otherwise acc is true and the op must
// add (other consumers, or a parameter's accumulator, are already in it).
// Storing into a fresh buffer skips both zeroing it and reading it back.
func (tp *Tape[T]) gradFor(n *Node[T]) (g []T, acc bool) {
	if n.Grad != nil {
		return n.Grad.Data, true
	}
	n.Grad = tp.alloc(false, n.Value.Shape()...)
	return n.Grad.Data, false
}

// shareGrad makes n's gradient the tensor g itself, viewed in n's shape,
// when an op's input gradient is exactly its output gradient g (Reshape,
// the operands of Add): no copy. It is safe only when nothing else will
// ever add into n's gradient: n has none yet, is not a parameter, and this
// op is its only consumer. It reports whether it shared.
func (tp *Tape[T]) shareGrad(n *Node[T], g *tensor.Tensor[T]) bool {
	if n.Grad != nil || n.param != nil || n.uses != 1 {
		return false
	}
	n.Grad = tp.views.view(g.Data, n.Value.Shape())
	return true
}

// shapeCopy copies a shape for error messages, so the original slice does
// not escape to the heap through fmt.
func shapeCopy(s []int) []int { return append([]int(nil), s...) }

// asF32 reinterprets a []T as []float32 when T is float32.
func asF32[T Float](s []T) ([]float32, bool) {
	var z T
	if unsafe.Sizeof(z) != 4 {
		return nil, false
	}
	if len(s) == 0 {
		return nil, true
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&s[0])), len(s)), true
}

func asF64[T Float](s []T) []float64 {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*float64)(unsafe.Pointer(&s[0])), len(s))
}

type tensorT[T Float] = tensor.Tensor[T]
