package metric

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// Errors for degenerate inputs. They are wrapped with context; test with
// errors.Is.
var (
	ErrEmpty     = errors.New("metric: empty input")
	ErrOneClass  = errors.New("metric: need both positive and negative samples")
	ErrNaN       = errors.New("metric: NaN score")
	ErrMismatch  = errors.New("metric: length mismatch")
	ErrBadTarget = errors.New("metric: target rate outside [0, 1]")
)

// check validates scores against labels and returns the class counts.
func check(scores []float64, y []bool, needBoth bool) (pos, neg int, err error) {
	if len(scores) != len(y) {
		return 0, 0, fmt.Errorf("%w: %d scores, %d labels", ErrMismatch, len(scores), len(y))
	}
	if len(scores) == 0 {
		return 0, 0, ErrEmpty
	}
	for i, s := range scores {
		if math.IsNaN(s) {
			return 0, 0, fmt.Errorf("%w at index %d", ErrNaN, i)
		}
		if y[i] {
			pos++
		} else {
			neg++
		}
	}
	if needBoth && (pos == 0 || neg == 0) {
		return pos, neg, fmt.Errorf("%w (%d positive, %d negative)", ErrOneClass, pos, neg)
	}
	return pos, neg, nil
}

// descending returns the indices of scores sorted by decreasing score. The
// order within ties is irrelevant to every caller: they walk whole tie groups.
func descending(scores []float64) []int {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
	return idx
}

// AUROC returns the area under the ROC curve: P(score⁺ > score⁻) + ½·P(tie),
// the Mann–Whitney statistic, equal to sklearn's roc_auc_score.
func AUROC(scores []float64, y []bool) (float64, error) {
	pos, neg, err := check(scores, y, true)
	if err != nil {
		return 0, fmt.Errorf("AUROC: %w", err)
	}
	// Walk tie groups from the top. For a group with p positives and q
	// negatives, each positive beats every negative below the group (negBelow)
	// and ties with q. Doubling keeps the count an integer: 2·wins + ties.
	idx := descending(scores)
	negBelow := int64(neg)
	var twice int64
	for i := 0; i < len(idx); {
		j, p, q := i, int64(0), int64(0)
		for ; j < len(idx) && scores[idx[j]] == scores[idx[i]]; j++ {
			if y[idx[j]] {
				p++
			} else {
				q++
			}
		}
		negBelow -= q
		twice += 2*p*negBelow + p*q
		i = j
	}
	return float64(twice) / (2 * float64(pos) * float64(neg)), nil
}

// ROC is a receiver operating characteristic curve. Point i flags every
// sample with score ≥ Thresholds[i]; Thresholds decrease, Thresholds[0] = +Inf
// (nothing flagged) and the last threshold flags everything.
type ROC struct {
	FPR, TPR, Thresholds []float64
	// FP and TP are the counts behind FPR and TPR; Neg and Pos the totals.
	FP, TP   []int
	Neg, Pos int
}

// ROCCurve returns the full ROC curve, one point per distinct score plus the
// origin, as sklearn's roc_curve(y, scores, drop_intermediate=False).
func ROCCurve(scores []float64, y []bool) (*ROC, error) {
	pos, neg, err := check(scores, y, true)
	if err != nil {
		return nil, fmt.Errorf("ROCCurve: %w", err)
	}
	r := &ROC{Neg: neg, Pos: pos}
	r.add(math.Inf(1), 0, 0)
	idx := descending(scores)
	tp, fp := 0, 0
	for i := 0; i < len(idx); {
		s := scores[idx[i]]
		for ; i < len(idx) && scores[idx[i]] == s; i++ {
			if y[idx[i]] {
				tp++
			} else {
				fp++
			}
		}
		r.add(s, fp, tp)
	}
	return r, nil
}

func (r *ROC) add(th float64, fp, tp int) {
	r.Thresholds = append(r.Thresholds, th)
	r.FP = append(r.FP, fp)
	r.TP = append(r.TP, tp)
	r.FPR = append(r.FPR, float64(fp)/float64(r.Neg))
	r.TPR = append(r.TPR, float64(tp)/float64(r.Pos))
}

// RecallAt returns the largest TPR among the curve's points with FPR ≤
// target, and that point's threshold (flag score ≥ threshold).
func (r *ROC) RecallAt(target float64) (tpr, threshold float64) {
	tpr, threshold = 0, math.Inf(1)
	for i := range r.FPR {
		// FPR is non-decreasing along the curve, TPR too.
		if r.FPR[i] > target {
			break
		}
		tpr, threshold = r.TPR[i], r.Thresholds[i]
	}
	return tpr, threshold
}

// RecallAtFPR returns the recall (TPR) achievable at false-positive rate ≤
// target: max(tpr[fpr <= target]) over the full ROC curve. Typical targets
// are 0.01 and 0.05.
func RecallAtFPR(scores []float64, y []bool, target float64) (float64, error) {
	if !(target >= 0 && target <= 1) {
		return 0, fmt.Errorf("RecallAtFPR: %w: %v", ErrBadTarget, target)
	}
	r, err := ROCCurve(scores, y)
	if err != nil {
		return 0, fmt.Errorf("RecallAtFPR: %w", err)
	}
	tpr, _ := r.RecallAt(target)
	return tpr, nil
}
