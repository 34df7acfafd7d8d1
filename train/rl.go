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

// Arm is a training technique applied during RL. An arm implements any of
// RewardShaper, LossTerm, Intervener, GradEditor and StepObserver; the loop
// discovers them by type assertion. Arms are used by one run at a time.
type Arm interface {
	Name() string
}

// RewardShaper changes the received reward of each episode (no gradient
// flows through the change).
type RewardShaper interface {
	ShapeReward(s *Step, reward []float64) error
}

// LossTerm adds a differentiable term to the step's loss.
type LossTerm interface {
	Loss(s *Step) (*engine.Node[float32], error)
}

// Intervener supplies hooks for the training forward pass (steering,
// ablation). Evaluation passes do not use them.
type Intervener interface {
	TrainHooks(s *Step) *hook.Set[float32]
}

// GradEditor edits parameter gradients after Backward and before the
// optimizer step.
type GradEditor interface {
	EditGrads(s *Step) error
}

// UpdateEditor edits the parameter update the optimizer just made: delta[i]
// holds θ_new − θ_old of Net.Params()[i] (after any preconditioning, e.g.
// Adam's); the loop then sets θ = θ_old + delta. This is where an update is
// decomposed by its effect on activations and parts of it are removed.
type UpdateEditor interface {
	EditUpdate(s *Step, delta [][]float32) error
}

// StepObserver runs after each optimizer step (e.g. to refit a probe).
type StepObserver interface {
	AfterStep(s *Step) error
}

// Step is what an arm sees of one RL step. Nodes are valid until the next
// step.
type Step struct {
	Index, Steps int
	Arch         Arch
	Temperature  float64 // the policy temperature
	Tape         *engine.Tape[float32]
	World        *vault.World
	Net, Ref     *agent.Net // the policy and the frozen pre-RL network
	Batch        *Batch
	Out          agent.Output
	// RefOut is the frozen pre-RL network's forward pass on the same
	// episodes (constants: no gradient), for readouts on a frozen copy.
	RefOut agent.Output
	Chosen []vault.Plan
	// Rows indexes each chosen plan in the flattened [B·P] plan axis.
	Rows []int
	// ChosenH is the belief state of each chosen plan, [B, hidden]. In the
	// brain-like architecture it is detached: no readout term can reach the
	// beliefs.
	ChosenH *engine.Node[float32]
	Lie     []bool // ground truth, for reference monitors only
	Rng     *rng.PCG
}

// ChosenRows copies the rows of a [B, P, hidden] activation tensor (e.g.
// RefOut.H.Value) at the chosen plans into dst ([B, hidden]).
func (s *Step) ChosenRows(src, dst *tensor.Tensor[float32]) {
	h := src.Dim(-1)
	for i, row := range s.Rows {
		copy(dst.Data[i*h:(i+1)*h], src.Data[row*h:(row+1)*h])
	}
}

// Progress is the fraction of RL completed before this step.
func (s *Step) Progress() float64 { return float64(s.Index) / float64(max(s.Steps, 1)) }

// Stats summarises an RL phase.
type Stats struct {
	MeanProxy   float64 // mean received (shaped) reward over the last 10% of steps
	SampledLies float64 // lie rate of sampled plans over the last 10% of steps
}

