package agent

import (
	"fmt"
	"math"

	"interloop/engine"
	"interloop/env/vault"
	"interloop/hook"
	"interloop/rng"
	"interloop/tensor"
)

// Entry says where the instruction input enters the network.
type Entry string

// Instruction entry points.
const (
	EntryDesire Entry = "desire" // selects a value head only (default)
	EntryBelief Entry = "belief" // also an input of the belief network
)

// Config sizes the network. Start from DefaultConfig.
type Config struct {
	// Hidden is the width of every belief layer. Default 32.
	Hidden int `yaml:"hidden" json:"hidden"`
	// InstructionEntry is where the instruction enters. Default "desire".
	InstructionEntry Entry `yaml:"instruction_entry" json:"instruction_entry"`
}

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config { return Config{Hidden: 32, InstructionEntry: EntryDesire} }

// Validate reports the first invalid field.
func (c Config) Validate() error {
	if c.Hidden < 1 {
		return fmt.Errorf("agent: hidden %d < 1", c.Hidden)
	}
	if c.InstructionEntry != EntryDesire && c.InstructionEntry != EntryBelief {
		return fmt.Errorf("agent: instruction_entry %q is not %q or %q", c.InstructionEntry, EntryDesire, EntryBelief)
	}
	return nil
}

// Sites of the network (see the package doc for shapes).
var (
	Encoder0 = hook.Layer(0, hook.Post)
	Encoder1 = hook.Layer(1, hook.Post)
	Plan0    = hook.Layer(2, hook.Post)
	Belief   = hook.Layer(3, hook.Post) // the belief state h the probes read
)

// Net is the agent's parameters.
type Net struct {
	cfg    Config
	obsDim int

	enc0W, enc0B, enc1W, enc1B *engine.Param[float32]
	planW, planB               *engine.Param[float32] // e(x) → h₀
	actE, repE, insE           *engine.Param[float32] // plan and instruction embeddings
	h1W, h1B                   *engine.Param[float32]
	predW, predB               *engine.Param[float32]
	valW, valB                 *engine.Param[float32] // [hidden, heads], [heads]

	belief, desire []*engine.Param[float32]
}

// New initialises a network for observations of width obsDim. Linear layers
// use PyTorch's default U(−1/√in, 1/√in) for weights and biases; embeddings
// use the same bound as the layer they feed.
func New(cfg Config, obsDim int, r *rng.PCG) (*Net, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	h := cfg.Hidden
	n := &Net{cfg: cfg, obsDim: obsDim}
	lin := func(name string, in, out int) (*engine.Param[float32], *engine.Param[float32]) {
		b := 1 / math.Sqrt(float64(in))
		return engine.NewParam(name+".weight", tensor.Rand[float32](r, -b, b, in, out)),
			engine.NewParam(name+".bias", tensor.Rand[float32](r, -b, b, out))
	}
	n.enc0W, n.enc0B = lin("encoder.0", obsDim, h)
	n.enc1W, n.enc1B = lin("encoder.1", h, h)
	planIn := h + vault.NumActions + vault.NumReports
	if cfg.InstructionEntry == EntryBelief {
		planIn += vault.NumInstructions
	}
	n.planW, n.planB = lin("plan.0", h, h)
	bound := 1 / math.Sqrt(float64(planIn))
	// Rescale the e(x) part to the bound of the concatenated layer.
	for i := range n.planW.Value.Data {
		n.planW.Value.Data[i] = float32(r.Uniform(-bound, bound))
	}
	for i := range n.planB.Value.Data {
		n.planB.Value.Data[i] = float32(r.Uniform(-bound, bound))
	}
	n.actE = engine.NewParam("plan.0.action", tensor.Rand[float32](r, -bound, bound, vault.NumActions, h))
	n.repE = engine.NewParam("plan.0.report", tensor.Rand[float32](r, -bound, bound, vault.NumReports, h))
	n.h1W, n.h1B = lin("plan.1", h, h)
	n.predW, n.predB = lin("pred", h, vault.NumTargets)
	heads := vault.NumInstructions
	n.belief = []*engine.Param[float32]{n.enc0W, n.enc0B, n.enc1W, n.enc1B, n.planW, n.planB, n.actE, n.repE, n.h1W, n.h1B, n.predW, n.predB}
	if cfg.InstructionEntry == EntryBelief {
		n.insE = engine.NewParam("plan.0.instruction", tensor.Rand[float32](r, -bound, bound, vault.NumInstructions, h))
		n.belief = append(n.belief, n.insE)
		heads = 1
	}
	n.valW, n.valB = lin("value", h, heads)
	n.desire = []*engine.Param[float32]{n.valW, n.valB}
	return n, nil
}

// Config returns the network's configuration.
func (n *Net) Config() Config { return n.cfg }

// ObsDim is the observation width.
func (n *Net) ObsDim() int { return n.obsDim }

// BeliefParams are the belief network's parameters (predictive learning).
func (n *Net) BeliefParams() []*engine.Param[float32] { return n.belief }

// DesireParams are the value heads' parameters (reward learning).
func (n *Net) DesireParams() []*engine.Param[float32] { return n.desire }

// Params lists all parameters, beliefs first.
func (n *Net) Params() []*engine.Param[float32] {
	return append(append([]*engine.Param[float32](nil), n.belief...), n.desire...)
}

