package lm

import (
	"math"

	"interloop/engine"
	"interloop/hook"
	"interloop/rng"
	"interloop/tensor"
)

// Cached decoding: the fast path of sampling.
//
// Generating a response token by token with full forward passes recomputes
// the whole prefix at every step (6+7+8+9+10 positions for 5 tokens). The
// decoder instead runs the prompt once through the model itself (Logits,
// capturing every block's keys and values at the attn.hook_k/hook_v
// sites), then feeds one new position per step through the same blocks by
// hand: LayerNorm, Linear and GELU are the engine's own ops on a no-grad
// tape; only attention over the cached keys is a plain loop, since the new
// query attends to every cached position (no mask is needed). The result
// agrees with the full forward pass to float32 rounding (TestDecoderMatches
// checks logits at every position; TestGreedyGeneration checks that greedy
// decoding picks the full pass's argmax).

// decoder holds one batch's key/value cache.
type decoder struct {
	m     *Model
	B     int
	heads int
	dh    int
	k, v  [][]float32 // per layer [B, H, GenLen, dh]
	t     int         // positions cached
	tp    *engine.Tape[float32]
	sel   []bool // row uses the <lie> head
	hooks *hook.Set[float32]
}

func newDecoder(m *Model, tp *engine.Tape[float32]) *decoder {
	L := len(m.Blocks)
	d := &decoder{m: m, tp: tp, heads: m.Blocks[0].Config().Heads, k: make([][]float32, L), v: make([][]float32, L)}
	d.dh = m.cfg.DModel / d.heads
	var hs []hook.Hook[float32]
	for i := 0; i < L; i++ {
		hs = append(hs, hook.CaptureAt[float32](hook.Block(i, hook.K)), hook.CaptureAt[float32](hook.Block(i, hook.V)))
	}
	d.hooks = hook.NewSet(hs...)
	return d
}

// prompt runs the prompts (B rows of PromptLen ids) through the model,
// fills the cache, and returns the logits at the last prompt position
// [B, VocabSize]. Repeated prompts (GRPO samples a group of responses per
// prompt) run once and share their cache entries.
func (d *decoder) prompt(prompts []int, B int) []float32 {
	d.B, d.t = B, PromptLen
	H, dh := d.heads, d.dh
	if cap(d.sel) < B {
		d.sel = make([]bool, B)
	}
	d.sel = d.sel[:B]
	// src[b] is the unique prompt row b reads.
	src := make([]int, B)
	var uniq []int
	seen := map[[PromptLen]int]int{}
	for b := 0; b < B; b++ {
		var key [PromptLen]int
		copy(key[:], prompts[b*PromptLen:(b+1)*PromptLen])
		u, ok := seen[key]
		if !ok {
			u = len(seen)
			seen[key] = u
			uniq = append(uniq, key[:]...)
		}
		src[b] = u
		d.sel[b] = d.m.cfg.Instruction == InstructionHead && Token(key[PromptLen-1]) == InsLie
	}
	d.tp.Reset()
	d.hooks.Reset()
	logits := d.m.Logits(d.tp, uniq, PromptLen, d.hooks) // [U, PromptLen, V]
	if d.tp.Err() != nil {
		return nil
	}
	for l := range d.k {
		if n := B * H * GenLen * dh; cap(d.k[l]) < n {
			d.k[l], d.v[l] = make([]float32, n), make([]float32, n)
		}
		for kv, dst := range [][]float32{d.k[l], d.v[l]} {
			from := d.hooks.Node(2*l + kv).Value.Data // [U, PromptLen, H, dh]
			for b := 0; b < B; b++ {
				u := src[b]
				for t := 0; t < PromptLen; t++ {
					for h := 0; h < H; h++ {
						copy(dst[((b*H+h)*GenLen+t)*dh:((b*H+h)*GenLen+t+1)*dh], from[((u*PromptLen+t)*H+h)*dh:])
					}
				}
			}
		}
	}
	V := int(VocabSize)
	out := make([]float32, B*V)
	for b := 0; b < B; b++ {
		copy(out[b*V:(b+1)*V], logits.Value.Data[(src[b]*PromptLen+PromptLen-1)*V:])
	}
	return out
}