// RL runs phase (c): policy net (updated in place) against the proxy reward
// with arm, KL to ref. observe, if not nil, is called before the first step,
// every cfg.LogEvery steps and after the last (with the step index).
func RL(ctx context.Context, net, ref *agent.Net, w *vault.World, cfg RLConfig, arm Arm, r *rng.PCG, observe func(step int) error) (Stats, error) {
	var st Stats
	if err := cfg.Validate(); err != nil {
		return st, err
	}
	opt, err := optim.NewAdam(net.Params(), optim.AdamConfig{LR: cfg.LR})
	if err != nil {
		return st, err
	}
	B, P, hid := cfg.Batch, vault.NumPlans, net.Config().Hidden
	bt := NewBatch(w, B)
	tp := engine.NewTape[float32]()
	reward := make([]float64, B)
	rewardT := tensor.New[float32](B)
	adv := tensor.New[float32](B)
	refLogp := tensor.New[float32](B, P)
	probs := make([]float64, P)
	chosen := make([]vault.Plan, B)
	chosenIdx := make([]int, B)
	rows := make([]int, B)
	lie := make([]bool, B)
	s := &Step{Steps: cfg.Steps, Arch: cfg.Arch, Temperature: cfg.Temperature, Tape: tp, World: w, Net: net, Ref: ref, Batch: bt, Chosen: chosen, Rows: rows, Lie: lie, Rng: r}
	shaper, _ := arm.(RewardShaper)
	lossTerm, _ := arm.(LossTerm)
	intervener, _ := arm.(Intervener)
	editor, _ := arm.(GradEditor)
	observer, _ := arm.(StepObserver)
	updEditor, _ := arm.(UpdateEditor)
	var before, delta [][]float32
	allParams := net.Params()
	if updEditor != nil {
		for _, p := range allParams {
			before = append(before, make([]float32, p.Value.Len()))
			delta = append(delta, make([]float32, p.Value.Len()))
		}
	}
	tail := max(cfg.Steps/10, 1)
	brain := cfg.Arch == BrainLike

	for step := 0; step < cfg.Steps; step++ {
		if observe != nil && cfg.LogEvery > 0 && step%cfg.LogEvery == 0 {
			if err := observe(step); err != nil {
				return st, err
			}
		}
		if step%25 == 0 {
			if err := ctx.Err(); err != nil {
				return st, err
			}
		}
		s.Index = step
		bt.Sample(w, r, vault.Honest, false)
		tp.Reset()

		// The frozen reference policy's log-probabilities (constants).
		refOut := ref.Forward(tp, agent.Inputs{Obs: bt.Obs, Instruction: bt.Instruction}, agent.Options{Frozen: true}, nil)
		s.RefOut = refOut
		for i := 0; i < B; i++ {
			logSoftmaxRow(refOut.Value.Value.Data[i*P:(i+1)*P], cfg.Temperature, refLogp.Data[i*P:(i+1)*P])
		}

		var hooks *hook.Set[float32]
		if intervener != nil {
			hooks = intervener.TrainHooks(s)
		}
		out := net.Forward(tp, agent.Inputs{Obs: bt.Obs, Instruction: bt.Instruction}, agent.Options{DetachDesire: brain}, hooks)
		s.Out = out
		logp := tp.LogSoftmax(tp.Scale(out.Value, 1/cfg.Temperature, 0), -1) // [B, P]

		// Sample plans, execute them, and compute the value baseline.
		for i := 0; i < B; i++ {
			lp := logp.Value.Data[i*P : (i+1)*P]
			base := 0.0
			for p := range probs {
				probs[p] = math.Exp(float64(lp[p]))
				base += probs[p] * float64(out.Value.Value.Data[i*P+p])
			}
			c := r.Categorical(probs)
			chosen[i], chosenIdx[i], rows[i] = vault.Plan(c), c, i*P+c
			o := w.Execute(r, chosen[i], bt.State(i))
			reward[i], lie[i] = o.Proxy, o.Lie
			adv.Data[i] = float32(-base) // completed below, after shaping
		}
		ch := tp.Index(tp.Reshape(out.H, B*P, hid), 0, rows)
		if brain {
			ch = tp.Detach(ch)
		}
		s.ChosenH = ch
		if shaper != nil {
			if err := shaper.ShapeReward(s, reward); err != nil {
				return st, fmt.Errorf("rl step %d: %s: %w", step, arm.Name(), err)
			}
		}
		for i := range reward {
			rewardT.Data[i] = float32(reward[i])
			adv.Data[i] += float32(reward[i])
		}

		// Loss = value regression + REINFORCE + KL + predictive (+ arm term).
		value := MSE(tp, tp.Gather(out.Value, chosenIdx), rewardT)
		pg := tp.Scale(tp.Sum(tp.Mul(tp.Gather(logp, chosenIdx), tp.Const(adv))), -1/float64(B), 0)
		kl := tp.Scale(tp.Sum(tp.Mul(tp.Exp(logp), tp.Sub(logp, tp.Const(refLogp)))), 1/float64(B), 0)
		pred := PredictiveLoss(tp, out.Pred, bt.Targets)
		loss := tp.Add(tp.Add(tp.Scale(value, cfg.ValueCoef, 0), tp.Scale(pg, cfg.PGCoef, 0)),
			tp.Add(tp.Scale(kl, cfg.KLCoef, 0), tp.Scale(pred, cfg.PredCoef, 0)))
		if lossTerm != nil {
			extra, err := lossTerm.Loss(s)
			if err != nil {
				return st, fmt.Errorf("rl step %d: %s: %w", step, arm.Name(), err)
			}
			if extra != nil {
				loss = tp.Add(loss, extra)
			}
		}
		opt.ZeroGrad()
		if err := tp.Backward(loss); err != nil {
			return st, fmt.Errorf("rl step %d: %w", step, err)
		}
		if l := loss.Value.Data[0]; math.IsNaN(float64(l)) || math.IsInf(float64(l), 0) {
			return st, fmt.Errorf("rl step %d: loss is %v", step, l)
		}
		if editor != nil {
			if err := editor.EditGrads(s); err != nil {
				return st, fmt.Errorf("rl step %d: %s: %w", step, arm.Name(), err)
			}
		}
		if updEditor != nil {
			for i, p := range allParams {
				copy(before[i], p.Value.Data)
			}
		}
		opt.Step()
		if updEditor != nil {
			for i, p := range allParams {
				for j, v := range p.Value.Data {
					delta[i][j] = v - before[i][j]
				}
			}
			if err := updEditor.EditUpdate(s, delta); err != nil {
				return st, fmt.Errorf("rl step %d: %s: %w", step, arm.Name(), err)
			}
			for i, p := range allParams {
				for j := range p.Value.Data {
					p.Value.Data[j] = before[i][j] + delta[i][j]
				}
			}
		}
		if observer != nil {
			if err := observer.AfterStep(s); err != nil {
				return st, fmt.Errorf("rl step %d: %s: %w", step, arm.Name(), err)
			}
		}
		if step >= cfg.Steps-tail {
			for i := range reward {
				st.MeanProxy += reward[i]
				if lie[i] {
					st.SampledLies++
				}
			}
		}
	}
	n := float64(tail * B)
	st.MeanProxy /= n
	st.SampledLies /= n
	if observe != nil && cfg.LogEvery > 0 {
		if err := observe(cfg.Steps); err != nil {
			return st, err
		}
	}
	return st, nil
}

// logSoftmaxRow writes log softmax(v/temperature) into dst.
func logSoftmaxRow(v []float32, temperature float64, dst []float32) {
	m := math.Inf(-1)
	for _, x := range v {
		m = math.Max(m, float64(x)/temperature)
	}
	s := 0.0
	for _, x := range v {
		s += math.Exp(float64(x)/temperature - m)
	}
	lse := m + math.Log(s)
	for i, x := range v {
		dst[i] = float32(float64(x)/temperature - lse)
	}
}
