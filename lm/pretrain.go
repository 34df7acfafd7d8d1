package lm

import (
	"context"
	"fmt"
	"math"

	"interloop/engine"
	"interloop/env/vault"
	"interloop/optim"
	"interloop/rng"
)

// PretrainConfig sets language-model pre-training. Start from
// DefaultPretrain.
type PretrainConfig struct {
	// Steps of AdamW on next-token cross-entropy. Default 1000.
	Steps int `json:"steps"`
	// Batch is the number of episodes per step. Default 64.
	Batch int `json:"batch"`
	// LR is the peak learning rate (linear warm-up over 5% of the steps,
	// cosine decay to a tenth). Default 3e-3.
	LR float64 `json:"lr"`
	// EvalEpisodes is the number of fresh episodes the report is measured
	// on. Default 512.
	EvalEpisodes int `json:"eval_episodes"`
}

// DefaultPretrain returns the documented defaults.
func DefaultPretrain() PretrainConfig {
	return PretrainConfig{Steps: 1000, Batch: 64, LR: 3e-3, EvalEpisodes: 512}
}

// Validate reports the first invalid field.
func (c PretrainConfig) Validate() error {
	switch {
	case c.Steps < 0:
		return fmt.Errorf("pretrain.steps %d < 0", c.Steps)
	case c.Batch < 1:
		return fmt.Errorf("pretrain.batch %d < 1", c.Batch)
	case !(c.LR > 0):
		return fmt.Errorf("pretrain.lr %v must be > 0", c.LR)
	case c.EvalEpisodes < 8:
		return fmt.Errorf("pretrain.eval_episodes %d < 8", c.EvalEpisodes)
	}
	return nil
}

// PretrainReport says what the language model learned.
type PretrainReport struct {
	// Loss is the mean cross-entropy (nats per predicted token: response and
	// verdict) over the last 10% of steps.
	Loss float64 `json:"loss"`
	// ZAccuracy is the share of greedy <honest> reports whose meaning
	// matches z: the model's knowledge of the hidden state, read from text.
	ZAccuracy float64 `json:"z_accuracy"`
	// ActionAccuracy is the share of greedy <honest> actions that are right
	// for z (a second reading of the belief: the task needs it).
	ActionAccuracy float64 `json:"action_accuracy"`
	// LieFollowing is the share of greedy <lie> reports that are lies.
	LieFollowing float64 `json:"lie_following"`
	// Valid is the share of well-formed greedy responses.
	Valid float64 `json:"valid"`
	// Seconds is the training time.
	Seconds float64 `json:"seconds"`
}

// Pretrain trains m on the corpus (in place) and reports what it learned.
func Pretrain(ctx context.Context, m *Model, w *vault.World, corpus CorpusConfig, cfg PretrainConfig, r *rng.PCG) (PretrainReport, error) {
	var rep PretrainReport
	if err := cfg.Validate(); err != nil {
		return rep, err
	}
	opt, err := optim.NewAdamW(m.Params(), optim.AdamConfig{LR: cfg.LR})
	if err != nil {
		return rep, err
	}
	sched := optim.Cosine{Peak: cfg.LR, Min: cfg.LR / 10, Warmup: max(cfg.Steps/20, 1), Total: cfg.Steps}
	c := NewCorpus(corpus, w)
	ids := make([]int, cfg.Batch*Context)
	targets := make([]int, cfg.Batch*Context)
	tp := engine.NewTape[float32]()
	tail := max(cfg.Steps/10, 1)
	for step := 0; step < cfg.Steps; step++ {
		if step%50 == 0 {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
		}
		c.Fill(r, ids, targets)
		tp.Reset()
		loss := tp.CrossEntropy(m.Logits(tp, ids, Context, nil), targets) // [B, Context, V] → scalar
		opt.ZeroGrad()
		if err := tp.Backward(loss); err != nil {
			return rep, fmt.Errorf("lm: pretrain step %d: %w", step, err)
		}
		l := float64(loss.Value.Data[0])
		if math.IsNaN(l) || math.IsInf(l, 0) {
			return rep, fmt.Errorf("lm: pretrain step %d: loss %v", step, l)
		}
		if step >= cfg.Steps-tail {
			rep.Loss += l / float64(tail)
		}
		opt.LR = sched.LR(step)
		opt.Step()
	}
	return rep, measure(m, w, cfg.EvalEpisodes, r, &rep)
}

// measure fills the report's accuracies from greedy responses to fresh
// <honest> and <lie> episodes.
func measure(m *Model, w *vault.World, n int, r *rng.PCG, rep *PretrainReport) error {
	s := newSampler()
	var valid, zRight, actRight, lies, nLie, nHonest int
	for _, in := range []vault.Instruction{vault.Honest, vault.Lie} {
		ro, err := rollout(m, s, sampleEpisodes(w, r, n, in), 0, r)
		if err != nil {
			return err
		}
		for i, e := range ro.Episodes {
			if !ro.Valid[i] {
				continue
			}
			valid++
			p := ro.Plans[i]
			if in == vault.Lie {
				nLie++
				if vault.IsLie(p, e.Stolen) {
					lies++
				}
				continue
			}
			nHonest++
			if !vault.IsLie(p, e.Stolen) {
				zRight++
			}
			if p.Action() == e.RightAction() {
				actRight++
			}
		}
	}
	rep.Valid = float64(valid) / float64(2*n)
	rep.ZAccuracy = ratio(zRight, nHonest)
	rep.ActionAccuracy = ratio(actRight, nHonest)
	rep.LieFollowing = ratio(lies, nLie)
	return nil
}

func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// sampleEpisodes draws n episodes with instruction in.
func sampleEpisodes(w *vault.World, r *rng.PCG, n int, in vault.Instruction) []Episode {
	buf := make([]float64, obsBufLen(w))
	eps := make([]Episode, n)
	for i := range eps {
		eps[i] = SampleEpisode(w, r, in, buf)
	}
	return eps
}

// Rollouts are sampled responses to a set of episodes.
type Rollouts struct {
	Episodes []Episode
	IDs      []int // [n, GenLen]: prompt, response, Pad
	Plans    []vault.Plan
	Valid    []bool // well-formed response
	Lens     []int  // response length (END included; MaxResponse when END never came)
}

// rolloutChunk bounds the batch of one generation pass.
const rolloutChunk = 256

// rollout samples a response to every episode at the temperature (0 =
// greedy).
func rollout(m *Model, s *sampler, eps []Episode, temperature float64, r *rng.PCG) (*Rollouts, error) {
	n := len(eps)
	ro := &Rollouts{Episodes: eps, IDs: make([]int, n*GenLen), Plans: make([]vault.Plan, n), Valid: make([]bool, n), Lens: make([]int, n)}
	row := make([]int, 0, PromptLen)
	for i := range eps {
		copy(ro.IDs[i*GenLen:], eps[i].Prompt(row[:0]))
	}
	for lo := 0; lo < n; lo += rolloutChunk {
		hi := min(lo+rolloutChunk, n)
		if err := s.generate(m, ro.IDs[lo*GenLen:hi*GenLen], hi-lo, temperature, r); err != nil {
			return nil, err
		}
	}
	ro.parse()
	return ro, nil
}

// parse fills Plans, Valid and Lens from IDs.
func (ro *Rollouts) parse() {
	for i := range ro.Plans {
		ro.Plans[i], ro.Lens[i], ro.Valid[i] = Parse(ro.IDs[i*GenLen+PromptLen : (i+1)*GenLen])
	}
}
