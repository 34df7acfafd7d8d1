package hook_test

import (
	"fmt"

	"interloop/engine"
	"interloop/hook"
	"interloop/nn"
	"interloop/rng"
	"interloop/tensor"
)

// Capture a hidden activation and the loss gradient with respect to it,
// then steer the same site: the hooks belong to each call, not the model.
func ExampleCaptureAt() {
	r := rng.New(1, 0)
	m, _ := nn.NewMLP[float64](nn.MLPConfig{Sizes: []int{3, 4, 2}}, r)
	x := tensor.FromData([]float64{1, -2, 0.5}, 1, 3) // [1, 3]

	site := hook.Layer(0, hook.Post) // "layers.0.hook_post" [B, 4]
	hooks := hook.NewSet(hook.CaptureAt[float64](site))
	tp := engine.NewTape[float64]()
	loss := tp.CrossEntropy(m.Forward(tp, tp.Const(x), hooks), []int{1})
	if err := tp.Backward(loss); err != nil {
		panic(err)
	}
	act := hooks.Captured(site)
	fmt.Println(site.Name(), act.Shape())
	fmt.Println("activation ≥ 0 (ReLU):", act.Value.Data[0] >= 0 && act.Value.Data[1] >= 0)
	fmt.Println("gradient shape:", act.Grad.Shape())

	// A steering call: add a vector at the same site. The model is unchanged
	// afterwards; a nil set is the plain model.
	steer := hook.NewSet(hook.AddAt(site, tensor.FromData([]float64{5, 5, 5, 5}, 4)))
	tp.Reset()
	steered := m.Forward(tp, tp.Const(x), steer).Value.Clone()
	plain := m.Forward(tp, tp.Const(x), nil).Value
	fmt.Println("steering changed the output:", steered.Data[0] != plain.Data[0])
	// Output:
	// layers.0.hook_post [1 4]
	// activation ≥ 0 (ReLU): true
	// gradient shape: [1 4]
	// steering changed the output: true
}
