// Package engine is interloop's reverse-mode automatic differentiation.
//
// # Model
//
// A Tape records operations as they run (define-by-run, like PyTorch): each
// op method computes its value immediately and appends a Node. Backward walks
// the nodes in reverse recording order — a valid topological order — and
// accumulates each node's gradient into its inputs' Grad. Every node can be
// read after Backward: n.Value and n.Grad, so gradients with respect to
// intermediate activations are as available as parameter gradients (use Watch
// to ask for one on a node nothing upstream would otherwise differentiate).
//
// Leaves come in three kinds: Const (no gradient), Input (gradient collected
// in the node) and Param (gradient accumulated into the Param's own Grad,
// which persists across steps until ZeroGrad — the window between Backward
// and an optimizer step is where gradient surgery happens). Detach cuts a
// path: the returned node shares the value and passes no gradient.
//
// # Shapes and broadcasting
//
// Tensors are dense, contiguous and row-major (package tensor). Binary ops
// broadcast NumPy-style (align trailing axes; size 1 stretches). MatMul works
// on the last two axes with identical leading (batch) axes, or a rank-2 right
// operand shared across the batch; MatMulT transposes either operand in
// place of a copy. Reductions drop the reduced axes; Reshape shares data;
// Permute, Concat, Slice and Index copy.
//
// # Buffers and ownership
//
// Values and gradients of non-parameter nodes belong to the tape and live
// until its next Reset. The tape recycles them by allocation order: a step
// that replays the same ops with the same shapes reuses the same buffers,
// so after one warm-up step a training step makes no heap allocations (tested
// in TestStepAllocatesNothing). Tensors handed to Const, Input and Param are
// referenced, not copied, and must not change before Backward.
//
// Gradients are read-only views: where an op's input gradient equals its
// output gradient (Reshape, either operand of Add) and the op is that
// input's only consumer, the two nodes' Grad share one buffer instead of a
// copy. The values are right for both; writing into one changes the other.
// (Parameter gradients are never shared: they accumulate.)
//
// # Errors
//
// Ops never panic on bad shapes or arguments. The first error is recorded on
// the tape (naming the op and the shapes) and every later op returns a
// placeholder; Err and Backward return it. Check once per step.
//
// # Precision and threads
//
// Tape[float32] is for training; Tape[float64] exists for reference checks
// (CheckGrad and CheckParamGrad compare with central finite differences in
// float64). Float32 tapes evaluate transcendental functions with short
// polynomials in float64 instead of the math package (fastmath.go): GELU's
// Φ within 5e-8 relative (its float32 result within 1.5e-7, tails
// included), the exponentials of softmax and cross-entropy within 1e-8.
// Float64 tapes use math.Erfc and math.Exp.
//
// On amd64 with AVX2 the float32 elementwise loops (GELU, ReLU, the
// softmax exponentials, the gradient accumulations) run as vector kernels
// (simd_amd64.s). Each mirrors a portable Go loop, which runs elsewhere, on
// the tails, and under the purego build tag; TestSIMDMatchesGo checks that
// both give the same results.
//
// Attention has two ops on the [B, T, H, dh] layout that Linear outputs
// reshape to, AttnScores (q·kᵀ per head) and AttnMix (pattern·v per head),
// and CausalSoftmax (scale, causal mask and softmax in one op): together
// they replace four permutes and three full-size intermediates per layer,
// and leave q, k, v, the pattern and z as ordinary nodes for hooks.
// Matrix products run on internal/gemm, which uses all cores for large
// products (gemm.SetThreads(1) for one-run-per-core sweeps) and sums in a
// fixed order, so results are bit-identical run to run. A Tape is not safe for
// concurrent use; use one tape per goroutine.
package engine
