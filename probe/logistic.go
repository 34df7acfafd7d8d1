package probe

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/mat"

	"interloop/tensor"
)

// LogisticConfig parametrizes L2-regularized logistic regression exactly as
// sklearn's LogisticRegression(C=C, penalty="l2", fit_intercept=True): the fit
// minimizes ½‖w‖² + C·Σᵢ log(1 + exp(−ỹᵢ(w·xᵢ + b))) with the intercept b
// unpenalized. The zero value is C = 1, no standardisation, Tol = 1e-8,
// MaxIter = 100.
type LogisticConfig struct {
	// C is the inverse regularization strength (sklearn's C); 0 means 1.
	C float64 `json:"c,omitempty"`
	// NoPenalty drops the L2 term (sklearn's penalty=None); C is then
	// ignored. The fit fails on separable data, whose optimum is at infinity.
	NoPenalty bool `json:"no_penalty,omitempty"`
	// Standardize fits on z-scored features (mean 0, population std 1; a
	// constant feature keeps scale 1, as sklearn's StandardScaler) and folds
	// the scaling back into w and b, so the penalty acts in standardized units:
	// Pipeline(StandardScaler(), LogisticRegression(C)).
	Standardize bool `json:"standardize,omitempty"`
	// Tol stops Newton's method once a full step satisfies
	// ‖Δθ‖∞ ≤ Tol·max(1, ‖θ‖∞); convergence is quadratic, so the remaining
	// error is far below Tol. 0 means 1e-8.
	Tol float64 `json:"tol,omitempty"`
	// MaxIter bounds the Newton iterations; 0 means 100.
	MaxIter int `json:"max_iter,omitempty"`
}

func (c LogisticConfig) resolved() (LogisticConfig, error) {
	if c.C == 0 {
		c.C = 1
	}
	if c.Tol == 0 {
		c.Tol = 1e-8
	}
	if c.MaxIter == 0 {
		c.MaxIter = 100
	}
	if !(c.C > 0) || math.IsInf(c.C, 0) || !(c.Tol > 0) || c.MaxIter < 0 {
		return c, fmt.Errorf("%w: logistic C=%v Tol=%v MaxIter=%d", ErrConfig, c.C, c.Tol, c.MaxIter)
	}
	return c, nil
}

// Fit implements Fitter.
func (c LogisticConfig) Fit(X *tensor.Tensor[float32], y []bool) (Detector, error) {
	d, err := FitLogistic(X, y, c)
	if err != nil {
		return nil, err // a nil Detector, not a typed nil
	}
	return d, nil
}

// Logistic is a fitted logistic-regression probe: Score(x) = σ(w·x + b).
type Logistic struct {
	cfg   LogisticConfig // resolved
	w     []float64      // len d, activation space
	b     float64
	iters int    // Newton iterations the fit took
	head  head32 // float32 weights for ScoreNode
}

// Kind implements Detector.
func (l *Logistic) Kind() string { return "logistic" }

// Config returns the resolved config the probe was fitted with.
func (l *Logistic) Config() LogisticConfig { return l.cfg }

// Iterations is the number of Newton steps the fit took (0 for a loaded probe).
func (l *Logistic) Iterations() int { return l.iters }

// Score implements Detector.
func (l *Logistic) Score(X *tensor.Tensor[float32], dst []float64) error {
	if _, err := checkScore(X, len(l.w), dst); err != nil {
		return fmt.Errorf("logistic: %w", err)
	}
	scoreLinear(X, l.w, l.b, dst)
	return nil
}

// Direction implements Linear.
func (l *Logistic) Direction() []float64 { return unit(l.w) }

// Weights implements Linear.
func (l *Logistic) Weights() ([]float64, float64) { return clone(l.w), l.b }

// FitLogistic fits an L2 logistic regression by Newton's method (IRLS) in
// float64 with a backtracking line search, to the tolerance in cfg.
func FitLogistic(X *tensor.Tensor[float32], y []bool, cfg LogisticConfig) (*Logistic, error) {
	cfg, err := cfg.resolved()
	if err != nil {
		return nil, err
	}
	n, d, pos, err := checkFit(X, y)
	if err != nil {
		return nil, fmt.Errorf("logistic: %w", err)
	}
	x := toFloat64(X) // n×d
	var mean, scale []float64
	if cfg.Standardize {
		mean, scale = standardize(x, n, d)
	}
	theta, iters, err := newtonLogistic(x, n, d, y, pos, cfg)
	if err != nil {
		return nil, fmt.Errorf("logistic: %w", err)
	}
	w, b := theta[:d], theta[d]
	if cfg.Standardize {
		// σ(w'·(x−μ)/s + b') = σ((w'/s)·x + b' − Σ w'ⱼμⱼ/sⱼ).
		for j := range w {
			w[j] /= scale[j]
			b -= w[j] * mean[j]
		}
	}
	return &Logistic{cfg: cfg, w: clone(w), b: b, iters: iters}, nil
}

