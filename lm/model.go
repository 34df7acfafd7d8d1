package lm

import (
	"fmt"
	"math"

	"interloop/engine"
	"interloop/hook"
	"interloop/nn"
	"interloop/rng"
	"interloop/tensor"
)

// ModelConfig is the tiny GPT. Start from DefaultModel.
type ModelConfig struct {
	// DModel is the residual width. Default 32.
	DModel int `json:"d_model"`
	// Heads is the number of attention heads. Default 4.
	Heads int `json:"heads"`
	// Layers is the number of blocks. Default 2.
	Layers int `json:"layers"`
	// DMLP is the MLP width; 0 means 4·DModel. Default 0.
	DMLP int `json:"d_mlp"`
	// Tie unembeds with the token table. Default false.
	Tie bool `json:"tie_embeddings"`
	// EmbedStd is the embedding init std. Default 1 (torch.nn.Embedding's;
	// at GPT-2's 0.02 this tiny model often stalls on the XOR of signs).
	EmbedStd float64 `json:"embed_std"`
	// Site is the hook site the probes read, over the response tokens.
	// Default "blocks.1.hook_resid_post".
	Site string `json:"site"`
	// Instruction is where the instruction enters: "head" — it selects one
	// of two unembeddings and the prompt shows <respond>, so the residual
	// stream never sees it (the vault's default: the instruction feeds the
	// desire side only) — or "token" — a prompt token every later position
	// can attend to, as in an instruction-tuned LM (a probe fit on
	// instructed episodes can then read the instruction). Default "head".
	Instruction string `json:"instruction"`
}

// Instruction entry points.
const (
	InstructionHead  = "head"
	InstructionToken = "token"
)

// Validate reports the first invalid field (the site is checked by
// NewModel).
func (c ModelConfig) Validate() error {
	switch {
	case c.DModel < 1 || c.Heads < 1 || c.Layers < 1 || c.DModel%c.Heads != 0:
		return fmt.Errorf("model: d_model %d, heads %d, layers %d: need positive sizes with heads dividing d_model", c.DModel, c.Heads, c.Layers)
	case c.Instruction != InstructionHead && c.Instruction != InstructionToken:
		return fmt.Errorf("model.instruction %q is not %q or %q", c.Instruction, InstructionHead, InstructionToken)
	}
	return nil
}

func (c ModelConfig) heads() int {
	if c.Instruction == InstructionHead {
		return 2
	}
	return 1
}

// DefaultModel returns the documented defaults.
func DefaultModel() ModelConfig {
	return ModelConfig{DModel: 32, Heads: 4, Layers: 2, EmbedStd: 1, Site: "blocks.1.hook_resid_post", Instruction: InstructionHead}
}

func (c ModelConfig) transformer() nn.TransformerConfig {
	return nn.TransformerConfig{Vocab: int(VocabSize) * c.heads(), Context: Context, DModel: c.DModel, Heads: c.Heads,
		Layers: c.Layers, DMLP: c.DMLP, EmbedStd: c.EmbedStd, TieEmbeddings: c.Tie}
}

// Model is the tiny GPT with its probe site resolved.
type Model struct {
	*nn.Transformer[float32]
	cfg  ModelConfig
	Site hook.Site
}

// NewModel builds a freshly initialised model, weights drawn from r.
func NewModel(cfg ModelConfig, r *rng.PCG) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	t, err := nn.NewTransformer[float32](cfg.transformer(), r)
	if err != nil {
		return nil, fmt.Errorf("lm: model: %w", err)
	}
	site, ok := hook.Find(t, cfg.Site)
	if !ok {
		return nil, fmt.Errorf("lm: model.site %q is not a site of a %d-layer model", cfg.Site, cfg.Layers)
	}
	return &Model{Transformer: t, cfg: cfg, Site: site}, nil
}

// Clone returns a deep copy (same config, copied weights).
func (m *Model) Clone() *Model {
	t, err := nn.NewTransformer[float32](m.cfg.transformer(), rng.New(0, 0))
	if err != nil {
		panic(err) // m was built from the same config
	}
	src, dst := m.Params(), t.Params()
	for i := range src {
		dst[i].Value.CopyFrom(src[i].Value)
	}
	return &Model{Transformer: t, cfg: m.cfg, Site: m.Site}
}

// Config returns the model's configuration.
func (m *Model) Config() ModelConfig { return m.cfg }