// next feeds one token per row at the next position and returns the
// logits there [B, VocabSize].
func (d *decoder) next(ids []int) []float32 {
	m, tp, B, H, dh, p := d.m, d.tp, d.B, d.heads, d.dh, d.t
	D := m.cfg.DModel
	tp.Reset()
	x := tp.Embedding(tp.Param(m.Embed.W), ids)                // [B, D]
	x = tp.Add(x, tp.Slice(tp.Param(m.PosEmbed.W), 0, p, p+1)) // + pos [1, D]
	scale := 1 / math.Sqrt(float64(dh))
	att := make([]float64, p+1)
	for l, blk := range m.Blocks {
		a := blk.LN1.Forward(tp, x)                                                 // [B, D]
		q, k, v := blk.Q.Forward(tp, a), blk.K.Forward(tp, a), blk.V.Forward(tp, a) // [B, D] each
		z := tensor.New[float32](B, D)
		K, Vc := d.k[l], d.v[l]
		for b := 0; b < B; b++ {
			for h := 0; h < H; h++ {
				base := (b*H + h) * GenLen * dh
				copy(K[base+p*dh:base+(p+1)*dh], k.Value.Data[b*D+h*dh:])
				copy(Vc[base+p*dh:base+(p+1)*dh], v.Value.Data[b*D+h*dh:])
				qv := q.Value.Data[b*D+h*dh : b*D+(h+1)*dh]
				mx := math.Inf(-1)
				for j := 0; j <= p; j++ {
					var s float32
					for i, qi := range qv {
						s += qi * K[base+j*dh+i]
					}
					att[j] = float64(s) * scale
					mx = math.Max(mx, att[j])
				}
				var sum float64
				for j := 0; j <= p; j++ {
					att[j] = math.Exp(att[j] - mx)
					sum += att[j]
				}
				out := z.Data[b*D+h*dh : b*D+(h+1)*dh]
				for j := 0; j <= p; j++ {
					w := float32(att[j] / sum)
					for i := range out {
						out[i] += w * Vc[base+j*dh+i]
					}
				}
			}
		}
		x = tp.Add(x, blk.O.Forward(tp, tp.Const(z)))                                               // resid_mid [B, D]
		x = tp.Add(x, blk.FCOut.Forward(tp, tp.Gelu(blk.FCIn.Forward(tp, blk.LN2.Forward(tp, x))))) // resid_post
	}
	x = m.LNFinal.Forward(tp, x) // [B, D]
	var logits *engine.Node[float32]
	if m.Unembed == nil {
		logits = tp.MatMulT(x, tp.Param(m.Embed.W), false, true)
	} else {
		logits = m.Unembed.Forward(tp, x) // [B, heads·V]
	}
	d.t++
	V := int(VocabSize)
	all := logits.Value.Data
	if m.cfg.Instruction != InstructionHead {
		return all
	}
	out := make([]float32, B*V)
	for b := 0; b < B; b++ {
		off := b * 2 * V
		if d.sel[b] {
			off += V
		}
		copy(out[b*V:(b+1)*V], all[off:off+V])
	}
	return out
}

// generateCached completes B prompts like sampler.generate, with the
// key/value cache.
func (s *sampler) generateCached(m *Model, rows []int, B int, temperature float64, r *rng.PCG) error {
	if s.dec == nil || s.dec.m != m {
		s.dec = newDecoder(m, s.tp)
	}
	prompts := make([]int, B*PromptLen)
	for b := 0; b < B; b++ {
		copy(prompts[b*PromptLen:(b+1)*PromptLen], rows[b*GenLen:])
		clear(rows[b*GenLen+PromptLen : (b+1)*GenLen])
	}
	logits := s.dec.prompt(prompts, B)
	if err := s.tp.Err(); err != nil {
		return err
	}
	V := int(VocabSize)
	done := make([]bool, B)
	fed := make([]int, B)
	for t := 0; t < MaxResponse; t++ {
		all := true
		for b := 0; b < B; b++ {
			tok := int(Pad)
			if !done[b] {
				tok = pick(logits[b*V:(b+1)*V], temperature, s.probs, r)
				done[b] = Token(tok) == End
				all = all && done[b]
			}
			rows[b*GenLen+PromptLen+t] = tok
			fed[b] = tok
		}
		if all || t == MaxResponse-1 {
			break
		}
		logits = s.dec.next(fed)
		if err := s.tp.Err(); err != nil {
			return err
		}
	}
	return nil
}
