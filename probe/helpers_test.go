package probe

import (
	"interloop/rng"
	"interloop/tensor"
)

// synth returns n rows of d-dimensional Gaussian activations whose positive
// class is shifted by sep along a random unit direction that depends only on
// d, so calls with different seeds draw from the same distribution.
func synth(n, d int, sep float64, seed uint64) (*tensor.Tensor[float32], []bool) {
	dir := make([]float64, d)
	dr := rng.New(uint64(d), 99)
	for j := range dir {
		dir[j] = dr.Normal()
	}
	dir = unit(dir)
	r := rng.New(seed, 1)
	X := tensor.New[float32](n, d)
	y := make([]bool, n)
	for i := range y {
		y[i] = r.Float64() < 0.5
		for j := 0; j < d; j++ {
			v := r.Normal()
			if y[i] {
				v += sep * dir[j]
			}
			X.Data[i*d+j] = float32(v)
		}
	}
	return X, y
}
