package gpt2

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"interloop/engine"
	"interloop/hook"
	"interloop/nn"
	"interloop/safetensors"
	"interloop/tensor"
)

const tinyDir = "../testdata/gpt2/tiny"

// reference is scripts/gpt2_fixture.py's output: ids and arrays computed in
// float64 by a plain-PyTorch GPT-2 from the checkpoint's float32 weights.
type reference struct {
	Config struct {
		Vocab  int `json:"vocab_size"`
		NCtx   int `json:"n_positions"`
		DModel int `json:"n_embd"`
		Heads  int `json:"n_head"`
		Layers int `json:"n_layer"`
	} `json:"config"`
	IDs    [][]int `json:"ids"`
	Arrays []struct {
		Name   string `json:"name"`
		Shape  []int  `json:"shape"`
		Offset int    `json:"offset"`
	} `json:"arrays"`
	data []float32
}

func loadReference(t *testing.T) *reference {
	t.Helper()
	var ref reference
	b, err := os.ReadFile("../testdata/gpt2/tiny_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../testdata/gpt2/tiny_ref.bin")
	if err != nil {
		t.Fatal(err)
	}
	ref.data = make([]float32, len(raw)/4)
	for i := range ref.data {
		ref.data[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return &ref
}

func (r *reference) array(t *testing.T, name string) ([]float32, []int) {
	t.Helper()
	for _, a := range r.Arrays {
		if a.Name == name {
			n := 1
			for _, d := range a.Shape {
				n *= d
			}
			return r.data[a.Offset : a.Offset+n], a.Shape
		}
	}
	t.Fatalf("reference has no %s", name)
	return nil, nil
}

// maxDiff is the largest absolute difference, relative to max(1, the
// reference's largest magnitude).
func maxDiff(got, want []float32) float64 {
	var d, scale float64 = 0, 1
	for i := range want {
		d = math.Max(d, math.Abs(float64(got[i])-float64(want[i])))
		scale = math.Max(scale, math.Abs(float64(want[i])))
	}
	return d / scale
}

// TestParity loads the committed tiny checkpoint and checks the logits and
// hook activations against PyTorch to 1e-4.
func TestParity(t *testing.T) {
	ref := loadReference(t)
	m, err := Load(tinyDir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := m.Config()
	if c.Vocab != ref.Config.Vocab || c.Context != ref.Config.NCtx || c.DModel != ref.Config.DModel || c.Heads != ref.Config.Heads || c.Layers != ref.Config.Layers {
		t.Fatalf("config %+v, reference %+v", c, ref.Config)
	}
	var ids []int
	for _, row := range ref.IDs {
		ids = append(ids, row...)
	}
	var hooks []hook.Hook[float32]
	names := []string{}
	for _, a := range ref.Arrays {
		if a.Name == "logits" {
			continue
		}
		site, ok := hook.Find(m, a.Name)
		if !ok {
			t.Fatalf("model has no site %s", a.Name)
		}
		hooks = append(hooks, hook.CaptureAt[float32](site))
		names = append(names, a.Name)
	}
	set := hook.NewSet(hooks...)
	tp := engine.NewTape[float32]()
	logits := m.Forward(tp, nn.Tokens{IDs: ids, Seq: len(ref.IDs[0])}, set)
	if err := tp.Err(); err != nil {
		t.Fatal(err)
	}
	want, shape := ref.array(t, "logits")
	if got := logits.Shape(); !equalInts(got, shape) {
		t.Fatalf("logits shape %v, want %v", got, shape)
	}
	if d := maxDiff(logits.Value.Data, want); d > 1e-4 {
		t.Errorf("logits differ by %.2g", d)
	}
	for i, name := range names {
		want, shape := ref.array(t, name)
		got := set.Node(i)
		if got == nil {
			t.Errorf("%s did not fire", name)
			continue
		}
		if !equalInts(got.Shape(), shape) {
			t.Errorf("%s shape %v, want %v", name, got.Shape(), shape)
			continue
		}
		if d := maxDiff(got.Value.Data, want); d > 1e-4 {
			t.Errorf("%s differs by %.2g", name, d)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestLoadVariants rewrites the tiny checkpoint as GPT2LMHeadModel's
// state_dict names ("transformer." prefix, an explicit lm_head equal to
// wte) and without config.json, and requires the same logits; and checks
// that a broken checkpoint is refused with the tensor named.
func TestLoadVariants(t *testing.T) {
	base, err := Load(tinyDir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Open(filepath.Join(tinyDir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all := map[string]safetensors.Tensor{}
	for _, n := range f.Names() {
		tt, err := f.Tensor(n)
		if err != nil {
			t.Fatal(err)
		}
		all[n] = tt
	}
	write := func(name string, ts map[string]safetensors.Tensor) string {
		p := filepath.Join(t.TempDir(), name)
		if err := safetensors.WriteFile(p, ts, nil); err != nil {
			t.Fatal(err)
		}
		return p
	}
	prefixed := map[string]safetensors.Tensor{"lm_head.weight": all["wte.weight"]}
	for n, tt := range all {
		prefixed["transformer."+n] = tt
	}
	ids := []int{1, 5, 9, 2, 7, 3}
	logits := func(m *Model) []float32 {
		tp := engine.NewTape[float32]()
		out := m.Forward(tp, nn.Tokens{IDs: ids, Seq: 3}, nil)
		if err := tp.Err(); err != nil {
			t.Fatal(err)
		}
		return out.Value.Data
	}
	want := logits(base)
	m, err := Load(write("prefixed.safetensors", prefixed), LoadOptions{Heads: 4})
	if err != nil {
		t.Fatal(err)
	}
	if m.LMHead == nil {
		t.Error("lm_head.weight was not loaded as a separate unembedding")
	}
	if d := maxDiff(logits(m), want); d != 0 {
		t.Errorf("prefixed checkpoint: logits differ by %g", d)
	}
	inf, err := Load(tinyDir, LoadOptions{Inference: true})
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(logits(inf), want); d != 0 || inf.WTE.Grad != nil {
		t.Errorf("inference load: logits differ by %g, gradient buffer %v", d, inf.WTE.Grad != nil)
	}

	missing := map[string]safetensors.Tensor{}
	for n, tt := range all {
		if n != "h.1.mlp.c_fc.bias" {
			missing[n] = tt
		}
	}
	if _, err := Load(write("missing.safetensors", missing), LoadOptions{Heads: 4}); err == nil || !strings.Contains(err.Error(), "h.1.mlp.c_fc.bias") {
		t.Errorf("missing tensor: err = %v", err)
	}
	extra := map[string]safetensors.Tensor{"h.0.attn.rotary": all["h.0.ln_1.bias"]}
	for n, tt := range all {
		extra[n] = tt
	}
	if _, err := Load(write("extra.safetensors", extra), LoadOptions{Heads: 4}); err == nil || !strings.Contains(err.Error(), "h.0.attn.rotary") {
		t.Errorf("unknown tensor: err = %v", err)
	}
}

// TestSites checks that Sites lists every site Forward reaches, in order,
// with matching shapes.
func TestSites(t *testing.T) {
	m, err := Load(tinyDir, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sites := m.Sites()
	var hooks []hook.Hook[float32]
	for _, s := range sites {
		hooks = append(hooks, hook.CaptureAt[float32](s.Site))
	}
	set := hook.NewSet(hooks...)
	tp := engine.NewTape[float32]()
	m.Forward(tp, nn.Tokens{IDs: []int{1, 2, 3, 4, 5, 6}, Seq: 3}, set)
	if err := tp.Err(); err != nil {
		t.Fatal(err)
	}
	if len(sites) != 2+12*m.Config().Layers+1 {
		t.Errorf("%d sites", len(sites))
	}
	for i, s := range sites {
		n := set.Node(i)
		if n == nil || set.Fired(i) != 1 {
			t.Errorf("%s fired %d times", s.Name, set.Fired(i))
			continue
		}
		if !hook.ShapeMatches(s.Shape, n.Shape()) {
			t.Errorf("%s: listed %v, got %v", s.Name, s.Shape, n.Shape())
		}
	}
}

// TestGeluTanh checks the composed tanh-GELU against its formula in
// float64 and its gradient against a central difference.
func TestGeluTanh(t *testing.T) {
	xs := []float32{-6, -2.5, -1, -0.3, 0, 0.2, 1, 2, 7}
	tp := engine.NewTape[float32]()
	x := tp.Input(tensorOf(xs))
	y := GeluTanh(tp, x)
	if err := tp.Backward(tp.Sum(y)); err != nil {
		t.Fatal(err)
	}
	f := func(v float64) float64 {
		return 0.5 * v * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(v+0.044715*v*v*v)))
	}
	for i, v := range xs {
		if d := math.Abs(float64(y.Value.Data[i]) - f(float64(v))); d > 1e-6 {
			t.Errorf("gelu(%v) off by %g", v, d)
		}
		h := 1e-4
		fd := (f(float64(v)+h) - f(float64(v)-h)) / (2 * h)
		if d := math.Abs(float64(x.Grad.Data[i]) - fd); d > 1e-4 {
			t.Errorf("gelu'(%v) = %v, finite difference %v", v, x.Grad.Data[i], fd)
		}
	}
}

// TestTokenizer checks GPT-2 token ids known from OpenAI's GPT-2 encoder
// (the same ids Hugging Face's GPT2Tokenizer gives) and the round trip.
func TestTokenizer(t *testing.T) {
	tok, err := NewTokenizer()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		text string
		ids  []int
	}{
		{"Hello world", []int{15496, 995}},
		{"Hello, world!", []int{15496, 11, 995, 0}},
		{"The quick brown fox jumps over the lazy dog.", []int{464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13}},
		{"<|endoftext|>", []int{27, 91, 437, 1659, 5239, 91, 29}},
	}
	for _, c := range cases {
		got, err := tok.Encode(c.text)
		if err != nil {
			t.Fatal(err)
		}
		if !equalInts(got, c.ids) {
			t.Errorf("Encode(%q) = %v, want %v", c.text, got, c.ids)
		}
		back, err := tok.Decode(got)
		if err != nil || back != c.text {
			t.Errorf("Decode(%v) = %q, %v", got, back, err)
		}
	}
	if s, err := tok.Decode([]int{EndOfText}); err != nil || s != "<|endoftext|>" {
		t.Errorf("Decode(EndOfText) = %q, %v", s, err)
	}
}

func tensorOf(v []float32) *tensor.Tensor[float32] {
	return tensor.FromData(append([]float32(nil), v...), len(v))
}
