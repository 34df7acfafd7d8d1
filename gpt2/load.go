package gpt2

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"interloop/engine"
	"interloop/safetensors"
	"interloop/tensor"
)

// LoadOptions adjusts Load. The zero value reads everything from the
// checkpoint.
type LoadOptions struct {
	// Heads is the number of attention heads (the weights do not determine
	// it); 0 means config.json's n_head, or n_embd/64 without one (every
	// released GPT-2 has 64-wide heads).
	Heads int
	// LNEps is the LayerNorm epsilon; 0 means config.json's
	// layer_norm_epsilon, or 1e-5.
	LNEps float64
	// Inference skips the parameters' gradient buffers, halving memory
	// (capture, evaluation). Gradients then stay on the tape's nodes and
	// never reach the parameters, so such a model cannot be trained.
	Inference bool
}

// Load reads a GPT-2-architecture checkpoint in the Hugging Face layout:
// path is a directory holding model.safetensors (and usually config.json),
// or a .safetensors file (a config.json beside it is read if present).
// Tensor names may carry GPT2LMHeadModel's "transformer." prefix; the
// causal-mask buffers of old checkpoints (h.{i}.attn.bias,
// attn.masked_bias) are skipped; an lm_head.weight becomes a separate
// unembedding, otherwise the unembedding is tied to wte. Sizes come from
// the tensors' shapes; a missing, misshapen or unknown tensor is an error.
func Load(path string, opt LoadOptions) (*Model, error) {
	file, dir := path, path
	if st, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("gpt2: %w", err)
	} else if st.IsDir() {
		file = filepath.Join(path, "model.safetensors")
	} else {
		dir = filepath.Dir(path)
	}
	hf, err := readHFConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, err
	}
	if opt.Heads == 0 {
		opt.Heads = hf.Heads
	}
	if opt.LNEps == 0 {
		opt.LNEps = hf.LNEps
	}
	f, err := safetensors.Open(file)
	if err != nil {
		return nil, fmt.Errorf("gpt2: %w", err)
	}
	defer f.Close()
	return FromSafetensors(f, opt)
}

// hfConfig is the part of a Hugging Face config.json Load reads.
type hfConfig struct {
	Heads      int     `json:"n_head"`
	LNEps      float64 `json:"layer_norm_epsilon"`
	Activation string  `json:"activation_function"`
}

func readHFConfig(path string) (hfConfig, error) {
	var c hfConfig
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("gpt2: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("gpt2: %s: %w", path, err)
	}
	if c.Activation != "" && c.Activation != "gelu_new" {
		return c, fmt.Errorf("gpt2: %s: activation_function %q (only GPT-2's gelu_new is implemented)", path, c.Activation)
	}
	return c, nil
}

var blockName = regexp.MustCompile(`^h\.(\d+)\.(.+)$`)

// FromSafetensors builds a model from an opened checkpoint (see Load for
// the names it accepts).
func FromSafetensors(f *safetensors.File, opt LoadOptions) (*Model, error) {
	// Canonical names (prefix stripped) → file names.
	names := map[string]string{}
	layers := 0
	for _, n := range f.Names() {
		c := strings.TrimPrefix(n, "transformer.")
		if m := blockName.FindStringSubmatch(c); m != nil {
			if m[2] == "attn.bias" || m[2] == "attn.masked_bias" {
				continue // causal-mask buffers, not weights
			}
			i, _ := strconv.Atoi(m[1])
			layers = max(layers, i+1)
		}
		names[c] = n
	}
	info := func(name string) ([]int, error) {
		n, ok := names[name]
		if !ok {
			return nil, fmt.Errorf("gpt2: checkpoint has no %s", name)
		}
		i, _ := f.Info(n)
		return i.Shape, nil
	}
	wte, err := info("wte.weight")
	if err != nil {
		return nil, err
	}
	wpe, err := info("wpe.weight")
	if err != nil {
		return nil, err
	}
	if len(wte) != 2 || len(wpe) != 2 || wte[1] != wpe[1] {
		return nil, fmt.Errorf("gpt2: wte %v and wpe %v are not [V, D] and [N, D]", wte, wpe)
	}
	cfg := Config{Vocab: wte[0], Context: wpe[0], DModel: wte[1], Layers: layers, Heads: opt.Heads, LNEps: opt.LNEps}
	if cfg.Heads == 0 && cfg.DModel%64 == 0 {
		cfg.Heads = cfg.DModel / 64
	}
	if cfg.LNEps == 0 {
		cfg.LNEps = 1e-5
	}
	// Every parameter is read straight into its tensor, in the order
	// newModel asks for them.
	used := map[string]bool{}
	var loadErr error
	param := func(name string, shape ...int) *engine.Param[float32] {
		n, ok := names[name]
		if !ok {
			loadErr = cmp.Or(loadErr, fmt.Errorf("gpt2: checkpoint has no %s", name))
			return engine.NewParam(name, tensor.New[float32](0))
		}
		data, got, err := f.Float32(n)
		if err == nil && !slices.Equal(got, shape) {
			err = fmt.Errorf("gpt2: %s has shape %v, want %v", n, got, shape)
		}
		if err != nil {
			loadErr = cmp.Or(loadErr, err)
			return engine.NewParam(name, tensor.New[float32](0))
		}
		used[name] = true
		v := tensor.FromData(data, shape...)
		if opt.Inference {
			return &engine.Param[float32]{Name: name, Value: v}
		}
		return engine.NewParam(name, v)
	}
	m, err := newModel(cfg, param)
	if err != nil {
		return nil, err
	}
	if _, ok := names["lm_head.weight"]; ok {
		m.LMHead = param("lm_head.weight", wte...)
	}
	if loadErr != nil {
		return nil, loadErr
	}
	var extra []string
	for c := range names {
		if !used[c] {
			extra = append(extra, names[c])
		}
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		return nil, fmt.Errorf("gpt2: checkpoint has tensors a GPT-2 does not: %s", strings.Join(extra, ", "))
	}
	return m, nil
}
