package probe_test

import (
	"bytes"
	"fmt"

	"interloop/metric"
	"interloop/probe"
	"interloop/rng"
	"interloop/tensor"
)

// activations draws n synthetic 16-dimensional activations: "deceptive"
// rows (every third) are shifted by 2.5 along concept, all rows get unit
// Gaussian noise.
func activations(n int, concept []float64, seed uint64) (*tensor.Tensor[float32], []bool) {
	r := rng.New(seed, 0)
	d := len(concept)
	X := tensor.New[float32](n, d) // [n, d]
	y := make([]bool, n)
	for i := range y {
		y[i] = i%3 == 0
		for j := 0; j < d; j++ {
			v := r.Normal()
			if y[i] {
				v += 2.5 * concept[j]
			}
			X.Data[i*d+j] = float32(v)
		}
	}
	return X, y
}

// Fit a logistic probe on labelled activations, evaluate it on held-out
// ones, calibrate a 1%-FPR alarm threshold on held-out honest rows, and save
// it with its provenance.
func ExampleFitLogistic() {
	concept := make([]float64, 16)
	concept[3], concept[7] = 0.6, 0.8 // unit norm
	Xtr, ytr := activations(2000, concept, 1)
	Xte, yte := activations(1000, concept, 2)

	p, err := probe.FitLogistic(Xtr, ytr, probe.LogisticConfig{C: 1})
	if err != nil {
		panic(err)
	}
	scores := make([]float64, len(yte))
	if err := p.Score(Xte, scores); err != nil {
		panic(err)
	}
	auc, _ := metric.AUROC(scores, yte)
	rec, _ := metric.RecallAtFPR(scores, yte, 0.01)
	fmt.Printf("held-out AUROC %.3f, recall at 1%% FPR %.3f\n", auc, rec)

	var cos float64
	for j, u := range p.Direction() {
		cos += u * concept[j]
	}
	fmt.Printf("cosine(probe direction, concept) %.2f\n", cos)

	var honest []float64
	for i, s := range scores {
		if !yte[i] {
			honest = append(honest, s)
		}
	}
	th, _ := probe.ThresholdAtFPR(honest, 0.01)
	r, _ := metric.RatesAt(scores, yte, th)
	fmt.Printf("alarm (score > threshold): FPR %.3f, recall %.3f\n", r.FPR(), r.TPR())

	var doc bytes.Buffer
	_ = probe.Save(&doc, p, probe.Meta{Model: "synthetic", Site: "example", CreatedBy: "ExampleFitLogistic"})
	q, meta, _ := probe.LoadDetector(&doc)
	fmt.Println(q.Kind(), meta.Site)
	// Output:
	// held-out AUROC 0.954, recall at 1% FPR 0.509
	// cosine(probe direction, concept) 0.99
	// alarm (score > threshold): FPR 0.009, recall 0.509
	// logistic example
}
