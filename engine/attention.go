package engine

// Attention products in the heads-interleaved layout [B, T, H, dh] that
// a Linear's output reshapes to. Written with MatMul they need a Permute to
// [B, H, T, dh] before (q, k, v) and after (z): four full copies forward and
// four backward. These ops read and write the interleaved layout in place
// (each head is a [T, dh] matrix with row stride H·dh), so the hook sites
// q, k, v and z stay plain reshapes of Linear inputs and outputs.

type attnKind uint8

const (
	attnScores attnKind = iota // q·kᵀ per head
	attnMix                    // pattern·v per head
)

type attnOp[T Float] struct{ k attnKind }

func (o attnOp[T]) name() string {
	if o.k == attnScores {
		return "AttnScores"
	}
	return "AttnMix"
}

// AttnScores returns the per-head products q·kᵀ: q [B, Tq, H, dh] and
// k [B, Tk, H, dh] → [B, H, Tq, Tk], scores[b, h, i, j] = Σ_d q[b, i, h, d]·
// k[b, j, h, d]. (Unscaled; CausalSoftmax takes the 1/√dh.) It equals
// MatMulT(Permute(q, 0, 2, 1, 3), Permute(k, 0, 2, 1, 3), false, true).
func (tp *Tape[T]) AttnScores(q, k *Node[T]) *Node[T] {
	if tp.err != nil {
		return tp.deadNode()
	}
	qs, ks := q.Shape(), k.Shape()
	if len(qs) != 4 || len(ks) != 4 || qs[0] != ks[0] || qs[2] != ks[2] || qs[3] != ks[3] {
		return tp.fail("engine: AttnScores needs q [B, Tq, H, dh] and k [B, Tk, H, dh], got %v and %v", shapeCopy(qs), shapeCopy(ks))
	}
	nb, tq, h, tk, dh := qs[0], qs[1], qs[2], ks[1], qs[3]
	out := tp.alloc(false, nb, h, tq, tk)
	nd := tp.newNode(attnOp[T]{attnScores}, out, q, k)
	nd.ints = [4]int{nb, h, tq, tk}
	attnForEach(nd, dh, func(qo, ko, so, ld int) {
		// S [Tq, Tk] = Q [Tq, dh] · K [Tk, dh]ᵀ
		gemmT(false, true, tq, tk, dh, 1, q.Value.Data[qo:], ld, k.Value.Data[ko:], ld, 0, out.Data[so:], tk)
	})
	return nd
}

// AttnMix returns the per-head products pattern·v in the interleaved
// layout: p [B, H, Tq, Tk] and v [B, Tk, H, dh] → z [B, Tq, H, dh],
// z[b, i, h, d] = Σ_j p[b, h, i, j]·v[b, j, h, d]. It equals
// Permute(MatMul(p, Permute(v, 0, 2, 1, 3)), 0, 2, 1, 3).
func (tp *Tape[T]) AttnMix(p, v *Node[T]) *Node[T] {
	if tp.err != nil {
		return tp.deadNode()
	}
	ps, vs := p.Shape(), v.Shape()
	if len(ps) != 4 || len(vs) != 4 || ps[0] != vs[0] || ps[1] != vs[2] || ps[3] != vs[1] {
		return tp.fail("engine: AttnMix needs p [B, H, Tq, Tk] and v [B, Tk, H, dh], got %v and %v", shapeCopy(ps), shapeCopy(vs))
	}
	nb, h, tq, tk, dh := ps[0], ps[1], ps[2], ps[3], vs[3]
	out := tp.alloc(false, nb, tq, h, dh)
	nd := tp.newNode(attnOp[T]{attnMix}, out, p, v)
	nd.ints = [4]int{nb, h, tq, tk}
	attnForEach(nd, dh, func(zo, vo, po, ld int) {
		// Z [Tq, dh] = P [Tq, Tk] · V [Tk, dh]
		gemmT(false, false, tq, dh, tk, 1, p.Value.Data[po:], tk, v.Value.Data[vo:], ld, 0, out.Data[zo:], ld)
	})
	return nd
}

// attnForEach calls fn for every (batch, head) with the offsets of that
// head's blocks: in the first interleaved operand (q, or z), in the second
// (k, or v), and of its [Tq, Tk] block; and the interleaved row stride H·dh.
func attnForEach[T Float](nd *Node[T], dh int, fn func(ao, bo, so, ld int)) {
	nb, h, tq, tk := nd.ints[0], nd.ints[1], nd.ints[2], nd.ints[3]
	ld := h * dh
	for b := 0; b < nb; b++ {
		for hd := 0; hd < h; hd++ {
			fn(b*tq*ld+hd*dh, b*tk*ld+hd*dh, (b*h+hd)*tq*tk, ld)
		}
	}
}

func (o attnOp[T]) backward(tp *Tape[T], nd *Node[T]) {
	a, b := nd.in[0], nd.in[1]
	g := nd.Grad.Data
	tq, tk := nd.ints[2], nd.ints[3]
	if o.k == attnScores {
		q, k := a, b
		dh := q.Value.Dim(3)
		if q.requiresGrad {
			gq, acc := tp.gradFor(q)
			beta := betaFor[T](acc)
			attnForEach(nd, dh, func(qo, ko, so, ld int) {
				// dQ [Tq, dh] = dS [Tq, Tk] · K [Tk, dh]
				gemmT(false, false, tq, dh, tk, 1, g[so:], tk, k.Value.Data[ko:], ld, beta, gq[qo:], ld)
			})
		}
		if k.requiresGrad {
			gk, acc := tp.gradFor(k)
			beta := betaFor[T](acc)
			attnForEach(nd, dh, func(qo, ko, so, ld int) {
				// dK [Tk, dh] = dSᵀ · Q [Tq, dh]
				gemmT(true, false, tk, dh, tq, 1, g[so:], tk, q.Value.Data[qo:], ld, beta, gk[ko:], ld)
			})
		}
		return
	}
	p, v := a, b
	dh := v.Value.Dim(3)
	if p.requiresGrad {
		gp, acc := tp.gradFor(p)
		beta := betaFor[T](acc)
		attnForEach(nd, dh, func(zo, vo, po, ld int) {
			// dP [Tq, Tk] = dZ [Tq, dh] · V [Tk, dh]ᵀ
			gemmT(false, true, tq, tk, dh, 1, g[zo:], ld, v.Value.Data[vo:], ld, beta, gp[po:], tk)
		})
	}
	if v.requiresGrad {
		gv, acc := tp.gradFor(v)
		beta := betaFor[T](acc)
		attnForEach(nd, dh, func(zo, vo, po, ld int) {
			// dV [Tk, dh] = Pᵀ · dZ [Tq, dh]
			gemmT(true, false, tk, dh, tq, 1, p.Value.Data[po:], tk, g[zo:], ld, beta, gv[vo:], ld)
		})
	}
}
