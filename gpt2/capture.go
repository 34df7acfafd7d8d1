package gpt2

import (
	"context"
	"fmt"
	"strings"

	"interloop/engine"
	"interloop/hook"
	"interloop/nn"
	"interloop/probe"
	"interloop/safetensors"
	"interloop/tensor"
)

// Example is one text to run through the model: Prompt then Response
// (either may be empty). The response tokens are the positions a probe
// reads, as with a model's own response tokens in deception probing; with
// no response every token is read. Label is optional.
type Example struct {
	Prompt   string `json:"prompt"`
	Response string `json:"response"`
	Text     string `json:"text"` // an alias of Prompt for plain texts
	Label    *bool  `json:"label"`
	IDs      []int  `json:"ids"` // token ids instead of text (prompt only)
}

// Activations are captured activations, one row per token of every
// example, with the token's example, position and id.
type Activations struct {
	Sites    []hook.SiteInfo
	Acts     []*tensor.Tensor[float32] // per site: [tokens, width]
	Tokens   []int                     // token id of each row
	Example  []int                     // example index of each row
	Position []int                     // position within its example
	Read     []bool                    // a position the probe reads (response tokens)
	Labels   []bool                    // per example, when every example has a label
}

// CaptureSite resolves a site name for capture: it must have one row per
// token ([B, T, ...]); the attention pattern and position embedding do not.
func CaptureSite(m *Model, name string) (hook.SiteInfo, error) {
	for _, s := range m.Sites() {
		if s.Name != name {
			continue
		}
		if len(s.Shape) < 3 || s.Shape[0] != -1 || s.Shape[1] != -1 {
			return s, fmt.Errorf("gpt2: site %s has shape %v, not one row per token", name, s.Shape)
		}
		return s, nil
	}
	var names []string
	for _, s := range m.Sites() {
		names = append(names, s.Name)
	}
	return hook.SiteInfo{}, fmt.Errorf("gpt2: no site %q (sites: %s)", name, strings.Join(names, ", "))
}

// Capture tokenizes each example (tok may be nil when every example gives
// IDs), runs the model on it without gradients and records the sites.
func Capture(ctx context.Context, m *Model, tok *Tokenizer, examples []Example, sites []hook.SiteInfo) (*Activations, error) {
	a := &Activations{Sites: sites, Acts: make([]*tensor.Tensor[float32], len(sites))}
	widths := make([]int, len(sites))
	for i, s := range sites {
		widths[i] = 1
		for _, d := range s.Shape[2:] {
			widths[i] *= d
		}
	}
	data := make([][]float32, len(sites))
	labelled := 0
	tp := engine.NewTape[float32]()
	tp.NoGrad = true
	hooks := make([]hook.Hook[float32], len(sites))
	for i, s := range sites {
		hooks[i] = hook.CaptureAt[float32](s.Site)
	}
	set := hook.NewSet(hooks...)
	for e, ex := range examples {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ids, nPrompt, err := exampleIDs(tok, ex)
		if err != nil {
			return nil, fmt.Errorf("gpt2: example %d: %w", e, err)
		}
		if len(ids) == 0 || len(ids) > m.Config().Context {
			return nil, fmt.Errorf("gpt2: example %d has %d tokens (1..%d allowed)", e, len(ids), m.Config().Context)
		}
		for _, id := range ids {
			if id < 0 || id >= m.Config().Vocab {
				return nil, fmt.Errorf("gpt2: example %d: token %d outside the vocabulary [0, %d)", e, id, m.Config().Vocab)
			}
		}
		tp.Reset()
		set.Reset()
		m.Forward(tp, nn.Tokens{IDs: ids, Seq: len(ids)}, set)
		if err := tp.Err(); err != nil {
			return nil, fmt.Errorf("gpt2: example %d: %w", e, err)
		}
		for i := range sites {
			data[i] = append(data[i], set.Node(i).Value.Data...)
		}
		for p, id := range ids {
			a.Tokens = append(a.Tokens, id)
			a.Example = append(a.Example, e)
			a.Position = append(a.Position, p)
			a.Read = append(a.Read, nPrompt == len(ids) || p >= nPrompt)
		}
		if ex.Label != nil {
			labelled++
			a.Labels = append(a.Labels, *ex.Label)
		}
	}
	if labelled != len(examples) {
		a.Labels = nil
	}
	for i := range sites {
		a.Acts[i] = tensor.FromData(data[i], len(a.Tokens), widths[i])
	}
	return a, nil
}

// exampleIDs returns the example's token ids and how many belong to the
// prompt (all of them when there is no response).
func exampleIDs(tok *Tokenizer, ex Example) ([]int, int, error) {
	if ex.IDs != nil {
		return ex.IDs, len(ex.IDs), nil
	}
	if tok == nil {
		return nil, 0, fmt.Errorf("text given without a tokenizer")
	}
	prompt := ex.Prompt + ex.Text
	p, err := tok.Encode(prompt)
	if err != nil {
		return nil, 0, err
	}
	if ex.Response == "" {
		return p, len(p), nil
	}
	r, err := tok.Encode(ex.Response)
	if err != nil {
		return nil, 0, err
	}
	return append(p, r...), len(p), nil
}

// Tensors returns the activations as safetensors tensors: one [tokens,
// width] F32 tensor per site (named by the site), and I32 tensors tokens,
// example, position, read (1 where a probe reads) and, when every example
// is labelled, labels (per example).
func (a *Activations) Tensors() map[string]safetensors.Tensor {
	out := map[string]safetensors.Tensor{}
	for i, s := range a.Sites {
		out[s.Name] = safetensors.FromFloat32(a.Acts[i].Shape(), a.Acts[i].Data)
	}
	i32 := func(v []int) safetensors.Tensor {
		w := make([]int32, len(v))
		for i, x := range v {
			w[i] = int32(x)
		}
		return safetensors.FromInt32([]int{len(v)}, w)
	}
	b2i := func(v []bool) []int {
		w := make([]int, len(v))
		for i, x := range v {
			if x {
				w[i] = 1
			}
		}
		return w
	}
	out["tokens"], out["example"], out["position"], out["read"] = i32(a.Tokens), i32(a.Example), i32(a.Position), i32(b2i(a.Read))
	if a.Labels != nil {
		out["labels"] = i32(b2i(a.Labels))
	}
	return out
}

// Seqs returns site i's activations as padded sequences, one per example,
// valid at the positions a probe reads.
func (a *Activations) Seqs(i int) probe.Seqs {
	n := 0
	T := 0
	for r, e := range a.Example {
		n = max(n, e+1)
		T = max(T, a.Position[r]+1)
	}
	d := a.Acts[i].Dim(1)
	X := tensor.New[float32](n, T, d)
	mask := make([]bool, n*T)
	for r, e := range a.Example {
		p := a.Position[r]
		copy(X.Data[(e*T+p)*d:(e*T+p+1)*d], a.Acts[i].Data[r*d:(r+1)*d])
		mask[e*T+p] = a.Read[r]
	}
	return probe.Seqs{X: X, Mask: mask}
}
