// Package agent is the vault's plan-conditioned agent: a belief network that
// computes a belief state h(x, plan) for every candidate plan, predictive
// heads that make those beliefs about the world, and desire heads that value
// them.
//
// # The network
//
//	obs x [B, obs]                      layers.0.hook_post  [B, hidden]   encoder
//	                                    layers.1.hook_post  [B, hidden]   encoder
//	h₀ = relu(W·e(x) + E_act[a] + E_rep[r] (+ E_ins[i]))
//	                                    layers.2.hook_post  [B, P, hidden] plan-conditioned
//	h  = relu(W·h₀)                     layers.3.hook_post  [B, P, hidden] the belief state
//	pred = h·W_pred                     [B, P, targets]     predictive heads (belief side)
//	V    = h·w_ins + b_ins              [B, P]              desire: one linear value per instruction
//	π(p | x) = softmax_p(V / τ)
//
// The first plan layer is a linear map of the concatenation (e(x), one-hot
// action, one-hot report), written as a sum so the encoder runs once per
// observation rather than once per plan. The belief state of a plan is like a
// language model's activations on its own response tokens: a readout of h
// judges that plan, and the same plan can be scored on a frozen copy.
//
// # Beliefs and desires
//
// Belief parameters (encoder, plan layers, predictive heads) and desire
// parameters (value heads) are separate lists. In the brain-like
// architecture the desire reads Detach(h): reward can update the desire and
// never the beliefs (tested exactly: the belief gradients from any reward
// term are zero). The end-to-end twin is the same network and losses without
// the Detach.
//
// # Where the instruction enters
//
// By default the instruction ("honest" / "lie") selects a value head — it
// enters only the desire side, so h is the same under either instruction and
// a deception probe fit on instructed episodes must read lie-ness itself.
// With InstructionEntry "belief" it is also an input of the belief network
// (one value head then), and a probe can partly read the instruction; the
// audit reports how much.
package agent
