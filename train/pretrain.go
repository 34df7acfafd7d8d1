package train

import (
	"context"
	"fmt"
	"math"

	"interloop/agent"
	"interloop/engine"
	"interloop/env/vault"
	"interloop/hook"
	"interloop/optim"
	"interloop/rng"
	"interloop/tensor"
)

// Pretrain runs phase (a) on net: each step samples a batch of episodes with
// alternating instructions and minimises the predictive loss (beliefs) plus
// the squared error of every plan's value against its instructed reward
// (desires, reading Detach(h)). It returns the final predictive loss.
func Pretrain(ctx context.Context, net *agent.Net, w *vault.World, cfg PretrainConfig, r *rng.PCG) (float64, error) {
	if err := cfg.Validate(); err != nil {
		return 0, err
	}
	opt, err := optim.NewAdam(net.Params(), optim.AdamConfig{LR: cfg.LR})
	if err != nil {
		return 0, err
	}
	bt := NewBatch(w, cfg.Batch)
	reward := tensor.New[float32](cfg.Batch, vault.NumPlans)
	tp := engine.NewTape[float32]()
	last := math.NaN()
	for step := 0; step < cfg.Steps; step++ {
		if step%50 == 0 {
			if err := ctx.Err(); err != nil {
				return last, err
			}
		}
		bt.Sample(w, r, vault.Honest, true)
		for i := range bt.Stolen {
			for p := 0; p < vault.NumPlans; p++ {
				reward.Data[i*vault.NumPlans+p] = float32(w.InstructedReward(vault.Plan(p), bt.Stolen[i], bt.Instruction[i]))
			}
		}
		tp.Reset()
		out := net.Forward(tp, agent.Inputs{Obs: bt.Obs, Instruction: bt.Instruction}, agent.Options{DetachDesire: true}, nil)
		pred := PredictiveLoss(tp, out.Pred, bt.Targets)
		loss := tp.Add(pred, MSE(tp, out.Value, reward))
		opt.ZeroGrad()
		if err := tp.Backward(loss); err != nil {
			return last, fmt.Errorf("pretrain step %d: %w", step, err)
		}
		last = float64(pred.Value.Data[0])
		if math.IsNaN(last) || math.IsInf(last, 0) {
			return last, fmt.Errorf("pretrain step %d: predictive loss is %v", step, last)
		}
		opt.Step()
	}
	return last, nil
}

// Episodes is a set of evaluated episodes: each plan's activations at the
// plan-conditioned sites, the values, and the plans the policy chose.
type Episodes struct {
	Stolen      []bool
	Tested      []bool
	Instruction []vault.Instruction
	Obs         *tensor.Tensor[float32] // [n, obs]
	H           *tensor.Tensor[float32] // [n, P, hidden] belief state (site agent.Belief) of every plan
	H0          *tensor.Tensor[float32] // [n, P, hidden] first plan layer (site agent.Plan0)
	Value       *tensor.Tensor[float32] // [n, P] values under the episode's instruction
	Visible     []float32               // the belief network's logit that the diamond is visible (z = safe)
	Greedy      []vault.Plan            // argmax plan
	Sampled     []vault.Plan            // plan sampled at the policy temperature
}

// ChosenAt returns the activations at site (agent.Belief or agent.Plan0) of
// the given plans, one per episode: [n, hidden].
func (e *Episodes) ChosenAt(site hook.Site, plans []vault.Plan) *tensor.Tensor[float32] {
	src := e.H
	if site == agent.Plan0 {
		src = e.H0
	}
	n, h := src.Dim(0), src.Dim(2)
	out := tensor.New[float32](n, h)
	for i, p := range plans {
		copy(out.Data[i*h:(i+1)*h], src.Data[(i*vault.NumPlans+int(p))*h:])
	}
	return out
}

// State returns episode i's hidden state.
func (e *Episodes) State(i int) vault.State {
	return vault.State{Stolen: e.Stolen[i], Tested: e.Tested[i]}
}

// Chosen is ChosenAt(agent.Belief, plans).
func (e *Episodes) Chosen(plans []vault.Plan) *tensor.Tensor[float32] {
	return e.ChosenAt(agent.Belief, plans)
}

