package probe

import (
	"encoding/json"
	"fmt"
	"math"

	"interloop/tensor"
)

// Seqs is a batch of padded sequences of activations.
type Seqs struct {
	X *tensor.Tensor[float32] // [n, T, d]
	// Mask marks valid positions, row-major [n, T]; nil means all valid.
	// Valid positions need not be a prefix (e.g. response tokens after a
	// prompt); every sequence needs at least one.
	Mask []bool
}

// LenMask returns the [n, T] mask whose sequence i is valid at positions
// [0, lens[i]).
func LenMask(lens []int, T int) []bool {
	m := make([]bool, len(lens)*T)
	for i, l := range lens {
		for t := 0; t < min(l, T); t++ {
			m[i*T+t] = true
		}
	}
	return m
}

// dims validates s and returns n, T, d.
func (s Seqs) dims() (n, T, d int, err error) {
	if s.X == nil {
		return 0, 0, 0, fmt.Errorf("%w: nil sequence activations", ErrEmpty)
	}
	if s.X.Rank() != 3 {
		return 0, 0, 0, fmt.Errorf("%w: sequence activations have shape %v, want n×T×d", ErrShape, s.X.Shape())
	}
	n, T, d = s.X.Dim(0), s.X.Dim(1), s.X.Dim(2)
	if n == 0 || T == 0 || d == 0 {
		return n, T, d, fmt.Errorf("%w: sequence activations have shape %v", ErrEmpty, s.X.Shape())
	}
	if s.Mask != nil && len(s.Mask) != n*T {
		return n, T, d, fmt.Errorf("%w: mask has %d entries for %d×%d positions", ErrShape, len(s.Mask), n, T)
	}
	for i := 0; i < n; i++ {
		ok := false
		for t := 0; t < T; t++ {
			if s.valid(i, t, T) {
				ok = true
				for _, v := range s.X.Data[(i*T+t)*d : (i*T+t+1)*d] {
					if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
						return n, T, d, fmt.Errorf("%w: %v in sequence %d at position %d", ErrNonFinite, v, i, t)
					}
				}
			}
		}
		if !ok {
			return n, T, d, fmt.Errorf("%w: sequence %d has no valid position", ErrEmpty, i)
		}
	}
	return n, T, d, nil
}

func (s Seqs) valid(i, t, T int) bool { return s.Mask == nil || s.Mask[i*T+t] }

// tokens gathers the valid positions of the chosen sequences into an m×d
// matrix; owner[r] is the sequence of row r. With lastOnly, only each
// sequence's last valid position is taken.
func (s Seqs) tokens(lastOnly bool) (X *tensor.Tensor[float32], owner []int) {
	n, T, d := s.X.Dim(0), s.X.Dim(1), s.X.Dim(2)
	var data []float32
	for i := 0; i < n; i++ {
		last := -1
		for t := 0; t < T; t++ {
			if !s.valid(i, t, T) {
				continue
			}
			if lastOnly {
				last = t
				continue
			}
			data = append(data, s.X.Data[(i*T+t)*d:(i*T+t+1)*d]...)
			owner = append(owner, i)
		}
		if lastOnly {
			data = append(data, s.X.Data[(i*T+last)*d:(i*T+last+1)*d]...)
			owner = append(owner, i)
		}
	}
	return tensor.FromData(data, len(owner), d), owner
}

// SeqDetector scores whole sequences: one score in [0, 1] per sequence. Like
// Detector, it is frozen; scoring never mutates it.
type SeqDetector interface {
	Kind() string
	ScoreSeqs(s Seqs, dst []float64) error
}

// Pool is how per-token scores become one sequence score.
type Pool int

const (
	PoolMean Pool = iota // mean of token scores over valid positions
	PoolMax              // max of token scores over valid positions
	PoolLast             // score of the last valid position
)

var poolNames = []string{"mean", "max", "last"}

func (p Pool) String() string {
	if p >= 0 && int(p) < len(poolNames) {
		return poolNames[p]
	}
	return fmt.Sprintf("Pool(%d)", int(p))
}

// MarshalJSON writes the pool by name.
func (p Pool) MarshalJSON() ([]byte, error) { return json.Marshal(p.String()) }

// UnmarshalJSON reads a pool name.
func (p *Pool) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	for i, n := range poolNames {
		if n == s {
			*p = Pool(i)
			return nil
		}
	}
	return fmt.Errorf("%w: unknown pool %q", ErrConfig, s)
}

// Pooled aggregates a per-token detector over the valid positions of each
// sequence. Aggregation is over token scores (not activations), as in the
// mean- and max-aggregated probes of RL-Obfuscation.
type Pooled struct {
	token Detector
	pool  Pool
}

// NewPooled wraps a fitted per-token detector.
func NewPooled(token Detector, pool Pool) (*Pooled, error) {
	if token == nil {
		return nil, fmt.Errorf("pooled: %w: nil token detector", ErrConfig)
	}
	if pool < PoolMean || pool > PoolLast {
		return nil, fmt.Errorf("pooled: %w: %v", ErrConfig, pool)
	}
	return &Pooled{token: token, pool: pool}, nil
}

// FitPooled fits the token detector with fit on token-level data: for
// PoolMean and PoolMax every valid position inherits its sequence's label;
// for PoolLast only the last valid positions are used.
func FitPooled(s Seqs, y []bool, pool Pool, fit Fitter) (*Pooled, error) {
	n, _, _, err := s.dims()
	if err != nil {
		return nil, fmt.Errorf("pooled: %w", err)
	}
	if len(y) != n {
		return nil, fmt.Errorf("pooled: %w: %d sequences, %d labels", ErrShape, n, len(y))
	}
	X, owner := s.tokens(pool == PoolLast)
	ty := make([]bool, len(owner))
	for r, i := range owner {
		ty[r] = y[i]
	}
	tok, err := fit.Fit(X, ty)
	if err != nil {
		return nil, fmt.Errorf("pooled: token detector: %w", err)
	}
	return NewPooled(tok, pool)
}

// Kind implements SeqDetector.
func (p *Pooled) Kind() string { return "pooled" }

// Token returns the per-token detector.
func (p *Pooled) Token() Detector { return p.token }

// Pool returns the aggregation.
func (p *Pooled) Pool() Pool { return p.pool }

// ScoreSeqs implements SeqDetector.
func (p *Pooled) ScoreSeqs(s Seqs, dst []float64) error {
	n, _, _, err := s.dims()
	if err != nil {
		return fmt.Errorf("pooled: %w", err)
	}
	if len(dst) != n {
		return fmt.Errorf("pooled: %w: dst has length %d for %d sequences", ErrShape, len(dst), n)
	}
	X, owner := s.tokens(p.pool == PoolLast)
	ts := make([]float64, len(owner))
	if err := p.token.Score(X, ts); err != nil {
		return fmt.Errorf("pooled: %w", err)
	}
	count := make([]int, n)
	for i := range dst {
		dst[i] = 0
		if p.pool == PoolMax {
			dst[i] = math.Inf(-1)
		}
	}
	for r, i := range owner {
		switch p.pool {
		case PoolMax:
			dst[i] = math.Max(dst[i], ts[r])
		default: // mean; last has one row per sequence
			dst[i] += ts[r]
			count[i]++
		}
	}
	if p.pool != PoolMax {
		for i := range dst {
			dst[i] /= float64(count[i])
		}
	}
	return nil
}
