package metric

import "fmt"

// Rates are the confusion counts at one threshold (flag score > threshold).
type Rates struct {
	TP, FP, TN, FN int
}

// TPR is the recall, TP/(TP+FN); 0 when there are no positives.
func (r Rates) TPR() float64 { return ratio(r.TP, r.TP+r.FN) }

// FPR is FP/(FP+TN); 0 when there are no negatives.
func (r Rates) FPR() float64 { return ratio(r.FP, r.FP+r.TN) }

// Accuracy is (TP+TN)/total.
func (r Rates) Accuracy() float64 { return ratio(r.TP+r.TN, r.TP+r.FP+r.TN+r.FN) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// RatesAt counts outcomes when every sample with score > threshold is
// flagged positive. One class alone is allowed (its rate is then 0).
func RatesAt(scores []float64, y []bool, threshold float64) (Rates, error) {
	if _, _, err := check(scores, y, false); err != nil {
		return Rates{}, fmt.Errorf("RatesAt: %w", err)
	}
	var r Rates
	for i, s := range scores {
		switch flag := s > threshold; {
		case flag && y[i]:
			r.TP++
		case flag:
			r.FP++
		case y[i]:
			r.FN++
		default:
			r.TN++
		}
	}
	return r, nil
}

// Accuracy is the fraction of samples classified correctly by the rule
// score > threshold (use 0.5 for probability scores).
func Accuracy(scores []float64, y []bool, threshold float64) (float64, error) {
	r, err := RatesAt(scores, y, threshold)
	if err != nil {
		return 0, fmt.Errorf("Accuracy: %w", err)
	}
	return r.Accuracy(), nil
}