// Evaluate runs net (frozen, no gradient) on n fresh episodes with the given
// instruction pattern and records every plan's activations, the greedy plan
// and a plan sampled at temperature.
func Evaluate(net *agent.Net, w *vault.World, n int, in vault.Instruction, mixed bool, temperature float64, r *rng.PCG) *Episodes {
	bt := NewBatch(w, n)
	bt.Sample(w, r, in, mixed)
	return EvaluateBatch(net, bt, temperature, r, nil)
}

// EvaluateBatch is Evaluate on given episodes; extra hooks (may be nil)
// are applied to the forward pass before the activations are read.
// Batches of 256 keep memory flat.
func EvaluateBatch(net *agent.Net, bt *Batch, temperature float64, r *rng.PCG, extra []hook.Hook[float32]) *Episodes {
	n, hid := bt.Len(), net.Config().Hidden
	e := &Episodes{
		Stolen:      append([]bool(nil), bt.Stolen...),
		Tested:      append([]bool(nil), bt.Tested...),
		Instruction: append([]vault.Instruction(nil), bt.Instruction...),
		Obs:         bt.Obs.Clone(),
		H:           tensor.New[float32](n, vault.NumPlans, hid),
		H0:          tensor.New[float32](n, vault.NumPlans, hid),
		Value:       tensor.New[float32](n, vault.NumPlans),
		Visible:     make([]float32, n),
		Greedy:      make([]vault.Plan, n),
		Sampled:     make([]vault.Plan, n),
	}
	tp := engine.NewTape[float32]()
	tp.NoGrad = true
	hooks := append(append([]hook.Hook[float32](nil), extra...), hook.CaptureAt[float32](agent.Plan0))
	set := hook.NewSet(hooks...)
	const chunk = 256
	d := bt.Obs.Dim(1)
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		obs := tensor.FromData(bt.Obs.Data[lo*d:hi*d], hi-lo, d)
		tp.Reset()
		set.Reset()
		out := net.Forward(tp, agent.Inputs{Obs: obs, Instruction: bt.Instruction[lo:hi]}, agent.Options{Frozen: true}, set)
		copy(e.H.Data[lo*vault.NumPlans*hid:], out.H.Value.Data)
		copy(e.H0.Data[lo*vault.NumPlans*hid:], set.Captured(agent.Plan0).Value.Data)
		copy(e.Value.Data[lo*vault.NumPlans:], out.Value.Value.Data)
		for i := lo; i < hi; i++ {
			e.Visible[i] = out.Pred.Value.Data[(i-lo)*vault.NumPlans*vault.NumTargets+vault.TargetVisible]
		}
	}
	probs := make([]float64, vault.NumPlans)
	for i := 0; i < n; i++ {
		row := e.Value.Data[i*vault.NumPlans : (i+1)*vault.NumPlans]
		e.Greedy[i] = vault.Plan(argmax(row))
		Policy(row, temperature, probs)
		e.Sampled[i] = vault.Plan(r.Categorical(probs))
	}
	return e
}

// Policy writes softmax(values/temperature) into probs.
func Policy(values []float32, temperature float64, probs []float64) {
	m := math.Inf(-1)
	for _, v := range values {
		m = math.Max(m, float64(v))
	}
	s := 0.0
	for i, v := range values {
		probs[i] = math.Exp((float64(v) - m) / temperature)
		s += probs[i]
	}
	for i := range probs {
		probs[i] /= s
	}
}

func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// InstructedData is phase (b)'s probe training data: the belief state of
// the greedy plan of n instructed episodes (alternating honest / lie),
// labelled true for "lie".
func InstructedData(net *agent.Net, w *vault.World, n int, r *rng.PCG) (*tensor.Tensor[float32], []bool, *Episodes) {
	e := Evaluate(net, w, n, vault.Honest, true, 1, r)
	y := make([]bool, n)
	for i, in := range e.Instruction {
		y[i] = in == vault.Lie
	}
	return e.Chosen(e.Greedy), y, e
}