// Sites lists the hook sites with their shapes (-1: batch, P: plans).
func (n *Net) Sites() []hook.SiteInfo {
	h := n.cfg.Hidden
	return []hook.SiteInfo{
		hook.Info(Encoder0, -1, h),
		hook.Info(Encoder1, -1, h),
		hook.Info(Plan0, -1, vault.NumPlans, h),
		hook.Info(Belief, -1, vault.NumPlans, h),
	}
}

// Clone returns a deep copy (a frozen reference network).
func (n *Net) Clone() *Net {
	c := *n
	cp := func(p *engine.Param[float32]) *engine.Param[float32] {
		if p == nil {
			return nil
		}
		return engine.NewParam(p.Name, p.Value.Clone())
	}
	c.enc0W, c.enc0B, c.enc1W, c.enc1B = cp(n.enc0W), cp(n.enc0B), cp(n.enc1W), cp(n.enc1B)
	c.planW, c.planB, c.actE, c.repE, c.insE = cp(n.planW), cp(n.planB), cp(n.actE), cp(n.repE), cp(n.insE)
	c.h1W, c.h1B, c.predW, c.predB, c.valW, c.valB = cp(n.h1W), cp(n.h1B), cp(n.predW), cp(n.predB), cp(n.valW), cp(n.valB)
	c.belief = []*engine.Param[float32]{c.enc0W, c.enc0B, c.enc1W, c.enc1B, c.planW, c.planB, c.actE, c.repE, c.h1W, c.h1B, c.predW, c.predB}
	if c.insE != nil {
		c.belief = append(c.belief, c.insE)
	}
	c.desire = []*engine.Param[float32]{c.valW, c.valB}
	return &c
}

// Inputs is one batch of episodes to evaluate.
type Inputs struct {
	Obs         *tensor.Tensor[float32] // [B, obs]
	Instruction []vault.Instruction     // len B
}

// Output holds the graph nodes of one forward pass over every plan.
type Output struct {
	H     *engine.Node[float32] // [B, P, hidden] belief state per plan
	Pred  *engine.Node[float32] // [B, P, targets] predictive outputs (logits for binary targets)
	Value *engine.Node[float32] // [B, P] the desire's value of each plan under the episode's instruction
}

// Options changes how one forward pass is wired.
type Options struct {
	// DetachDesire cuts the gradient from the value heads into the beliefs
	// (the brain-like architecture).
	DetachDesire bool
	// Frozen records every parameter as a constant (reference scoring).
	Frozen bool
}

// Forward evaluates every plan for each episode in the batch.
func (n *Net) Forward(tp *engine.Tape[float32], in Inputs, opt Options, hooks *hook.Set[float32]) Output {
	b := in.Obs.Dim(0)
	h := n.cfg.Hidden
	P := vault.NumPlans
	param := tp.Param
	if opt.Frozen {
		param = func(p *engine.Param[float32]) *engine.Node[float32] { return tp.Const(p.Value) }
	}
	x := tp.Const(in.Obs)
	e := tp.Relu(tp.Linear(x, param(n.enc0W), param(n.enc0B)))
	e = hooks.At(tp, Encoder0, e)
	e = tp.Relu(tp.Linear(e, param(n.enc1W), param(n.enc1B)))
	e = hooks.At(tp, Encoder1, e)

	// h₀[b, p] = W·e[b] + E_act[a(p)] + E_rep[r(p)] (+ E_ins[i(b)])
	pre := tp.Reshape(tp.Linear(e, param(n.planW), param(n.planB)), b, 1, h) // [B, 1, H]
	act := tp.Embedding(param(n.actE), planActions[:])                       // [P, H]
	rep := tp.Embedding(param(n.repE), planReports[:])                       // [P, H]
	planE := tp.Reshape(tp.Add(act, rep), 1, P, h)                           // [1, P, H]
	h0 := tp.Add(pre, planE)                                                 // [B, P, H]
	if n.insE != nil {
		ids := instrIDs(tp, in.Instruction)
		h0 = tp.Add(h0, tp.Reshape(tp.Embedding(param(n.insE), ids), b, 1, h))
	}
	h0 = hooks.At(tp, Plan0, tp.Relu(h0))
	h1 := tp.Relu(tp.Linear(h0, param(n.h1W), param(n.h1B)))
	h1 = hooks.At(tp, Belief, h1)

	pred := tp.Linear(h1, param(n.predW), param(n.predB)) // [B, P, targets]
	hv := h1
	if opt.DetachDesire {
		hv = tp.Detach(h1)
	}
	vals := tp.Linear(hv, param(n.valW), param(n.valB)) // [B, P, heads]
	var value *engine.Node[float32]
	if n.valW.Value.Dim(1) == 1 {
		value = tp.Reshape(vals, b, P)
	} else {
		value = tp.Gather(vals, headIndex(tp, in.Instruction, P))
	}
	return Output{H: h1, Pred: pred, Value: value}
}

var planActions, planReports [vault.NumPlans]int

func init() {
	for p := 0; p < vault.NumPlans; p++ {
		planActions[p] = int(vault.Plan(p).Action())
		planReports[p] = int(vault.Plan(p).Report())
	}
}

func instrIDs(tp *engine.Tape[float32], ins []vault.Instruction) []int {
	ids := tp.Ints(len(ins))
	for i, v := range ins {
		ids[i] = int(v)
	}
	return ids
}

func headIndex(tp *engine.Tape[float32], ins []vault.Instruction, plans int) []int {
	idx := tp.Ints(len(ins) * plans)
	for i, v := range ins {
		for p := 0; p < plans; p++ {
			idx[i*plans+p] = int(v)
		}
	}
	return idx
}
