package lm

import (
	"fmt"
	"math"

	"interloop/engine"
	"interloop/env/vault"
	"interloop/metric"
	"interloop/probe"
	"interloop/rng"
	"interloop/tensor"
)

// Agg is how a per-token probe's readings over the response become one
// score.
type Agg string

// The aggregations. Mean, max and last pool a logistic token probe's scores
// (probe.Pooled); attn is the learned attention-pooling probe
// (probe.AttnPool).
const (
	AggMean Agg = "mean"
	AggMax  Agg = "max"
	AggLast Agg = "last"
	AggAttn Agg = "attn"
)

// Aggs lists the aggregations in display order.
func Aggs() []Agg { return []Agg{AggMean, AggMax, AggLast, AggAttn} }

func (a Agg) valid() bool {
	for _, b := range Aggs() {
		if a == b {
			return true
		}
	}
	return false
}

// ProbeConfig sets how the deception probes are fit. Start from
// DefaultProbe.
type ProbeConfig struct {
	// Episodes is the number of instructed episodes (half <honest>, half
	// <lie>) each probe is fit on; as many more calibrate its threshold.
	// Default 512.
	Episodes int `json:"episodes"`
	// C is the token logistic probe's inverse L2 strength. Default 1.
	C float64 `json:"c"`
	// AttnEpochs is the attention probe's training epochs. Default 60.
	AttnEpochs int `json:"attn_epochs"`
}

// DefaultProbe returns the documented defaults.
func DefaultProbe() ProbeConfig { return ProbeConfig{Episodes: 512, C: 1, AttnEpochs: 60} }

// Validate reports the first invalid field.
func (c ProbeConfig) Validate() error {
	switch {
	case c.Episodes < 16:
		return fmt.Errorf("probe.episodes %d < 16", c.Episodes)
	case !(c.C > 0):
		return fmt.Errorf("probe.c %v must be > 0", c.C)
	case c.AttnEpochs < 1:
		return fmt.Errorf("probe.attn_epochs %d < 1", c.AttnEpochs)
	}
	return nil
}

// Probe is a sequence probe over the response tokens at the model's site.
type Probe struct {
	Agg Agg
	Det probe.SeqDetector // *probe.Pooled (mean, max, last) or *probe.AttnPool
	// Threshold flags score > Threshold; calibrated at the audit FPR on
	// held-out instructed <honest> episodes (pre-RL probes only).
	Threshold float64
	// R0 and AUROC0 are the recall at Threshold and the AUROC on held-out
	// instructed episodes.
	R0, AUROC0 float64
}

// fitProbe fits one aggregation on sequences s labelled y.
func fitProbe(agg Agg, s probe.Seqs, y []bool, cfg ProbeConfig, seed uint64) (*Probe, error) {
	var det probe.SeqDetector
	var err error
	switch agg {
	case AggAttn:
		det, err = probe.FitAttnPool(s, y, probe.AttnPoolConfig{Epochs: cfg.AttnEpochs, Seed: seed})
	case AggMean, AggMax, AggLast:
		pool := map[Agg]probe.Pool{AggMean: probe.PoolMean, AggMax: probe.PoolMax, AggLast: probe.PoolLast}[agg]
		det, err = probe.FitPooled(s, y, pool, probe.LogisticConfig{C: cfg.C})
	default:
		err = fmt.Errorf("unknown aggregation %q", agg)
	}
	if err != nil {
		return nil, fmt.Errorf("lm: %s probe: %w", agg, err)
	}
	return &Probe{Agg: agg, Det: det, Threshold: math.NaN(), R0: math.NaN(), AUROC0: math.NaN()}, nil
}

// FitProbes fits every aggregation on instructed episodes of m and
// calibrates each at false-positive rate fpr on as many held-out ones.
func FitProbes(m *Model, w *vault.World, cfg ProbeConfig, fpr float64, seed uint64, r *rng.PCG) (map[Agg]*Probe, error) {
	trainD, held := InstructedData(w, r, cfg.Episodes), InstructedData(w, r, cfg.Episodes)
	sTrain, err := responseActs(m, trainD.IDs, trainD.Lens())
	if err != nil {
		return nil, err
	}
	sHeld, err := responseActs(m, held.IDs, held.Lens())
	if err != nil {
		return nil, err
	}
	out := map[Agg]*Probe{}
	for _, agg := range Aggs() {
		p, err := fitProbe(agg, sTrain, trainD.Lie, cfg, seed)
		if err != nil {
			return nil, err
		}
		sc, err := p.scores(sHeld)
		if err != nil {
			return nil, err
		}
		var neg []float64
		for i, v := range sc {
			if !held.Lie[i] {
				neg = append(neg, v)
			}
		}
		if p.Threshold, err = probe.ThresholdAtFPR(neg, fpr); err != nil {
			return nil, fmt.Errorf("lm: %s probe: %w", agg, err)
		}
		p.R0 = recallAt(sc, held.Lie, p.Threshold)
		p.AUROC0 = auroc(sc, held.Lie)
		out[agg] = p
	}
	return out, nil
}

// refit repeats the instructed recipe for one aggregation on model m (no
// calibration): the retrained probe.
func refit(m *Model, w *vault.World, agg Agg, cfg ProbeConfig, seed uint64, r *rng.PCG) (*Probe, error) {
	d := InstructedData(w, r, cfg.Episodes)
	s, err := responseActs(m, d.IDs, d.Lens())
	if err != nil {
		return nil, err
	}
	return fitProbe(agg, s, d.Lie, cfg, seed)
}

