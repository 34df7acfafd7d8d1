package optim

import (
	"math"

	"interloop/engine"
	"interloop/tensor"
)

// ClipGradNorm rescales the gradients of params so that their global L2
// norm (over all elements of all gradients together) is at most maxNorm,
// as torch.nn.utils.clip_grad_norm_: with N the norm, every gradient is
// multiplied by min(1, maxNorm/(N + 1e-6)). It returns N, the norm before
// clipping, accumulated in float64. A non-finite N is returned and, as in
// torch (error_if_nonfinite=False), the gradients become non-finite too.
func ClipGradNorm[T tensor.Float](params []*engine.Param[T], maxNorm float64) float64 {
	var ss float64
	for _, p := range params {
		for _, g := range p.Grad.Data {
			ss += float64(g) * float64(g)
		}
	}
	norm := math.Sqrt(ss)
	coef := maxNorm / (norm + 1e-6)
	if coef < 1 || math.IsNaN(coef) {
		c := T(coef)
		for _, p := range params {
			for j := range p.Grad.Data {
				p.Grad.Data[j] *= c
			}
		}
	}
	return norm
}