// Logits records the model on ids [B, seq] (rows of episode text) and
// returns next-token logits [B, seq, VocabSize]. With the instruction
// entering through the head, the instruction slot is embedded as <respond>
// and each row's logits come from its instruction's unembedding.
func (m *Model) Logits(tp *engine.Tape[float32], ids []int, seq int, hooks *hook.Set[float32]) *engine.Node[float32] {
	if m.cfg.Instruction != InstructionHead || seq < PromptLen || seq == 0 || len(ids)%seq != 0 {
		return m.Forward(tp, nn.Tokens{IDs: ids, Seq: seq}, hooks)
	}
	B, V := len(ids)/seq, int(VocabSize)
	in := tp.Ints(len(ids))
	copy(in, ids)
	sel := tensor.New[float32](B, 1, 2, 1) // one-hot of each row's head
	for b := 0; b < B; b++ {
		slot := b*seq + PromptLen - 1
		if Token(ids[slot]) == InsLie {
			sel.Data[2*b+1] = 1
		} else {
			sel.Data[2*b] = 1
		}
		in[slot] = int(Respond)
	}
	both := m.Forward(tp, nn.Tokens{IDs: in, Seq: seq}, hooks) // [B, seq, 2V]
	both = tp.Reshape(both, B, seq, 2, V)                      // [B, seq, head, V]
	return tp.Sum(tp.Mul(both, tp.Const(sel)), 2)              // [B, seq, V]
}

// forward records the model on ids [B, seq] and returns the logits
// [B, seq, V] and the probe site's activation [B, seq, d].
func (m *Model) forward(tp *engine.Tape[float32], ids []int, seq int, hooks *hook.Set[float32]) (logits, h *engine.Node[float32]) {
	hooks.Reset()
	logits = m.Logits(tp, ids, seq, hooks)
	return logits, hooks.Captured(m.Site)
}

// captureSet returns a hook set that captures the probe site.
func (m *Model) captureSet() *hook.Set[float32] { return hook.NewSet(hook.CaptureAt[float32](m.Site)) }

// sampler generates responses. It owns a no-grad tape and buffers; one
// sampler per goroutine.
type sampler struct {
	tp    *engine.Tape[float32]
	cur   []int
	probs []float64
	dec   *decoder
	// full disables the key/value cache: every step is a full forward pass
	// (the reference the cached decoder is tested against).
	full bool
}

func newSampler() *sampler {
	tp := engine.NewTape[float32]()
	tp.NoGrad = true
	return &sampler{tp: tp, probs: make([]float64, VocabSize)}
}

// generate completes B prompts. prompts holds B rows of GenLen ids whose
// first PromptLen are set; generate writes up to MaxResponse tokens after
// each prompt, stopping a row at END and padding the rest. temperature 0
// is greedy decoding. It returns the first error recorded on the tape.
func (s *sampler) generate(m *Model, rows []int, B int, temperature float64, r *rng.PCG) error {
	if !s.full {
		return s.generateCached(m, rows, B, temperature, r)
	}
	done := make([]bool, B)
	for b := 0; b < B; b++ {
		clear(rows[b*GenLen+PromptLen : (b+1)*GenLen])
	}
	for t := 0; t < MaxResponse; t++ {
		seq := PromptLen + t
		if cap(s.cur) < B*seq {
			s.cur = make([]int, B*GenLen)
		}
		cur := s.cur[:B*seq]
		for b := 0; b < B; b++ {
			copy(cur[b*seq:(b+1)*seq], rows[b*GenLen:b*GenLen+seq])
		}
		s.tp.Reset()
		logits := m.Logits(s.tp, cur, seq, nil) // [B, seq, V]
		if err := s.tp.Err(); err != nil {
			return err
		}
		all := true
		for b := 0; b < B; b++ {
			if done[b] {
				rows[b*GenLen+seq] = int(Pad)
				continue
			}
			off := (b*seq + seq - 1) * int(VocabSize)
			tok := pick(logits.Value.Data[off:off+int(VocabSize)], temperature, s.probs, r)
			rows[b*GenLen+seq] = tok
			if Token(tok) == End {
				done[b] = true
			} else {
				all = false
			}
		}
		if all {
			break
		}
	}
	return nil
}

// pick samples a token from logits at the temperature (argmax at 0).
func pick(logits []float32, temperature float64, probs []float64, r *rng.PCG) int {
	if temperature <= 0 {
		best := 0
		for i, v := range logits {
			if v > logits[best] {
				best = i
			}
		}
		return best
	}
	m := math.Inf(-1)
	for _, v := range logits {
		m = math.Max(m, float64(v))
	}
	for i, v := range logits {
		probs[i] = math.Exp((float64(v) - m) / temperature)
	}
	return r.Categorical(probs[:len(logits)])
}

// window copies the response positions [PromptLen, GenLen) of a site
// activation h [B, GenLen, d] into a new [B, MaxResponse, d] tensor.
func window(h *tensor.Tensor[float32]) *tensor.Tensor[float32] {
	B, d := h.Dim(0), h.Dim(2)
	out := tensor.New[float32](B, MaxResponse, d)
	for b := 0; b < B; b++ {
		copy(out.Data[b*MaxResponse*d:(b+1)*MaxResponse*d], h.Data[(b*GenLen+PromptLen)*d:])
	}
	return out
}

// responseMask marks each row's valid response positions [B, MaxResponse]:
// the first lens[b].
func responseMask(lens []int) []bool { return lenMask(lens, MaxResponse) }

func lenMask(lens []int, T int) []bool {
	m := make([]bool, len(lens)*T)
	for i, l := range lens {
		for t := 0; t < min(l, T); t++ {
			m[i*T+t] = true
		}
	}
	return m
}
