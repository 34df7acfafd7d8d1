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
	src := x.Value.Data
	for r := 0; r < rows; r++ {
		row := src[r*d : (r+1)*d]
		var mean float64
		for _, v := range row {
			mean += float64(v)
		}
		mean /= float64(d)
		var vr float64
		for _, v := range row {
			dv := float64(v) - mean
			vr += dv * dv
		}
		vr /= float64(d)
		rs := 1 / math.Sqrt(vr+eps)
		rstd.Data[r] = T(rs)
		xh := xhat.Data[r*d : (r+1)*d]
		o := out.Data[r*d : (r+1)*d]
		for i, v := range row {
			xh[i] = T((float64(v) - mean) * rs)
			y := xh[i]
			if gain != nil {
				y *= gain.Value.Data[i]
			}
			if bias != nil {
				y += bias.Value.Data[i]
			}
			o[i] = y
		}
	}
	return nd
}

func (layerNormOp[T]) backward(tp *Tape[T], nd *Node[T]) {
	x, gain, bias := nd.in[0], nd.in[1], nd.in[2]
	xhat, rstd := nd.saved[0].Data, nd.saved[1].Data
	g := nd.Grad.Data
	d := nd.Value.Dim(-1)
	rows := len(rstd)
	if gain != nil && gain.requiresGrad {
		gg := tp.grad(gain).Data
		for r := 0; r < rows; r++ {
			for i := 0; i < d; i++ {
				gg[i] += g[r*d+i] * xhat[r*d+i]
			}
		}
	}
	if bias != nil && bias.requiresGrad {
		gb := tp.grad(bias).Data
		for r := 0; r < rows; r++ {
			for i := 0; i < d; i++ {
				gb[i] += g[r*d+i]
			}
		}
	}
	if !x.requiresGrad {
		return
	}
	gx := tp.grad(x).Data
	inv := 1 / T(d)
	for r := 0; r < rows; r++ {
		// dxhat = g ⊙ gain; dx = rstd·(dxhat − mean(dxhat) − xhat·mean(dxhat⊙xhat))
		var s1, s2 T
		for i := 0; i < d; i++ {
			dh := g[r*d+i]
			if gain != nil {
				dh *= gain.Value.Data[i]
			}
			s1 += dh
			s2 += dh * xhat[r*d+i]
		}
		s1 *= inv
		s2 *= inv
		rs := rstd[r]
		for i := 0; i < d; i++ {
			dh := g[r*d+i]
			if gain != nil {
				dh *= gain.Value.Data[i]
			}
			gx[r*d+i] += rs * (dh - s1 - xhat[r*d+i]*s2)
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
