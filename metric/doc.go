// Package metric scores detectors: ranking metrics (AUROC, ROC curve, recall
// at a fixed false-positive rate), threshold metrics (accuracy, TPR and FPR at
// a threshold) and uncertainty (seeded bootstrap intervals, Student-t intervals
// across seeds).
//
// # Inputs
//
// Every function takes scores []float64 (higher = more positive) and labels
// []bool (true = positive, e.g. "deceptive"). Lengths must agree; a NaN score,
// an empty input or, where a metric needs both classes, a single class is an
// error, never a silent NaN.
//
// # Conventions, matched to scikit-learn
//
// AUROC is the Mann–Whitney statistic: the probability that a random positive
// scores above a random negative, ties counting one half. This is what
// sklearn.metrics.roc_auc_score returns (its trapezoidal area over the ROC
// curve equals the half-credit count). We compute it by counting over tie
// groups in exact integer arithmetic and divide once, so the result is the
// correctly rounded rational P·N-ths value.
//
// The ROC curve follows sklearn.metrics.roc_curve(drop_intermediate=False): a
// sample is flagged when score ≥ threshold; thresholds are the distinct scores
// in decreasing order, preceded by +Inf (the (0, 0) point). sklearn ≤ 1.2 puts
// max(score)+1 there instead of +Inf; the rates are the same.
//
// RecallAtFPR(scores, y, α) is the largest TPR among ROC points whose FPR ≤ α,
// i.e. max(tpr[fpr <= α]) over roc_curve(..., drop_intermediate=False). It is
// interpolation-free: no point between two thresholds is invented. (With
// sklearn's default drop_intermediate=True, collinear points are removed and the
// maximum can be lower; we do not reproduce that.) The same flagged set is
// obtained by probe.ThresholdAtFPR on the negatives with a strict score > t
// rule, so "rank-based recall at 1% FPR" and "recall at a threshold calibrated
// on these negatives" agree by construction.
//
// Threshold metrics (Accuracy, RatesAt) flag score > threshold, strictly, the
// rule sklearn's predict uses on decision values (p > 0.5 ⇔ logit > 0).
//
// # Uncertainty
//
// Bootstrap draws Resamples index sets with replacement from a seeded
// interloop/rng stream and returns the percentile interval (NumPy's "linear"
// quantile) around the full-sample estimate. BootstrapAUROC resamples
// positives and negatives separately (stratified), so every resample has both
// classes and the class balance is held fixed.
//
// MeanCI is the across-seeds interval: mean ± t(1−α/2, n−1)·s/√n with s the
// sample standard deviation (n−1 denominator) and t the Student-t quantile
// (gonum's distuv.StudentsT). It needs at least two seeds.
package metric
