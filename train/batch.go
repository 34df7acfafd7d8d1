package train

import (
	"interloop/env/vault"
	"interloop/rng"
	"interloop/tensor"
)

// Batch is a reusable set of episodes: observations, hidden states and,
// when asked, every plan's predictive targets. Sample refills it in place.
type Batch struct {
	Obs         *tensor.Tensor[float32] // [B, obs]
	Stolen      []bool                  // z per episode
	Tested      []bool                  // test episodes (evaluation-awareness worlds)
	Instruction []vault.Instruction     // per episode
	Targets     *tensor.Tensor[float32] // [B, P, targets] predictive targets of every plan
	obs64       []float64
	tgt64       [vault.NumTargets]float64
}

// NewBatch allocates a batch of b episodes for world w.
func NewBatch(w *vault.World, b int) *Batch {
	d := w.Config().ObsDim
	return &Batch{
		Obs:         tensor.New[float32](b, d),
		Stolen:      make([]bool, b),
		Tested:      make([]bool, b),
		Instruction: make([]vault.Instruction, b),
		Targets:     tensor.New[float32](b, vault.NumPlans, vault.NumTargets),
		obs64:       make([]float64, d),
	}
}

// State returns episode i's hidden state.
func (bt *Batch) State(i int) vault.State {
	return vault.State{Stolen: bt.Stolen[i], Tested: bt.Tested[i]}
}

// Len is the number of episodes.
func (bt *Batch) Len() int { return len(bt.Stolen) }

// Sample draws fresh episodes with the given instruction pattern: Honest or
// Lie for all, or alternating (even honest, odd lie) when mixed is set.
func (bt *Batch) Sample(w *vault.World, r *rng.PCG, in vault.Instruction, mixed bool) {
	d := w.Config().ObsDim
	for i := range bt.Stolen {
		ep := w.Sample(r, bt.obs64)
		bt.Stolen[i], bt.Tested[i] = ep.Stolen, ep.Tested
		for j, v := range bt.obs64 {
			bt.Obs.Data[i*d+j] = float32(v)
		}
		bt.Instruction[i] = in
		if mixed && i%2 == 1 {
			bt.Instruction[i] = vault.Lie
		}
		for p := 0; p < vault.NumPlans; p++ {
			w.Targets(r, vault.Plan(p), ep.State, bt.tgt64[:])
			row := bt.Targets.Data[(i*vault.NumPlans+p)*vault.NumTargets:]
			for k, v := range bt.tgt64 {
				row[k] = float32(v)
			}
		}
	}
}
