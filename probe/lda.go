package probe

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"interloop/tensor"
)

// ShrinkageAuto selects the Ledoit–Wolf shrinkage estimate for each class
// covariance, as sklearn's shrinkage="auto".
const ShrinkageAuto = -1.0

// LDAConfig configures linear discriminant analysis. The zero value is
// sklearn's LinearDiscriminantAnalysis(solver="lsqr", shrinkage=None): no
// shrinkage, class priors from the class frequencies.
type LDAConfig struct {
	// Shrinkage α ∈ [0, 1] blends each class's empirical covariance S with a
	// scaled identity: (1−α)·S + α·(tr S/d)·I. 0 is none; ShrinkageAuto (−1)
	// estimates α per class by Ledoit–Wolf on standardized features. Prefer
	// shrinkage when d approaches the smaller class's size.
	Shrinkage float64 `json:"shrinkage,omitempty"`
}

// Fit implements Fitter.
func (c LDAConfig) Fit(X *tensor.Tensor[float32], y []bool) (Detector, error) {
	d, err := FitLDA(X, y, c)
	if err != nil {
		return nil, err // a nil Detector, not a typed nil
	}
	return d, nil
}

// LDA is a fitted two-class linear discriminant (a Mahalanobis probe): with
// class means μ±, priors π± and shared covariance Σ,
// w = Σ⁺(μ⁺ − μ⁻), b = −½(μ⁺·Σ⁺μ⁺ − μ⁻·Σ⁺μ⁻) + log(π⁺/π⁻), and
// Score(x) = σ(w·x + b), the posterior P(positive | x) under Gaussian classes.
type LDA struct {
	cfg  LDAConfig
	w    []float64
	b    float64
	head head32 // float32 weights for ScoreNode
}

// FitLDA fits LDA like sklearn's lsqr solver: the pooled covariance is
// Σ = Σₖ πₖ·Sₖ with Sₖ the (shrunk) maximum-likelihood covariance of class k,
// and Σ⁺ is applied by a least-squares (SVD, minimum-norm) solve, so a
// singular Σ is allowed.
func FitLDA(X *tensor.Tensor[float32], y []bool, cfg LDAConfig) (*LDA, error) {
	if a := cfg.Shrinkage; a != ShrinkageAuto && !(a >= 0 && a <= 1) {
		return nil, fmt.Errorf("%w: LDA shrinkage %v", ErrConfig, a)
	}
	n, d, pos, err := checkFit(X, y)
	if err != nil {
		return nil, fmt.Errorf("lda: %w", err)
	}
	x := toFloat64(X)
	mp, mn := classMeans(x, d, y)
	priors := [2]float64{float64(n-pos) / float64(n), float64(pos) / float64(n)} // neg, pos
	sigma := make([]float64, d*d)
	for k, label := range []bool{false, true} {
		mean := mn
		if label {
			mean = mp
		}
		c := classCov(x, d, y, label, mean, cfg.Shrinkage)
		for i := range sigma {
			sigma[i] += priors[k] * c[i]
		}
	}
	var svd mat.SVD
	if !svd.Factorize(mat.NewDense(d, d, sigma), mat.SVDThin) {
		return nil, fmt.Errorf("lda: %w: SVD of the covariance failed", ErrNotConverged)
	}
	coef := func(mu []float64) []float64 { return pinvSolve(&svd, mu) }
	cp, cn := coef(mp), coef(mn)
	w := make([]float64, d)
	for j := range w {
		w[j] = cp[j] - cn[j]
	}
	b := (-0.5*dot(mp, cp) + math.Log(priors[1])) - (-0.5*dot(mn, cn) + math.Log(priors[0]))
	return &LDA{cfg: cfg, w: w, b: b}, nil
}

