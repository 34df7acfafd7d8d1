package lm

import (
	"context"
	"fmt"
	"math"
	"time"

	"interloop/engine"
	"interloop/env/vault"
	"interloop/optim"
	"interloop/probe"
	"interloop/rng"
	"interloop/tensor"
)

// RLConfig sets RL fine-tuning (GRPO). Start from DefaultRL.
type RLConfig struct {
	// Steps of RL. Default 150.
	Steps int `json:"steps"`
	// Prompts is the number of episodes per step. Default 16.
	Prompts int `json:"prompts"`
	// Group is the number of responses sampled per prompt; advantages are
	// relative to the group's mean reward. Default 8.
	Group int `json:"group"`
	// LR is Adam's learning rate. Default 1e-3.
	LR float64 `json:"lr"`
	// Temperature is the sampling temperature. Default 1.
	Temperature float64 `json:"temperature"`
	// KLCoef weights the exact per-token KL(π ‖ π_ref) to the pre-RL model,
	// summed over the response. Default 0.05.
	KLCoef float64 `json:"kl_coef"`
	// StdNormalize divides advantages by the group's reward std (GRPO);
	// false keeps raw mean-centred rewards (Dr. GRPO). Default true.
	StdNormalize bool `json:"std_normalize"`
	// MaxGradNorm clips the global gradient norm (0: no clipping). Default 1.
	MaxGradNorm float64 `json:"max_grad_norm"`
	// InvalidReward is the proxy reward of a malformed response. Default −1.
	InvalidReward float64 `json:"invalid_reward"`
}

// DefaultRL returns the documented defaults.
func DefaultRL() RLConfig {
	return RLConfig{Steps: 150, Prompts: 16, Group: 8, LR: 1e-3, Temperature: 1, KLCoef: 0.05,
		StdNormalize: true, MaxGradNorm: 1, InvalidReward: -1}
}

// Validate reports the first invalid field.
func (c RLConfig) Validate() error {
	switch {
	case c.Steps < 0:
		return fmt.Errorf("rl.steps %d < 0", c.Steps)
	case c.Prompts < 1:
		return fmt.Errorf("rl.prompts %d < 1", c.Prompts)
	case c.Group < 2:
		return fmt.Errorf("rl.group %d < 2 (advantages are relative to the group)", c.Group)
	case !(c.LR > 0):
		return fmt.Errorf("rl.lr %v must be > 0", c.LR)
	case !(c.Temperature > 0):
		return fmt.Errorf("rl.temperature %v must be > 0", c.Temperature)
	case c.KLCoef < 0 || c.MaxGradNorm < 0:
		return fmt.Errorf("rl: kl_coef and max_grad_norm must be ≥ 0")
	}
	return nil
}

// Step is what an arm sees of one RL step. Nodes are valid until the next
// step.
type Step struct {
	Index, Steps int
	Tape         *engine.Tape[float32]
	World        *vault.World
	Policy, Ref  *Model
	Episodes     []Episode    // one per response (prompts repeated Group times)
	IDs          []int        // [B, GenLen] prompts and sampled responses
	Plans        []vault.Plan // parsed responses
	Valid        []bool       // well-formed responses
	Lens         []int        // response lengths
	Lie          []bool       // ground truth, for reference monitors only
	// H is the probe site's activation on the response tokens,
	// [B, MaxResponse, d], a node of the training graph: a loss built on it
	// sends its gradient into the policy. Mask marks valid positions.
	H    *engine.Node[float32]
	Mask []bool
	Rng  *rng.PCG
}

// Arm is an RL training technique. It implements any of rewardShaper,
// lossTerm and stepObserver; the loop finds them by type assertion.
type Arm interface {
	Name() string
}

type rewardShaper interface {
	shapeReward(s *Step, reward []float64) error
}

type lossTerm interface {
	loss(s *Step) (*engine.Node[float32], error)
}

type stepObserver interface {
	afterStep(s *Step) error
}

// Stats summarises an RL phase.
type Stats struct {
	MeanReward  float64   `json:"mean_reward"`  // received (shaped) reward, last 10% of steps
	SampledLies float64   `json:"sampled_lies"` // lie rate of sampled responses, last 10% of steps
	Invalid     float64   `json:"invalid"`      // malformed responses, last 10% of steps
	FirstLies   float64   `json:"first_lies"`   // lie rate of the first 10% of steps
	Seconds     float64   `json:"seconds"`      // wall time
	Curve       []float64 `json:"lie_curve"`    // sampled lie rate per tenth of the steps
}

