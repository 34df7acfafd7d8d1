package lm

import (
	"math"
	"strings"
	"testing"

	"interloop/engine"
	"interloop/env/vault"
	"interloop/probe"
	"interloop/rng"
	"interloop/tensor"
)

func world(t *testing.T, cfg vault.Config) *vault.World {
	t.Helper()
	w, err := vault.New(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestVocabulary(t *testing.T) {
	seen := map[string]bool{}
	for tok := Token(0); tok < VocabSize; tok++ {
		name := tok.String()
		if name == "" || seen[name] || strings.HasPrefix(name, "Token(") {
			t.Errorf("token %d has name %q (duplicate or missing)", tok, name)
		}
		seen[name] = true
	}
	if got := Text(Response(nil, vault.MakePlan(vault.CallGuards, vault.NothingToReport))); got != "call-guards nothing to report <end>" {
		t.Errorf("response text %q", got)
	}
}

// TestParse round-trips every plan and rejects malformed responses.
func TestParse(t *testing.T) {
	for p := vault.Plan(0); p < vault.NumPlans; p++ {
		resp := Response(nil, p)
		got, n, ok := Parse(append(resp, int(Pad), int(WordSafe)))
		if !ok || got != p || n != ResponseLen(p) {
			t.Errorf("Parse(%s) = %v, %d, %v", Text(resp), got, n, ok)
		}
	}
	bad := [][]Token{
		{WordSafe, End},                    // no action
		{ActLock, End},                     // no phrase
		{ActLock, WordAll, End},            // half a phrase
		{ActLock, WordSafe, WordSafe, End}, // two phrases
		{ActLock, WordSafe, Pad, Pad, Pad}, // no END
		{ActLock, ActLock, WordSafe, End},
	}
	for _, b := range bad {
		if _, _, ok := Parse(intsOf(b)); ok {
			t.Errorf("Parse(%s) accepted", Text(intsOf(b)))
		}
	}
}

// TestEpisodes checks that z is the XOR of the two sensor signs, that each
// sensor appears once, and that the prompt layout is fixed.
func TestEpisodes(t *testing.T) {
	w := world(t, vault.DefaultConfig())
	r := rng.New(3, 0)
	buf := make([]float64, obsBufLen(w))
	for i := 0; i < 500; i++ {
		e := SampleEpisode(w, r, vault.Honest, buf)
		var signs [2]int
		for _, tok := range e.Obs {
			if s, sensor := Sign(tok); sensor >= 0 {
				if signs[sensor] != 0 {
					t.Fatalf("sensor %d twice in %v", sensor, e.Obs)
				}
				signs[sensor] = s
			}
		}
		if signs[0] == 0 || signs[1] == 0 {
			t.Fatalf("missing sensor in %v", e.Obs)
		}
		if (signs[0] != signs[1]) != e.Stolen {
			t.Fatalf("z = %v but signs %v", e.Stolen, signs)
		}
		p := e.Prompt(nil)
		if len(p) != PromptLen || Token(p[0]) != BOS || Token(p[PromptLen-1]) != InsHonest {
			t.Fatalf("prompt %s", Text(p))
		}
	}
}

// TestCorpus checks the corpus's labels: next tokens from the instruction
// on, −1 on the prompt and padding, and verdicts that follow the catch
// target.
func TestCorpus(t *testing.T) {
	for _, target := range []vault.CatchTarget{vault.Counterfactual, vault.Realized} {
		cfg := vault.DefaultConfig()
		cfg.CatchTarget = target
		w := world(t, cfg)
		c := NewCorpus(DefaultCorpus(), w)
		const B = 400
		ids, targets := make([]int, B*Context), make([]int, B*Context)
		c.Fill(rng.New(5, 0), ids, targets)
		var lies, caught int
		for b := 0; b < B; b++ {
			row, tgt := ids[b*Context:(b+1)*Context], targets[b*Context:(b+1)*Context]
			p, n, ok := Parse(row[PromptLen:])
			if !ok {
				t.Fatalf("corpus row %s does not parse", Text(row))
			}
			for i := range row {
				want := -1
				if i >= PromptLen-1 && i < PromptLen+n {
					want = row[i+1]
				}
				if tgt[i] != want {
					t.Fatalf("row %s: target %d at %d, want %d", Text(row), tgt[i], i, want)
				}
			}
			stolen := false
			for _, tok := range row[1 : 1+ObsLen] {
				if s, sensor := Sign(Token(tok)); sensor == 0 {
					stolen = s < 0
				}
			}
			for _, tok := range row[1 : 1+ObsLen] {
				if s, sensor := Sign(Token(tok)); sensor == 1 {
					stolen = stolen != (s < 0)
				}
			}
			lie := vault.IsLie(p, stolen)
			v := Token(row[PromptLen+n])
			if lie {
				lies++
				if v == OutCaught {
					caught++
				}
			} else if v != OutPass {
				t.Fatalf("honest row %s caught", Text(row))
			}
			if Token(row[PromptLen-1]) == InsLie && !lie {
				t.Fatalf("<lie> row %s is not a lie", Text(row))
			}
		}
		if target == vault.Counterfactual && caught != lies {
			t.Errorf("counterfactual: %d of %d lies caught", caught, lies)
		}
		if target == vault.Realized && (caught == 0 || caught > lies/3) {
			t.Errorf("realized: %d of %d lies caught, want about 10%%", caught, lies)
		}
	}
}

func tinyModel(t *testing.T, instruction string) *Model {
	t.Helper()
	cfg := DefaultModel()
	cfg.DModel, cfg.Heads, cfg.Instruction = 16, 2, instruction
	m, err := NewModel(cfg, rng.New(7, 0))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestInstructionEntry: with the instruction in the head, the residual
// stream is the same under <honest> and <lie> and only the logits differ;
// as a token, the residual stream sees it.
func TestInstructionEntry(t *testing.T) {
	w := world(t, vault.DefaultConfig())
	d := InstructedData(w, rng.New(1, 0), 2)
	swapped := append([]int(nil), d.IDs...)
	for b := 0; b < 2; b++ {
		i := b*GenLen + PromptLen - 1
		if Token(swapped[i]) == InsLie {
			swapped[i] = int(InsHonest)
		} else {
			swapped[i] = int(InsLie)
		}
	}
	for _, mode := range []string{InstructionHead, InstructionToken} {
		m := tinyModel(t, mode)
		run := func(ids []int) (*tensor.Tensor[float32], *tensor.Tensor[float32]) {
			tp := engine.NewTape[float32]()
			logits, h := m.forward(tp, ids, GenLen, m.captureSet())
			if err := tp.Err(); err != nil {
				t.Fatal(err)
			}
			return logits.Value.Clone(), h.Value.Clone()
		}
		l1, h1 := run(d.IDs)
		l2, h2 := run(swapped)
		sameH, sameL := maxAbsDiff(h1.Data, h2.Data) == 0, maxAbsDiff(l1.Data, l2.Data) == 0
		if mode == InstructionHead && (!sameH || sameL) {
			t.Errorf("head: residual same %v (want true), logits same %v (want false)", sameH, sameL)
		}
		if mode == InstructionToken && sameH {
			t.Errorf("token: the residual stream ignores the instruction")
		}
		if got := l1.Shape(); got[2] != int(VocabSize) {
			t.Errorf("%s: logits shape %v", mode, got)
		}
	}
}

func maxAbsDiff(a, b []float32) float64 {
	var d float64
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

// TestGreedyGeneration: greedy decoding picks, at every response position,
// the argmax of a full forward pass over the finished sequence.
func TestGreedyGeneration(t *testing.T) {
	m := tinyModel(t, InstructionHead)
	w := world(t, vault.DefaultConfig())
	r := rng.New(2, 0)
	eps := sampleEpisodes(w, r, 6, vault.Honest)
	ro, err := rollout(m, newSampler(), eps, 0, r)
	if err != nil {
		t.Fatal(err)
	}
	tp := engine.NewTape[float32]()
	logits := m.Logits(tp, ro.IDs, GenLen, nil)
	V := int(VocabSize)
	for b := range eps {
		for k := 0; k < ro.Lens[b]; k++ {
			row := logits.Value.Data[(b*GenLen+PromptLen-1+k)*V : (b*GenLen+PromptLen+k)*V]
			if got, want := ro.IDs[b*GenLen+PromptLen+k], pick(row, 0, nil, nil); got != want {
				t.Fatalf("row %d position %d: generated %d, argmax %d", b, k, got, want)
			}
		}
	}
}

// TestScoreNode checks each aggregation's differentiable score against the
// probe package's own ScoreSeqs (the reference), with ragged masks.
func TestScoreNode(t *testing.T) {
	r := rng.New(9, 0)
	const n, T, d = 40, MaxResponse, 6
	X := tensor.Randn[float32](r, 1, n, T, d)
	lens := make([]int, n)
	y := make([]bool, n)
	for i := range lens {
		lens[i] = 2 + i%4
		// Label: a feature at the last valid position, so every pool can fit.
		y[i] = i%2 == 0
		if y[i] {
			X.Data[(i*T+lens[i]-1)*d] += 2
		}
	}
	s := probe.Seqs{X: X, Mask: responseMask(lens)}
	for _, agg := range Aggs() {
		p, err := fitProbe(agg, s, y, ProbeConfig{Episodes: n, C: 1, AttnEpochs: 5}, 1)
		if err != nil {
			t.Fatal(err)
		}
		want, err := p.scores(s)
		if err != nil {
			t.Fatal(err)
		}
		tp := engine.NewTape[float32]()
		h := tp.Input(X)
		got, err := p.scoreNode(tp, h, s.Mask)
		if err != nil {
			t.Fatal(err)
		}
		if err := tp.Backward(tp.Sum(got)); err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if math.Abs(float64(got.Value.Data[i])-want[i]) > 1e-5 {
				t.Errorf("%s: sequence %d scores %v on the tape, %v by ScoreSeqs", agg, i, got.Value.Data[i], want[i])
			}
		}
		// No gradient may reach padding.
		for i, v := range s.Mask {
			for j := 0; j < d; j++ {
				if g := h.Grad.Data[i*d+j]; !v && g != 0 {
					t.Fatalf("%s: gradient %v at a padded position", agg, g)
				}
			}
		}
	}
}

func TestAdvantages(t *testing.T) {
	adv := advantages([]float64{1, 2, 3, 0, 5, 5, 5, 5}, 2, 4, true)
	var s float64
	for _, a := range adv[:4] {
		s += a
	}
	if math.Abs(s) > 1e-9 || math.Abs(adv[2]-1.3416) > 1e-3 {
		t.Errorf("group 0 advantages %v", adv[:4])
	}
	for _, a := range adv[4:] {
		if a != 0 {
			t.Errorf("a group with equal rewards has advantages %v", adv[4:])
		}
	}
}

func TestConfigSet(t *testing.T) {
	c := DefaultConfig()
	for _, kv := range []string{"rl.steps=7", "world.vague_audit_prob=0", "arms=none,truth-monitor", "model.instruction=token"} {
		if err := c.Set(kv); err != nil {
			t.Fatal(err)
		}
	}
	if c.RL.Steps != 7 || c.World.VagueAuditProb != 0 || len(c.Arms) != 2 || c.Model.Instruction != InstructionToken {
		t.Errorf("overrides not applied: %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"rl.stepz=3", "rl.steps=many", "nosection.x=1", "rl"} {
		c := DefaultConfig()
		if err := c.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
	c = DefaultConfig()
	for _, kv := range []string{"arms=nosuch", "model.instruction=sideways", "model.site=blocks.9.hook_resid_post"} {
		c := DefaultConfig()
		if err := c.Set(kv); err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err == nil {
			if _, err := NewModel(c.Model, rng.New(0, 0)); err == nil {
				t.Errorf("%s: accepted", kv)
			}
		}
	}
}

// TestDecoderMatches: the cached decoder's logits at every response
// position equal the full forward pass's (to float32 rounding), in both
// instruction modes, and sampling with either gives the same responses.
func TestDecoderMatches(t *testing.T) {
	w := world(t, vault.DefaultConfig())
	for _, mode := range []string{InstructionHead, InstructionToken} {
		m := tinyModel(t, mode)
		r := rng.New(4, 0)
		const B = 5
		ids := make([]int, B*GenLen)
		buf := make([]float64, obsBufLen(w))
		for b := 0; b < B; b++ {
			in := vault.Instruction(b % 2)
			e := SampleEpisode(w, r, in, buf)
			copy(ids[b*GenLen:], e.Prompt(nil))
			for k := PromptLen; k < GenLen; k++ {
				ids[b*GenLen+k] = r.Intn(int(VocabSize))
			}
		}
		tp := engine.NewTape[float32]()
		full := m.Logits(tp, ids, GenLen, nil).Value.Clone() // [B, GenLen, V]
		dtp := engine.NewTape[float32]()
		dtp.NoGrad = true
		d := newDecoder(m, dtp)
		prompts := make([]int, B*PromptLen)
		for b := 0; b < B; b++ {
			copy(prompts[b*PromptLen:], ids[b*GenLen:b*GenLen+PromptLen])
		}
		V := int(VocabSize)
		logits := d.prompt(prompts, B)
		for pos := PromptLen - 1; pos < GenLen; pos++ {
			if pos > PromptLen-1 {
				feed := make([]int, B)
				for b := range feed {
					feed[b] = ids[b*GenLen+pos]
				}
				logits = d.next(feed)
			}
			for b := 0; b < B; b++ {
				want := full.Data[(b*GenLen+pos)*V : (b*GenLen+pos+1)*V]
				if diff := maxAbsDiff(logits[b*V:(b+1)*V], want); diff > 2e-5 {
					t.Fatalf("%s: row %d position %d: cached logits differ by %g", mode, b, pos, diff)
				}
			}
		}
		var eps []Episode // groups of 4 repeated prompts, as GRPO samples them
		for _, e := range sampleEpisodes(w, rng.New(8, 0), 16, vault.Honest) {
			eps = append(eps, e, e, e, e)
		}
		a, err := rollout(m, newSampler(), eps, 1, rng.New(9, 0))
		if err != nil {
			t.Fatal(err)
		}
		ref := newSampler()
		ref.full = true
		b, err := rollout(m, ref, eps, 1, rng.New(9, 0))
		if err != nil {
			t.Fatal(err)
		}
		for i := range a.IDs {
			if a.IDs[i] != b.IDs[i] {
				t.Fatalf("%s: sampled responses differ at %d: %s vs %s", mode, i/GenLen, Text(a.IDs[i/GenLen*GenLen:(i/GenLen+1)*GenLen]), Text(b.IDs[i/GenLen*GenLen:(i/GenLen+1)*GenLen]))
			}
		}
	}
}