// standardize z-scores the columns of x (n×d) in place and returns the means
// and scales (population std; 1 for a constant column).
func standardize(x []float64, n, d int) (mean, scale []float64) {
	mean, scale = make([]float64, d), make([]float64, d)
	for i := 0; i < n; i++ {
		for j, v := range x[i*d : (i+1)*d] {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	for i := 0; i < n; i++ {
		for j, v := range x[i*d : (i+1)*d] {
			scale[j] += (v - mean[j]) * (v - mean[j])
		}
	}
	for j := range scale {
		scale[j] = math.Sqrt(scale[j] / float64(n))
		if scale[j] < 10*math.SmallestNonzeroFloat64 || scale[j] == 0 {
			scale[j] = 1
		}
	}
	for i := 0; i < n; i++ {
		row := x[i*d : (i+1)*d]
		for j := range row {
			row[j] = (row[j] - mean[j]) / scale[j]
		}
	}
	return mean, scale
}

// newtonLogistic minimizes f(θ) = Σᵢ [softplus(zᵢ) − yᵢzᵢ] + ‖w‖²/(2C),
// zᵢ = w·xᵢ + b, θ = (w, b), which is sklearn's objective divided by C.
// Gradient g = Xₐᵀ(p − y) + (w/C, 0); Hessian H = XₐᵀSXₐ + diag(1/C, …, 0)
// with Xₐ = [X 1] and S = diag(p(1−p)).
func newtonLogistic(x []float64, n, d int, y []bool, pos int, cfg LogisticConfig) ([]float64, int, error) {
	k := d + 1
	lam := 1 / cfg.C
	if cfg.NoPenalty {
		lam = 0
	}
	theta := make([]float64, k)
	theta[d] = math.Log(float64(pos) / float64(n-pos)) // start at the prior
	z := make([]float64, n)                            // margins
	dz := make([]float64, n)                           // Xₐ·Δ
	zt := make([]float64, n)                           // trial margins
	r := make([]float64, n)                            // p − y
	s := make([]float64, n)                            // √(p(1−p))
	g := make([]float64, k)
	hess := make([]float64, k*k)
	kp := (k + 3) &^ 3
	xt := make([]float64, kp*n) // Xₐᵀ, zero-padded to kp rows
	for i := 0; i < n; i++ {
		for j, v := range x[i*d : (i+1)*d] {
			xt[j*n+i] = v
		}
		xt[d*n+i] = 1
	}
	sxt := make([]float64, kp*n) // (√S·Xₐ)ᵀ, rebuilt each step
	work := make([]float64, kp*kp)
	step := make([]float64, k)
	trial := make([]float64, k)

	objective := func(z []float64, th []float64) float64 {
		var f float64
		for i, zi := range z {
			f += softplus(zi)
			if y[i] {
				f -= zi
			}
		}
		var ww float64
		for _, v := range th[:d] {
			ww += v * v
		}
		return f + lam*ww/2
	}
	margins(x, n, d, theta, z)
	f := objective(z, theta)
	for it := 1; it <= cfg.MaxIter; it++ {
		clear(g)
		for i, zi := range z {
			p := sigmoid(zi)
			r[i] = p
			if y[i] {
				r[i] = p - 1
			}
			s[i] = math.Sqrt(p * (1 - p))
		}
		for i := 0; i < n; i++ {
			for j, v := range x[i*d : (i+1)*d] {
				g[j] += r[i] * v
			}
			g[d] += r[i]
		}
		for j := 0; j < k; j++ {
			xr, zr := xt[j*n:(j+1)*n], sxt[j*n:(j+1)*n]
			for i, v := range xr {
				zr[i] = s[i] * v
			}
		}
		for j := 0; j < d; j++ {
			g[j] += lam * theta[j]
		}
		gramT(sxt, n, k, hess, work)
		for j := 0; j < d; j++ {
			hess[j*k+j] += lam
		}
		var chol mat.Cholesky
		if !chol.Factorize(mat.NewSymDense(k, hess)) {
			return nil, it, fmt.Errorf("%w: Hessian not positive definite at step %d (separable or rank-deficient data with NoPenalty?)", ErrNotConverged, it)
		}
		gv := mat.NewVecDense(k, g)
		sv := mat.NewVecDense(k, step)
		if err := chol.SolveVecTo(sv, gv); err != nil {
			return nil, it, fmt.Errorf("%w: Newton solve: %v", ErrNotConverged, err)
		}
		var slope, maxStep, maxTheta float64
		for j := range step {
			step[j] = -step[j]
			slope += g[j] * step[j]
			maxStep = math.Max(maxStep, math.Abs(step[j]))
		}
		for _, v := range theta {
			maxTheta = math.Max(maxTheta, math.Abs(v))
		}
		// Converged when the step is below Tol relative to θ, or when the
		// Newton decrement ½·gᵀH⁻¹g (the predicted decrease) is at the
		// objective's rounding level: then the line search can no longer
		// tell the full step from a shorter one (well-separated classes,
		// large weights), and further steps only fight rounding noise. The
		// second test needs a penalty: without one, separable data has no
		// finite optimum and a small decrement is not convergence.
		if maxStep <= cfg.Tol*math.Max(1, maxTheta) || (lam > 0 && -slope/2 <= 1e-13*math.Max(1, math.Abs(f))) {
			// Inside Newton's quadratic basin the full step is exact to
			// O(step²); the objective can no longer resolve it, so take it
			// without a line search.
			for j := range theta {
				theta[j] += step[j]
			}
			return theta, it, nil
		}
		margins(x, n, d, step, dz) // dz = Xₐ·Δ
		// Armijo backtracking; the slack term ignores rounding noise in f.
		slack := 4 * 0x1p-52 * math.Abs(f)
		t := 1.0
		for ls := 0; ; ls++ {
			if ls == 60 {
				return nil, it, fmt.Errorf("%w: line search failed at step %d (step %g)", ErrNotConverged, it, maxStep)
			}
			for i := range zt {
				zt[i] = z[i] + t*dz[i]
			}
			for j := range trial {
				trial[j] = theta[j] + t*step[j]
			}
			if ft := objective(zt, trial); ft <= f+1e-4*t*slope+slack {
				f = ft
				break
			}
			t /= 2
		}
		copy(theta, trial)
		copy(z, zt)
	}
	return nil, cfg.MaxIter, fmt.Errorf("%w: %d Newton steps (Tol=%v)", ErrNotConverged, cfg.MaxIter, cfg.Tol)
}

// margins computes z = X·θ[:d] + θ[d] for x (n×d).
func margins(x []float64, n, d int, theta, z []float64) {
	w, b := theta[:d], theta[d]
	for i := 0; i < n; i++ {
		v := b
		for j, xv := range x[i*d : (i+1)*d] {
			v += w[j] * xv
		}
		z[i] = v
	}
}

// gram writes AᵀA (k×k, full symmetric) for A = a (n×k, row-major) into
// out.
func gram(a []float64, n, k int, out []float64) {
	kp := (k + 3) &^ 3
	zt := make([]float64, kp*n)
	for i := 0; i < n; i++ {
		for j, v := range a[i*k : (i+1)*k] {
			zt[j*n+i] = v
		}
	}
	gramT(zt, n, k, out, make([]float64, kp*kp))
}

// gramT writes ZᵀZ (k×k, full symmetric) into out from the columns of Z
// stored as rows of zt (kp×n, kp = k rounded up to a multiple of 4, padding
// rows zero); work is scratch of kp·kp. It accumulates 4×2 register tiles of
// dot products over the upper triangle, tile rows shared among goroutines:
// about twice as fast as gonum's pure-Go Dsyrk.
func gramT(zt []float64, n, k int, out, work []float64) {
	kp := (k + 3) &^ 3
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), kp/4) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i0 := int(next.Add(4)) - 4
				if i0 >= kp {
					return
				}
				gramRow(zt, n, kp, i0, work)
			}
		}()
	}
	wg.Wait()
	for i := 0; i < k; i++ {
		for j := i; j < k; j++ {
			out[i*k+j], out[j*k+i] = work[i*kp+j], work[i*kp+j]
		}
	}
}