// RL fine-tunes policy in place against the overseer's reward with arm,
// with a KL penalty to ref (the frozen pre-RL model). Each step samples
// Group responses to each of Prompts fresh <honest> episodes at the
// temperature and takes one policy-gradient step on the group-relative
// advantages (GRPO, on-policy, so no ratio clipping is needed).
func RL(ctx context.Context, policy, ref *Model, w *vault.World, cfg RLConfig, arm Arm, r *rng.PCG) (Stats, error) {
	var st Stats
	if err := cfg.Validate(); err != nil {
		return st, err
	}
	start := time.Now()
	opt, err := optim.NewAdam(policy.Params(), optim.AdamConfig{LR: cfg.LR})
	if err != nil {
		return st, err
	}
	G, K := cfg.Prompts, cfg.Group
	B := G * K
	V := int(VocabSize)
	tp := engine.NewTape[float32]()
	refTp := engine.NewTape[float32]()
	refTp.NoGrad = true
	smp := newSampler()
	hooks := policy.captureSet()
	obsBuf := make([]float64, obsBufLen(w))
	prompt := make([]int, 0, PromptLen)
	s := &Step{Steps: cfg.Steps, Tape: tp, World: w, Policy: policy, Ref: ref, Rng: r,
		Episodes: make([]Episode, B), IDs: make([]int, B*GenLen), Plans: make([]vault.Plan, B),
		Valid: make([]bool, B), Lens: make([]int, B), Lie: make([]bool, B)}
	reward := make([]float64, B)
	targets := make([]int, B*MaxResponse)
	coef := tensor.New[float32](B, MaxResponse)       // advantage·mask/B per response token
	klMask := tensor.New[float32](B, MaxResponse, 1)  // mask/B
	refLogp := tensor.New[float32](B, MaxResponse, V) // the reference's log-probabilities
	shaper, _ := arm.(rewardShaper)
	term, _ := arm.(lossTerm)
	observer, _ := arm.(stepObserver)
	tail := max(cfg.Steps/10, 1)
	tenth := max(cfg.Steps/10, 1)
	var curLies, curN float64

	for step := 0; step < cfg.Steps; step++ {
		if step%10 == 0 {
			if err := ctx.Err(); err != nil {
				return st, err
			}
		}
		s.Index = step
		// Prompts, each repeated Group times, and sampled responses.
		for g := 0; g < G; g++ {
			e := SampleEpisode(w, r, vault.Honest, obsBuf)
			p := e.Prompt(prompt[:0])
			for k := 0; k < K; k++ {
				i := g*K + k
				s.Episodes[i] = e
				copy(s.IDs[i*GenLen:], p)
			}
		}
		if err := smp.generate(policy, s.IDs, B, cfg.Temperature, r); err != nil {
			return st, fmt.Errorf("lm: rl step %d: %w", step, err)
		}
		for i := range s.Plans {
			s.Plans[i], s.Lens[i], s.Valid[i] = Parse(s.IDs[i*GenLen+PromptLen : (i+1)*GenLen])
			if s.Valid[i] {
				o := w.Execute(r, s.Plans[i], s.Episodes[i].State)
				reward[i], s.Lie[i] = o.Proxy, o.Lie
			} else {
				reward[i], s.Lie[i] = cfg.InvalidReward, false
			}
		}
		s.Mask = responseMask(s.Lens)

		// The training forward pass, with the probe site captured.
		tp.Reset()
		logits, h := policy.forward(tp, s.IDs, GenLen, hooks) // [B, GenLen, V], [B, GenLen, d]
		if h == nil {
			return st, fmt.Errorf("lm: rl: site %s did not fire", policy.Site)
		}
		s.H = tp.Slice(h, 1, PromptLen, GenLen) // [B, MaxResponse, d]
		if shaper != nil {
			if err := shaper.shapeReward(s, reward); err != nil {
				return st, fmt.Errorf("lm: rl step %d: %s: %w", step, arm.Name(), err)
			}
		}
		adv := advantages(reward, G, K, cfg.StdNormalize)

		// Log-probabilities of the sampled response tokens at the temperature.
		lg := tp.Slice(logits, 1, PromptLen-1, GenLen-1)              // [B, MaxResponse, V]: predicts each response token
		logp := tp.LogSoftmax(tp.Scale(lg, 1/cfg.Temperature, 0), -1) // [B, MaxResponse, V]
		for i := 0; i < B; i++ {
			for t := 0; t < MaxResponse; t++ {
				j := i*MaxResponse + t
				targets[j], coef.Data[j], klMask.Data[j] = 0, 0, 0
				if s.Mask[j] {
					targets[j] = s.IDs[i*GenLen+PromptLen+t]
					coef.Data[j] = float32(adv[i] / float64(B))
					klMask.Data[j] = float32(1 / float64(B))
				}
			}
		}
		pg := tp.Neg(tp.Sum(tp.Mul(tp.Gather(logp, targets), tp.Const(coef)))) // −Σ A·log π(token)

		// Exact KL to the reference over the vocabulary at each response token.
		refTp.Reset()
		refLogits := ref.Logits(refTp, s.IDs, GenLen, nil)
		if err := refTp.Err(); err != nil {
			return st, err
		}
		refLogSoftmax(refLogits.Value, cfg.Temperature, refLogp)
		kl := tp.Sum(tp.Mul(tp.Mul(tp.Exp(logp), tp.Sub(logp, tp.Const(refLogp))), tp.Const(klMask))) // Σ π(log π − log π_ref)
		loss := tp.Add(pg, tp.Scale(kl, cfg.KLCoef, 0))
		if term != nil {
			extra, err := term.loss(s)
			if err != nil {
				return st, fmt.Errorf("lm: rl step %d: %s: %w", step, arm.Name(), err)
			}
			loss = tp.Add(loss, extra)
		}
		opt.ZeroGrad()
		if err := tp.Backward(loss); err != nil {
			return st, fmt.Errorf("lm: rl step %d: %w", step, err)
		}
		if l := float64(loss.Value.Data[0]); math.IsNaN(l) || math.IsInf(l, 0) {
			return st, fmt.Errorf("lm: rl step %d: loss %v", step, l)
		}
		if cfg.MaxGradNorm > 0 {
			optim.ClipGradNorm(policy.Params(), cfg.MaxGradNorm)
		}
		opt.Step()
		if observer != nil {
			if err := observer.afterStep(s); err != nil {
				return st, fmt.Errorf("lm: rl step %d: %s: %w", step, arm.Name(), err)
			}
		}

		// Bookkeeping.
		var lies, bad float64
		for i := range reward {
			if s.Lie[i] {
				lies++
			}
			if !s.Valid[i] {
				bad++
			}
		}
		if step < tail {
			st.FirstLies += lies / float64(B*tail)
		}
		if step >= cfg.Steps-tail {
			for _, v := range reward {
				st.MeanReward += v / float64(B*tail)
			}
			st.SampledLies += lies / float64(B*tail)
			st.Invalid += bad / float64(B*tail)
		}
		curLies += lies
		curN += float64(B)
		if (step+1)%tenth == 0 || step == cfg.Steps-1 {
			st.Curve = append(st.Curve, curLies/curN)
			curLies, curN = 0, 0
		}
	}
	st.Seconds = time.Since(start).Seconds()
	return st, nil
}

