package engine

import (
	"math"

	"interloop/rng"
)

type layerNormOp[T Float] struct{}

func (layerNormOp[T]) name() string { return "LayerNorm" }

// LayerNorm normalises x over its last axis (biased variance, as PyTorch)
// and applies gain and bias ([D] each; either may be nil).
func (tp *Tape[T]) LayerNorm(x, gain, bias *Node[T], eps float64) *Node[T] {
	if tp.err != nil {
		return tp.deadNode()
	}
	shape := x.Shape()
	if len(shape) == 0 {
		return tp.fail("engine: LayerNorm on a scalar")
	}
	d := shape[len(shape)-1]
	for _, p := range []*Node[T]{gain, bias} {
		if p != nil && (p.Value.Rank() != 1 || p.Value.Dim(0) != d) {
			return tp.fail("engine: LayerNorm gain/bias shape %v for last axis %d", shapeCopy(p.Shape()), d)
		}
	}
	rows := x.Value.Len() / max(d, 1)
	out := tp.alloc(false, shape...)
	xhat := tp.alloc(false, shape...) // normalised input, saved for backward
	rstd := tp.alloc(false, rows)
	nd := tp.newNode(layerNormOp[T]{}, out, x, gain, bias)
	if gain == nil {
		nd.in[1] = nil
	}
	if bias == nil {
		nd.in[2] = nil
	}
	nd.saved = [2]*tensorT[T]{xhat, rstd}
	var gd, bd []T // nil when absent
	if gain != nil {
		gd = gain.Value.Data[:d]
	}
	if bias != nil {
		bd = bias.Value.Data[:d]
	}
	src := x.Value.Data
	for r := 0; r < rows; r++ {
		row := src[r*d : (r+1)*d]
		mean, rs := lnStats(row, eps)
		rstd.Data[r] = T(rs)
		lnApply(xhat.Data[r*d:(r+1)*d], out.Data[r*d:(r+1)*d], row, gd, bd, mean, rs)
	}
	return nd
}

// lnStats returns the mean of row and 1/√(var + eps), biased variance, in
// two passes in float64 (E[x²] − E[x]² would cancel for large means). The
// sums run in four lanes, element i into lane i%4, combined (l0+l1)+(l2+l3):
// the vector kernels' order.
func lnStats[T Float](row []T, eps float64) (mean, rs float64) {
	var s, v [4]float64
	i := 0
	if r32, ok := asF32(row); ok {
		i = sum4SIMD(r32, &s)
	}
	for ; i < len(row); i++ {
		s[i&3] += float64(row[i])
	}
	d := float64(len(row))
	mean = ((s[0] + s[1]) + (s[2] + s[3])) / d
	i = 0
	if r32, ok := asF32(row); ok {
		i = sqdev4SIMD(r32, mean, &v)
	}
	for ; i < len(row); i++ {
		dv := float64(row[i]) - mean
		v[i&3] += dv * dv
	}
	return mean, 1 / math.Sqrt(((v[0]+v[1])+(v[2]+v[3]))/d+eps)
}

// lnApply writes one row's normalised values xh = (x − mean)·rs and the
// output o = xh·gain + bias (either may be nil).
func lnApply[T Float](xh, o, x, gain, bias []T, mean, rs float64) {
	i := 0
	if x32, ok := asF32(x); ok {
		xh32, _ := asF32(xh)
		o32, _ := asF32(o)
		g32, _ := asF32(gain)
		b32, _ := asF32(bias)
		i = lnApplySIMD(xh32, o32, x32, g32, b32, mean, rs)
	}
	for ; i < len(x); i++ {
		h := T((float64(x[i]) - mean) * rs)
		xh[i] = h
		switch {
		case gain != nil && bias != nil:
			o[i] = h*gain[i] + bias[i]
		case gain != nil:
			o[i] = h * gain[i]
		case bias != nil:
			o[i] = h + bias[i]
		default:
			o[i] = h
		}
	}
}

func (layerNormOp[T]) backward(tp *Tape[T], nd *Node[T]) {
	x, gain, bias := nd.in[0], nd.in[1], nd.in[2]
	xhat, rstd := nd.saved[0].Data, nd.saved[1].Data
	g := nd.Grad.Data
	d := nd.Value.Dim(-1)
	rows := len(rstd)
	if gain != nil && gain.requiresGrad {
		gg, acc := tp.gradFor(gain)
		if !acc {
			clear(gg)
		}
		for r := 0; r < rows; r++ {
			mulTo(gg[:d], g[r*d:(r+1)*d], xhat[r*d:(r+1)*d], true) // dgain += g ⊙ xhat
		}
	}
	if bias != nil && bias.requiresGrad {
		gb, acc := tp.gradFor(bias)
		if !acc {
			clear(gb)
		}
		sumRowsTo(gb, g, d)
	}
	if !x.requiresGrad {
		return
	}
	gx, acc := tp.gradFor(x)
	var gd []T
	if gain != nil {
		gd = gain.Value.Data[:d]
	} else {
		// A unit gain: multiplying by 1 is exact, and it lets the vector
		// kernels, which always multiply, do the row.
		ones := tp.alloc(false, d)
		for i := range ones.Data {
			ones.Data[i] = 1
		}
		gd = ones.Data
	}
	for r := 0; r < rows; r++ {
		lnGradRow(gx[r*d:(r+1)*d], g[r*d:(r+1)*d], gd, xhat[r*d:(r+1)*d], rstd[r], acc)
	}
}