// classCov returns the (shrunk) ML covariance (d×d) of the rows with label.
func classCov(x []float64, d int, y []bool, label bool, mean []float64, shrink float64) []float64 {
	var rows []float64 // centered, m×d
	for i, v := range y {
		if v != label {
			continue
		}
		for j, xv := range x[i*d : (i+1)*d] {
			rows = append(rows, xv-mean[j])
		}
	}
	m := len(rows) / d
	c := make([]float64, d*d)
	gram(rows, m, d, c)
	for i := range c {
		c[i] /= float64(m)
	}
	alpha := shrink
	mu := 0.0
	for j := 0; j < d; j++ {
		mu += c[j*d+j]
	}
	mu /= float64(d)
	if shrink == ShrinkageAuto {
		// sklearn standardizes, shrinks towards (tr S_z/d)·I, then rescales:
		// Σ = (1−α)S + α·μ_z·diag(s²), μ_z = #non-constant features / d.
		scale := make([]float64, d)
		muZ := 0.0
		for j := range scale {
			scale[j] = math.Sqrt(c[j*d+j])
			if scale[j] == 0 {
				scale[j] = 1
			} else {
				muZ++
			}
		}
		muZ /= float64(d)
		z := make([]float64, len(rows))
		for i := range z {
			z[i] = rows[i] / scale[i%d]
		}
		alpha = ledoitWolf(z, m, d)
		for j := range d {
			for k := range d {
				c[j*d+k] *= 1 - alpha
			}
			c[j*d+j] += alpha * muZ * scale[j] * scale[j]
		}
		return c
	}
	if alpha > 0 {
		for i := range c {
			c[i] *= 1 - alpha
		}
		for j := range d {
			c[j*d+j] += alpha * mu
		}
	}
	return c
}

// ledoitWolf returns the Ledoit–Wolf shrinkage for centered rows z (m×d),
// following sklearn's ledoit_wolf_shrinkage (assume_centered after centering).
func ledoitWolf(z []float64, m, d int) float64 {
	if d == 1 {
		return 0
	}
	n := float64(m)
	trace := make([]float64, d) // emp_cov_trace: column mean of z²
	var beta float64            // Σ_{jk} (z²ᵀz²)_{jk} = Σᵢ (Σⱼ zᵢⱼ²)²
	for i := 0; i < m; i++ {
		var r float64
		for j, v := range z[i*d : (i+1)*d] {
			trace[j] += v * v / n
			r += v * v
		}
		beta += r * r
	}
	var mu, sumTrace float64
	for _, t := range trace {
		sumTrace += t
	}
	mu = sumTrace / float64(d)
	g := make([]float64, d*d) // zᵀz
	gram(z, m, d, g)
	var delta float64
	for _, v := range g {
		delta += v * v
	}
	delta /= n * n
	b := (beta/n - delta) / (float64(d) * n)
	dl := (delta - 2*mu*sumTrace + float64(d)*mu*mu) / float64(d)
	b = math.Min(b, dl)
	if b == 0 {
		return 0
	}
	return b / dl
}

// pinvSolve returns the minimum-norm least-squares solution of A·x = v from
// A's SVD, zeroing singular values below eps·max(m, n)·σ_max (NumPy's rcond).
func pinvSolve(svd *mat.SVD, v []float64) []float64 {
	var u, vm mat.Dense
	svd.UTo(&u)
	svd.VTo(&vm) // V, columns are right singular vectors
	s := svd.Values(nil)
	r, _ := u.Dims()
	cut := 2.220446049250313e-16 * float64(r) * s[0]
	out := make([]float64, len(v))
	for k, sk := range s {
		if sk <= cut {
			continue
		}
		var c float64 // (uₖ·v)/σₖ
		for i := range v {
			c += u.At(i, k) * v[i]
		}
		c /= sk
		for i := range out {
			out[i] += c * vm.At(i, k)
		}
	}
	return out
}

// Kind implements Detector.
func (l *LDA) Kind() string { return "lda" }

// Config returns the config the probe was fitted with.
func (l *LDA) Config() LDAConfig { return l.cfg }

// Score implements Detector.
func (l *LDA) Score(X *tensor.Tensor[float32], dst []float64) error {
	if _, err := checkScore(X, len(l.w), dst); err != nil {
		return fmt.Errorf("lda: %w", err)
	}
	scoreLinear(X, l.w, l.b, dst)
	return nil
}

// Direction implements Linear: the unit discriminant direction Σ⁺(μ⁺ − μ⁻).
func (l *LDA) Direction() []float64 { return unit(l.w) }

// Weights implements Linear.
func (l *LDA) Weights() ([]float64, float64) { return clone(l.w), l.b }