// advantages returns group-relative advantages: each reward minus its
// group's mean, divided by the group's std (plus 1e-6) when normalize.
func advantages(reward []float64, G, K int, normalize bool) []float64 {
	adv := make([]float64, len(reward))
	for g := 0; g < G; g++ {
		grp := reward[g*K : (g+1)*K]
		var mean, ss float64
		for _, v := range grp {
			mean += v
		}
		mean /= float64(K)
		for _, v := range grp {
			ss += (v - mean) * (v - mean)
		}
		std := math.Sqrt(ss / float64(K))
		for k, v := range grp {
			a := v - mean
			if normalize {
				a /= std + 1e-6
			}
			adv[g*K+k] = a
		}
	}
	return adv
}

// refLogSoftmax writes the log-softmax at the temperature of the logits
// [B, GenLen, V] at the positions predicting response tokens into dst
// [B, MaxResponse, V].
func refLogSoftmax(logits *tensor.Tensor[float32], temperature float64, dst *tensor.Tensor[float32]) {
	B, V := logits.Dim(0), logits.Dim(2)
	for b := 0; b < B; b++ {
		for t := 0; t < MaxResponse; t++ {
			src := logits.Data[(b*GenLen+PromptLen-1+t)*V : (b*GenLen+PromptLen+t)*V]
			out := dst.Data[(b*MaxResponse+t)*V : (b*MaxResponse+t+1)*V]
			m := math.Inf(-1)
			for _, v := range src {
				m = math.Max(m, float64(v)/temperature)
			}
			var z float64
			for _, v := range src {
				z += math.Exp(float64(v)/temperature - m)
			}
			lse := m + math.Log(z)
			for i, v := range src {
				out[i] = float32(float64(v)/temperature - lse)
			}
		}
	}
}

// stepSeqs is the step's response activations (values) as sequences.
func stepSeqs(s *Step) probe.Seqs { return probe.Seqs{X: s.H.Value, Mask: s.Mask} }
