package probe_test

import (
	"fmt"

	"interloop/engine"
	"interloop/hook"
	"interloop/metric"
	"interloop/nn"
	"interloop/probe"
	"interloop/rng"
	"interloop/tensor"
)

// Fit a probe on activations captured at a model's hook site and measure
// its AUROC on held-out inputs: the everyday interpretability workflow.
func Example_probeOnHookSite() {
	r := rng.New(1, 1)
	model, _ := nn.NewMLP[float32](nn.MLPConfig{Sizes: []int{8, 32, 2}}, r)

	// Inputs whose label is whether their first two features share a sign.
	data := func(n int) (*tensor.Tensor[float32], []bool) {
		x := tensor.Randn[float32](r, 1, n, 8)
		y := make([]bool, n)
		for i := range y {
			y[i] = x.Data[i*8]*x.Data[i*8+1] > 0
		}
		return x, y
	}
	capture := func(x *tensor.Tensor[float32]) *tensor.Tensor[float32] {
		site := hook.Layer(0, hook.Post) // the hidden layer after its ReLU
		hooks := hook.NewSet(hook.CaptureAt[float32](site))
		tp := engine.NewTape[float32]()
		tp.NoGrad = true
		model.Forward(tp, tp.Const(x), hooks)
		return hooks.Captured(site).Value.Clone()
	}

	xTrain, yTrain := data(2000)
	det, err := probe.LogisticConfig{C: 1}.Fit(capture(xTrain), yTrain)
	if err != nil {
		fmt.Println(err)
		return
	}
	xTest, yTest := data(1000)
	scores := make([]float64, 1000)
	if err := det.Score(capture(xTest), scores); err != nil {
		fmt.Println(err)
		return
	}
	auc, _ := metric.AUROC(scores, yTest)
	// Even an untrained network's ReLU features make the sign agreement
	// (an XOR, invisible to a linear probe on the inputs) partly readable.
	fmt.Printf("AUROC %.1f\n", auc)
	// Output: AUROC 0.8
}