// lnGradRow stores (or, with acc, adds) one row's input gradient
//
//	dx = rstd·(dxhat − mean(dxhat) − xhat·mean(dxhat ⊙ xhat)),  dxhat = g ⊙ gain,
//
// with the two means summed in float64 lanes like lnStats.
func lnGradRow[T Float](dst, gr, gain, xh []T, rs T, acc bool) {
	var l [8]float64
	g32, f32 := asF32(gr)
	gn32, _ := asF32(gain)
	x32, _ := asF32(xh)
	i := 0
	if f32 {
		i = lnDotsSIMD(g32, gn32, x32, &l)
	}
	for ; i < len(gr); i++ {
		dh := gr[i] * gain[i]
		l[i&3] += float64(dh)
		l[4+i&3] += float64(dh) * float64(xh[i])
	}
	n := float64(len(gr))
	m1 := T(((l[0] + l[1]) + (l[2] + l[3])) / n)
	m2 := T(((l[4] + l[5]) + (l[6] + l[7])) / n)
	i = 0
	if f32 {
		d32, _ := asF32(dst)
		i = lnGradSIMD(d32, g32, gn32, x32, float32(rs), float32(m1), float32(m2), acc)
	}
	for ; i < len(gr); i++ {
		v := rs * ((gr[i]*gain[i] - m1) - xh[i]*m2)
		if acc {
			dst[i] += v
		} else {
			dst[i] = v
		}
	}
}

type dropoutOp[T Float] struct{}

func (dropoutOp[T]) name() string { return "Dropout" }

// Dropout zeroes each element with probability p and scales the survivors by
// 1/(1−p) (inverted dropout), drawing the mask from r. With p == 0 it returns
// x unchanged.
func (tp *Tape[T]) Dropout(x *Node[T], p float64, r *rng.PCG) *Node[T] {
	if tp.err != nil {
		return tp.deadNode()
	}
	if p < 0 || p >= 1 {
		return tp.fail("engine: Dropout probability %v outside [0, 1)", p)
	}
	if p == 0 {
		return x
	}
	out := tp.alloc(false, x.Shape()...)
	mask := tp.alloc(false, x.Shape()...)
	nd := tp.newNode(dropoutOp[T]{}, out, x)
	nd.saved[0] = mask
	keep := T(1 / (1 - p))
	for i, v := range x.Value.Data {
		if r.Float64() < p {
			mask.Data[i] = 0
		} else {
			mask.Data[i] = keep
		}
		out.Data[i] = v * mask.Data[i]
	}
	return nd
}

func (dropoutOp[T]) backward(tp *Tape[T], nd *Node[T]) {
	x := nd.in[0]
	if !x.requiresGrad {
		return
	}
	gx, m := tp.grad(x).Data, nd.saved[0].Data
	for i, g := range nd.Grad.Data {
		gx[i] += g * m[i]
	}
}

type causalMaskOp[T Float] struct{}

func (causalMaskOp[T]) name() string { return "CausalMask" }

// CausalMask sets the entries of scores [..., T, T] above the diagonal
// (key position > query position) to −∞, so a following softmax gives them
// zero weight; no gradient flows to them.
func (tp *Tape[T]) CausalMask(scores *Node[T]) *Node[T] {
	if tp.err != nil {
		return tp.deadNode()
	}
	s := scores.Shape()
	if len(s) < 2 || s[len(s)-1] != s[len(s)-2] {
		return tp.fail("engine: CausalMask needs [..., T, T], got %v", shapeCopy(s))
	}
	t := s[len(s)-1]
	out := tp.alloc(false, s...)
	nd := tp.newNode(causalMaskOp[T]{}, out, scores)
	copy(out.Data, scores.Value.Data)
	ninf := T(math.Inf(-1))
	for b := 0; b < len(out.Data); b += t * t {
		for q := 0; q < t; q++ {
			for k := q + 1; k < t; k++ {
				out.Data[b+q*t+k] = ninf
			}
		}
	}
	return nd
}

func (causalMaskOp[T]) backward(tp *Tape[T], nd *Node[T]) {
	x := nd.in[0]
	if !x.requiresGrad {
		return
	}
	t := nd.Value.Dim(-1)
	gx, g := tp.grad(x).Data, nd.Grad.Data
	for b := 0; b < len(g); b += t * t {
		for q := 0; q < t; q++ {
			for k := 0; k <= q; k++ {
				gx[b+q*t+k] += g[b+q*t+k]
			}
		}
	}
}