// gramRow fills rows i0…i0+3 of the upper triangle of ZZᵀ (columns from
// i0 − i0%2 on) for zt (kp×n).
func gramRow(zt []float64, n, kp, i0 int, out []float64) {
	a0, a1, a2, a3 := zt[i0*n:(i0+1)*n], zt[(i0+1)*n:(i0+2)*n], zt[(i0+2)*n:(i0+3)*n], zt[(i0+3)*n:(i0+4)*n]
	for j0 := i0; j0 < kp; j0 += 2 {
		b0, b1 := zt[j0*n:(j0+1)*n], zt[(j0+1)*n:(j0+2)*n]
		var c00, c01, c10, c11, c20, c21, c30, c31 float64
		a0, a1, a2, a3, b0, b1 := a0[:n], a1[:n], a2[:n], a3[:n], b0[:n], b1[:n]
		for p := 0; p < n; p++ {
			x0, x1, x2, x3, y0, y1 := a0[p], a1[p], a2[p], a3[p], b0[p], b1[p]
			c00 += x0 * y0
			c01 += x0 * y1
			c10 += x1 * y0
			c11 += x1 * y1
			c20 += x2 * y0
			c21 += x2 * y1
			c30 += x3 * y0
			c31 += x3 * y1
		}
		out[i0*kp+j0], out[i0*kp+j0+1] = c00, c01
		out[(i0+1)*kp+j0], out[(i0+1)*kp+j0+1] = c10, c11
		out[(i0+2)*kp+j0], out[(i0+2)*kp+j0+1] = c20, c21
		out[(i0+3)*kp+j0], out[(i0+3)*kp+j0+1] = c30, c31
	}
}