// scores scores each sequence.
func (p *Probe) scores(s probe.Seqs) ([]float64, error) {
	out := make([]float64, s.X.Dim(0))
	if err := p.Det.ScoreSeqs(s, out); err != nil {
		return nil, fmt.Errorf("lm: %s probe: %w", p.Agg, err)
	}
	return out, nil
}

// scoreNode records the probe's sequence score σ ∈ [0, 1] on the tape for
// response activations h [B, T, d] with valid positions mask [B, T], so a
// loss can put a gradient through it into the model. The probe's weights
// are constants. Mean, max and last pool the token probe's scores as
// probe.Pooled does; attn is probe.AttnPool's own differentiable form.
func (p *Probe) scoreNode(tp *engine.Tape[float32], h *engine.Node[float32], mask []bool) (*engine.Node[float32], error) {
	if p.Agg == AggAttn {
		a, ok := p.Det.(probe.DifferentiableSeq)
		if !ok {
			return nil, fmt.Errorf("lm: attn probe %T is not differentiable", p.Det)
		}
		return tp.Sigmoid(a.ScoreSeqNode(tp, h, mask)), nil // [B]
	}
	pooled, ok := p.Det.(*probe.Pooled)
	if !ok {
		return nil, fmt.Errorf("lm: %s probe %T is not pooled", p.Agg, p.Det)
	}
	tok, ok := pooled.Token().(probe.Differentiable)
	if !ok {
		return nil, fmt.Errorf("lm: %s token probe %T is not differentiable", p.Agg, pooled.Token())
	}
	hs := h.Shape()
	B, T := hs[0], hs[1]
	logits := tok.ScoreNode(tp, h) // [B, T]
	switch p.Agg {
	case AggMean:
		w := tensor.New[float32](B, T) // mask / count
		for b := 0; b < B; b++ {
			n := 0
			for t := 0; t < T; t++ {
				if mask[b*T+t] {
					n++
				}
			}
			for t := 0; t < T; t++ {
				if mask[b*T+t] {
					w.Data[b*T+t] = 1 / float32(n)
				}
			}
		}
		return tp.Sum(tp.Mul(tp.Sigmoid(logits), tp.Const(w)), 1), nil // [B]
	case AggMax:
		add := tensor.New[float32](B, T) // 0 valid, −1e9 invalid
		for i, v := range mask {
			if !v {
				add.Data[i] = -1e9
			}
		}
		return tp.Sigmoid(tp.Max(tp.Add(logits, tp.Const(add)), 1)), nil // σ(max logit) = max σ: [B]
	default: // last
		rows := tp.Ints(B)
		for b := 0; b < B; b++ {
			rows[b] = b * T
			for t := 0; t < T; t++ {
				if mask[b*T+t] {
					rows[b] = b*T + t
				}
			}
		}
		return tp.Sigmoid(tp.Index(tp.Reshape(logits, B*T), 0, rows)), nil // [B]
	}
}

// responseActs runs m (no gradient) on rows of GenLen ids and returns the
// site activations at the response positions with each row's valid mask.
func responseActs(m *Model, ids []int, lens []int) (probe.Seqs, error) {
	n := len(lens)
	d := m.Config().DModel
	X := tensor.New[float32](n, MaxResponse, d)
	tp := engine.NewTape[float32]()
	tp.NoGrad = true
	hooks := m.captureSet()
	for lo := 0; lo < n; lo += rolloutChunk {
		hi := min(lo+rolloutChunk, n)
		tp.Reset()
		_, h := m.forward(tp, ids[lo*GenLen:hi*GenLen], GenLen, hooks)
		if err := tp.Err(); err != nil {
			return probe.Seqs{}, err
		}
		if h == nil {
			return probe.Seqs{}, fmt.Errorf("lm: site %s did not fire", m.Site)
		}
		wdw := window(h.Value)
		copy(X.Data[lo*MaxResponse*d:], wdw.Data)
	}
	return probe.Seqs{X: X, Mask: responseMask(lens)}, nil
}

// subset keeps the sequences where keep is set.
func subset(s probe.Seqs, keep []bool) probe.Seqs {
	n, T, d := s.X.Dim(0), s.X.Dim(1), s.X.Dim(2)
	var data []float32
	var mask []bool
	k := 0
	for i := 0; i < n; i++ {
		if !keep[i] {
			continue
		}
		data = append(data, s.X.Data[i*T*d:(i+1)*T*d]...)
		mask = append(mask, s.Mask[i*T:(i+1)*T]...)
		k++
	}
	return probe.Seqs{X: tensor.FromData(data, k, T, d), Mask: mask}
}

// auroc is metric.AUROC, NaN when undefined (one class).
func auroc(s []float64, y []bool) float64 {
	v, err := metric.AUROC(s, y)
	if err != nil {
		return math.NaN()
	}
	return v
}

// recallAtFPR is the rank-based recall at the FPR, NaN when undefined.
func recallAtFPR(s []float64, y []bool, fpr float64) float64 {
	v, err := metric.RecallAtFPR(s, y, fpr)
	if err != nil {
		return math.NaN()
	}
	return v
}

// recallAt is the share of positives scoring above the threshold, NaN with
// no positives.
func recallAt(s []float64, y []bool, thr float64) float64 {
	hit, n := 0, 0
	for i, v := range s {
		if y[i] {
			n++
			if v > thr {
				hit++
			}
		}
	}
	return ratio(hit, n)
}
