package probe

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"interloop/tensor"
)

// PCAConfig configures principal component analysis. The zero value centers
// the data, as sklearn.decomposition.PCA does.
type PCAConfig struct {
	// NoCenter skips mean-centering, so the components describe the second
	// moment about the origin. For activation differences this keeps a
	// consistent shift (the mean difference) as a component instead of
	// subtracting it away.
	NoCenter bool `json:"no_center,omitempty"`
}

// PCA holds the top principal directions of a set of activations (or of
// activation differences). It is plain data: encoding/json saves it.
type PCA struct {
	Mean       []float64   `json:"mean"`       // len d; zeros with NoCenter
	Components [][]float64 `json:"components"` // k unit rows of len d, by decreasing variance
	Variance   []float64   `json:"variance"`   // σₖ²/(n−1), sklearn's explained_variance_
	Ratio      []float64   `json:"ratio"`      // Variance / total variance
}

// FitPCA returns the top k principal components of X (n×d) from a thin SVD
// of the (centered) data. Sign convention: each component's entry of largest
// magnitude is positive (sklearn's sign rule differs; compare up to sign).
func FitPCA(X *tensor.Tensor[float32], k int, cfg PCAConfig) (*PCA, error) {
	n, d, err := checkX(X)
	if err != nil {
		return nil, fmt.Errorf("pca: %w", err)
	}
	return pca(toFloat64(X), n, d, k, cfg, nil)
}

// DiffPCA returns the top k principal components of the paired differences
// Aᵢ − Bᵢ (both n×d, row i of A paired with row i of B), as CAFT uses to find
// concept directions to ablate. Each component is signed so that the mean
// difference projects onto it non-negatively (it points from B towards A);
// when that projection vanishes the largest-entry rule of FitPCA applies.
func DiffPCA(A, B *tensor.Tensor[float32], k int, cfg PCAConfig) (*PCA, error) {
	n, d, err := checkX(A)
	if err != nil {
		return nil, fmt.Errorf("diffpca: A: %w", err)
	}
	nb, db, err := checkX(B)
	if err != nil {
		return nil, fmt.Errorf("diffpca: B: %w", err)
	}
	if nb != n || db != d {
		return nil, fmt.Errorf("diffpca: %w: A is %v, B is %v", ErrShape, A.Shape(), B.Shape())
	}
	diff := make([]float64, n*d)
	meanDiff := make([]float64, d)
	for i := range diff {
		diff[i] = float64(A.Data[i]) - float64(B.Data[i])
		meanDiff[i%d] += diff[i] / float64(n)
	}
	return pca(diff, n, d, k, cfg, meanDiff)
}

// pca runs PCA on x (n×d, overwritten). orient, when non-nil, fixes signs.
func pca(x []float64, n, d, k int, cfg PCAConfig, orient []float64) (*PCA, error) {
	if n < 2 {
		return nil, fmt.Errorf("pca: %w: need at least 2 rows, got %d", ErrEmpty, n)
	}
	if k < 1 || k > min(n, d) {
		return nil, fmt.Errorf("pca: %w: k=%d components for %d×%d data", ErrConfig, k, n, d)
	}
	mean := make([]float64, d)
	if !cfg.NoCenter {
		for i := 0; i < n; i++ {
			for j, v := range x[i*d : (i+1)*d] {
				mean[j] += v
			}
		}
		for j := range mean {
			mean[j] /= float64(n)
		}
		for i := range x {
			x[i] -= mean[i%d]
		}
	}
	var svd mat.SVD
	if !svd.Factorize(mat.NewDense(n, d, x), mat.SVDThinV) {
		return nil, fmt.Errorf("pca: %w: SVD failed", ErrNotConverged)
	}
	s := svd.Values(nil)
	var v mat.Dense
	svd.VTo(&v) // d×min(n,d), columns are components
	var total float64
	for _, sv := range s {
		total += sv * sv / float64(n-1)
	}
	p := &PCA{Mean: mean}
	for c := 0; c < k; c++ {
		comp := make([]float64, d)
		for j := range comp {
			comp[j] = v.At(j, c)
		}
		orientSign(comp, orient)
		p.Components = append(p.Components, comp)
		ev := s[c] * s[c] / float64(n-1)
		p.Variance = append(p.Variance, ev)
		if total > 0 {
			p.Ratio = append(p.Ratio, ev/total)
		} else {
			p.Ratio = append(p.Ratio, 0)
		}
	}
	return p, nil
}

// orientSign flips comp so that orient·comp > 0, or, when orient is nil or
// (numerically) orthogonal to comp, so that its largest-magnitude entry is
// positive.
func orientSign(comp, orient []float64) {
	if orient != nil {
		var norm float64
		for _, v := range orient {
			norm += v * v
		}
		if p := dot(comp, orient); math.Abs(p) > 1e-9*math.Sqrt(norm) {
			if p < 0 {
				scaleVec(comp, -1)
			}
			return
		}
	}
	big := 0
	for j, v := range comp {
		if math.Abs(v) > math.Abs(comp[big]) {
			big = j
		}
	}
	if comp[big] < 0 {
		scaleVec(comp, -1)
	}
}

func scaleVec(v []float64, a float64) {
	for i := range v {
		v[i] *= a
	}
}
