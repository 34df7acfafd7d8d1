package nn_test

import (
	"fmt"

	"interloop/engine"
	"interloop/nn"
	"interloop/optim"
	"interloop/rng"
	"interloop/tensor"
)

// Train a small MLP classifier with Adam: one tape reused across steps
// (Reset recycles its buffers), ZeroGrad before each backward pass.
func ExampleMLP() {
	r := rng.New(42, 0)
	m, err := nn.NewMLP[float32](nn.MLPConfig{Sizes: []int{2, 16, 2}, Activation: nn.Tanh}, r)
	if err != nil {
		panic(err)
	}
	// XOR-like labels: class 1 when the coordinates' signs differ.
	x := tensor.Randn[float32](r, 1, 64, 2) // [64, 2]
	labels := make([]int, 64)
	for i := range labels {
		if (x.Data[2*i] > 0) != (x.Data[2*i+1] > 0) {
			labels[i] = 1
		}
	}
	opt, err := optim.NewAdam(m.Params(), optim.AdamConfig{LR: 0.05})
	if err != nil {
		panic(err)
	}
	tp := engine.NewTape[float32]()
	for step := 0; step <= 50; step++ {
		tp.Reset()
		opt.ZeroGrad()
		logits := m.Forward(tp, tp.Const(x), nil) // [64, 2]
		loss := tp.CrossEntropy(logits, labels)
		if err := tp.Backward(loss); err != nil {
			panic(err)
		}
		opt.Step()
		if step%25 == 0 {
			fmt.Printf("step %3d  loss %.2f\n", step, loss.Value.Item())
		}
	}
	// Output:
	// step   0  loss 0.68
	// step  25  loss 0.18
	// step  50  loss 0.03
}
