// Package probe holds interloop's detectors: readouts of a model's
// activations that say how "positive" (for the vault: how deceptive) a
// plan's belief state looks, plus the directions they define for steering,
// ablation and gradient filtering.
//
// # Detectors
//
// A Detector scores the rows of an n×d float32 activation matrix with a
// probability-like value in [0, 1] (higher = more positive). A SeqDetector
// scores n padded sequences (Seqs: n×T×d with a validity mask). Families:
//
//   - Logistic: L2-regularized logistic regression, exactly sklearn's
//     LogisticRegression(C, penalty="l2", fit_intercept=True) — objective
//     ½‖w‖² + C·Σ log-loss, intercept unpenalized — solved by Newton's method
//     (IRLS) in float64 with a backtracking line search, to a relative step of
//     Tol (default 1e-8; quadratic convergence leaves errors near 1e-15).
//     Optional standardisation (population std, as StandardScaler) is folded
//     back into weights in activation space.
//   - DiffMeans: difference of class means ("mass-mean" probe). Direction
//     u = (μ⁺ − μ⁻)/‖μ⁺ − μ⁻‖; threshold t on u·x at the midpoint of the
//     projected class means (default) or where training accuracy is highest;
//     score σ(a·(u·x − t)) with slope a fitted by maximum likelihood with
//     Platt's smoothed targets (finite even on separable data). Score ½ is
//     exactly the threshold.
//   - LDA: two-class linear discriminant (Mahalanobis) with a shared
//     covariance, as sklearn's LinearDiscriminantAnalysis(solver="lsqr",
//     shrinkage=…): pooled covariance Σₖ πₖ·Sₖ of per-class ML covariances,
//     optionally shrunk ((1−α)S + α·tr(S)/d·I, or Ledoit–Wolf with
//     ShrinkageAuto), w = Σ⁺(μ⁺ − μ⁻) by an SVD least-squares solve; the
//     score is the Gaussian posterior σ(w·x + b).
//   - MLP: ReLU hidden layers and one logit, trained on the autodiff engine by
//     minibatch Adam on binary cross-entropy, deterministic given its seed.
//   - Pooled: a per-token detector aggregated over a sequence's valid
//     positions (mean, max or last of the token scores). FitPooled trains the
//     token detector with every valid token labelled by its sequence (last
//     pooling: last tokens only).
//   - AttnPool: a learned attention-pooling probe, σ(Σₜ αₜ·w·xₜ + b) with
//     αₜ = softmax over valid positions of q·xₜ.
//   - Ensemble: the mean of its members' scores. Calibrated: Platt scaling of
//     another detector's logit, fitted on held-out data.
//
// Each family has a typed config whose zero value is a documented default,
// a FitX(X, y, cfg) function returning the concrete type, and a Fit method on
// the config (the Fitter interface) for code that takes "how to fit" as data.
//
// # Frozen detectors
//
// A fitted detector is immutable: Score never changes it, accessors return
// copies, and one detector may score from many goroutines at once. Refitting
// is an explicit Fit call that returns a new detector — so a "frozen probe"
// and a "retrained probe" are two values, never one value that drifted.
//
// # Linear detectors and directions
//
// Logistic, DiffMeans and LDA implement Linear: Score(x) = σ(w·x + b),
// with Weights() the raw (w, b) in activation space and Direction() the unit
// vector w/‖w‖. DiffPCA returns the top principal components of paired
// activation differences Aᵢ − Bᵢ (CAFT-style concept directions), signed to
// point from B towards A; FitPCA is plain PCA. Both match
// sklearn.decomposition.PCA up to sign.
//
// # Differentiable scores
//
// Logistic, DiffMeans, LDA and MLP implement Differentiable and AttnPool
// implements DifferentiableSeq: ScoreNode records the detector on an
// engine.Tape over an activation node and returns its logits (score =
// σ(logit)), so a training loss can put a gradient through the probe. The
// detector's weights enter as constants. An Ensemble or Calibrated detector
// whose members are differentiable becomes one through AsDifferentiable (the
// ensemble's logit is that of its mean probability). Pooled has no
// differentiable form. The same generic forward code runs on float64 tapes,
// which is how the tests check gradients by finite differences.
//
// # Thresholds and calibration
//
// ThresholdAtFPR(neg, α) returns the smallest t with FPR ≤ α on held-out
// negative scores under the rule "flag when score > t" (strict): with the
// negatives sorted ascending and k the largest integer with k/N ≤ α, t is the
// (N−k)-th smallest. Applied to the same negatives, this flags exactly the
// set behind metric.RecallAtFPR's best ROC point, so "recall at 1% FPR" and
// "recall at the 1%-FPR threshold" agree on calibration data and can be
// compared honestly after training moves the scores. FitPlatt fits
// σ(A·s + B) to scores with Platt's smoothed targets.
//
// # Errors
//
// Empty inputs, one class only, NaN or ±Inf activations, mismatched shapes
// and invalid configs are returned as errors wrapping ErrEmpty, ErrOneClass,
// ErrNonFinite, ErrShape or ErrConfig (test with errors.Is); solvers that
// cannot converge return ErrNotConverged. No function returns a silent NaN.
//
// # Saved detectors
//
// Save writes one JSON document (format "interloop.probe/v1"); Load and
// LoadDetector read it back, rejecting unknown fields, unknown kinds and
// malformed tensors. The document:
//
//	{
//	  "format": "interloop.probe/v1",
//	  "kind": "logistic",                  // the detector's Kind()
//	  "config": {"c": 1},                  // the family's config, resolved
//	  "meta": {                            // provenance (Meta)
//	    "model": "...", "site": "...", "data": "...",
//	    "created_by": "...", "created": "RFC 3339", "notes": "..."
//	  },
//	  "scalars": {"b": -0.25},             // named float64 parameters
//	  "tensors": {                         // named arrays
//	    "w": {"dtype": "float64", "shape": [128], "data": "<base64>"}
//	  },
//	  "members": [ ... ]                   // nested detectors (ensemble,
//	}                                      //   calibrated, pooled), no format/meta
//
// Tensor data is the standard (padded) base64 encoding of the elements in
// row-major order as little-endian IEEE-754 values of the given dtype:
// "float64" for detectors fitted in float64 (logistic, diffmeans, lda) so
// that a round trip is bit-exact, "float32" for engine-trained weights (mlp,
// attnpool). Scalars are JSON numbers written with the shortest decimal that
// round-trips. Tensors and scalars per kind:
//
//	logistic   w [d], b           diffmeans  u [d], t, a      lda  w [d], b
//	mlp        w0 [d,h], b0 [h], …, wL [h,1], bL [1]
//	attnpool   q [d,1], w [d,1], b [1]
//	ensemble   members            calibrated a, b, members[0]  pooled  config.pool, members[0]
package probe
