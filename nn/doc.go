// Package nn holds interloop's neural-network models: Linear, LayerNorm and
// Embedding layers, an MLP, a pre-LN transformer Block and a decoder-only
// Transformer, all built from engine ops so that gradients, hooks and
// PyTorch parity come for free.
//
// # Conventions
//
// Models are generic over the element type: float32 for training, float64
// for finite-difference checks and references. Every model has
//
//	Forward(tp, x, hooks *hook.Set[T]) *engine.Node[T]   // records the forward pass on tp
//	Params() []*engine.Param[T]                          // stable order: the PyTorch state_dict order
//	Sites() []hook.SiteInfo                              // hook sites in the order Forward reaches them
//
// (the Transformer's x is a Tokens batch of ids; layers without hook sites
// have Forward(tp, x)). Constructors take a typed Config whose zero fields
// mean the documented default, plus an *rng.PCG: weights are drawn in
// Params order, so one seed gives the same model everywhere.
//
// Parameter names are the state_dict keys of the equivalent torch module
// ("layers.0.weight", "blocks.1.attn.q.bias", "ln_final.weight"). Linear
// weights are stored [in, out], the transpose of torch's [out, in], so that
// y = x·W needs no transpose; embeddings are stored as torch stores them.
// Initialisation matches torch's defaults: Linear weight and bias
// U(−1/√in, 1/√in), Embedding N(0, 1), LayerNorm gain 1 and bias 0
// (eps 1e-5).
//
// Models do not return errors from Forward: a bad shape or id records a
// sticky error on the tape (engine.Tape.Err), and a hook that cannot apply
// records one on its Set (hook.Set.Err). Check both once per step.
//
// # Parity
//
// scripts/torch_fixtures.py builds the same MLP and transformer in PyTorch
// and writes their weights, logits, loss, parameter gradients and the
// parameters after three Adam steps to testdata/torch; the tests load those
// weights and require agreement to 1e-5 norm-relative (see parity_test.go).
// Finite-difference checks cover every parameter of small models in float64.
//
// # Performance
//
// A training step reuses one tape (Reset each step) and allocates nothing
// after warm-up; BenchmarkMLPStep and BenchmarkTransformerStep check it.
package nn
