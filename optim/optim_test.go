package optim

import (
	"math"
	"testing"

	"interloop/engine"
	"interloop/tensor"
)

// grads is the gradient sequence fed to every optimizer test; the
// parameter starts at θ₀ = [1, −2, 0.5]. Note the exactly zero gradient and
// the 1e-3 one, where ε matters.
var grads = [][]float64{{0.5, -1, 0}, {0.25, 2, -3}, {-0.1, 0.5, 1e-3}}

type stepper interface{ Step() }

// trajectory runs the optimizer over grads and returns θ after each step.
func trajectory(t *testing.T, mk func([]*engine.Param[float64]) (stepper, error)) [][]float64 {
	t.Helper()
	p := engine.NewParam("theta", tensor.FromData([]float64{1, -2, 0.5}, 3))
	opt, err := mk([]*engine.Param[float64]{p})
	if err != nil {
		t.Fatal(err)
	}
	var out [][]float64
	for _, g := range grads {
		copy(p.Grad.Data, g)
		opt.Step()
		out = append(out, append([]float64(nil), p.Value.Data...))
	}
	return out
}

func TestOptimizers(t *testing.T) {
	for _, tc := range []struct {
		name string
		mk   func([]*engine.Param[float64]) (stepper, error)
		want [][]float64
	}{
		// Step 1 by hand: m̂ = g, v̂ = g², so θ −= lr·g/(|g|+ε):
		// 1 − 0.1·0.5/(0.5+1e-8) = 0.900000002. Later steps: torch 1.13,
		// torch.optim.Adam(lr=0.1) in float64 on the same gradients.
		{"Adam", func(ps []*engine.Param[float64]) (stepper, error) { return NewAdam(ps, AdamConfig{LR: 0.1}) },
			[][]float64{{0.900000002, -1.900000001, 0.5},
				{0.8067820404774624, -1.9366103534720749, 0.5744136820059964},
				{0.7471109386505732, -1.9781754731467738, 0.6319143661705848}}},
		// Step 1 by hand: g' = g + 0.1θ = [0.6, −1.2, 0.05]; θ −= 0.1·g'/(|g'|+ε).
		{"Adam/L2", func(ps []*engine.Param[float64]) (stepper, error) {
			return NewAdam(ps, AdamConfig{LR: 0.1, WeightDecay: 0.1})
		}, [][]float64{{0.9000000016666666, -1.9000000008333333, 0.400000019999996},
			{0.8050097658613199, -1.9250178784643248, 0.47327197055063763},
			{0.7334184886579104, -1.953127270691488, 0.528860638339929}}},
		// Step 1 by hand: θ·(1 − 0.1·0.1) = [0.99, −1.98, 0.495], then the Adam step.
		{"AdamW", func(ps []*engine.Param[float64]) (stepper, error) {
			return NewAdamW(ps, AdamConfig{LR: 0.1, WeightDecay: 0.1})
		}, [][]float64{{0.890000002, -1.880000001, 0.495},
			{0.7878820404574624, -1.897810353462075, 0.5644636820059965},
			{0.7203321182259985, -1.920397369602153, 0.6163197293505249}}},
		{"Adam/betas", func(ps []*engine.Param[float64]) (stepper, error) {
			return NewAdam(ps, AdamConfig{LR: 0.01, Beta1: 0.8, Beta2: 0.99, Eps: 1e-3})
		}, [][]float64{{0.9900199600798403, -1.99000999000999, 0.5},
			{0.9808938104185654, -1.994217361251404, 0.5078333920911237},
			{0.9756402183334921, -1.9987404206534667, 0.5135067007114921}}},
		// By hand: b₁ = g₁, b₂ = 0.9·b₁ + g₂ = [0.7, 1.1, −3], b₃ = 0.9·b₂ + g₃.
		{"SGD/momentum", func(ps []*engine.Param[float64]) (stepper, error) {
			return NewSGD(ps, SGDConfig{LR: 0.1, Momentum: 0.9})
		}, [][]float64{{0.95, -1.9, 0.5}, {0.88, -2.01, 0.8}, {0.827, -2.159, 1.0699}}},
		// By hand: b₂ = 0.9·b₁ + 0.5·g₂ = [0.575, 0.1, −1.5].
		{"SGD/dampening", func(ps []*engine.Param[float64]) (stepper, error) {
			return NewSGD(ps, SGDConfig{LR: 0.1, Momentum: 0.9, Dampening: 0.5})
		}, [][]float64{{0.95, -1.9, 0.5}, {0.8925, -1.91, 0.65}, {0.84575, -1.944, 0.78495}}},
		// By hand, step 1: d = g + 0.01θ = [0.51, −1.02, 0.005]; b = d;
		// θ −= 0.1·(d + 0.9b) = 0.1·1.9d → 1 − 0.0969 = 0.9031.
		{"SGD/nesterov", func(ps []*engine.Param[float64]) (stepper, error) {
			return NewSGD(ps, SGDConfig{LR: 0.1, Momentum: 0.9, Nesterov: true, WeightDecay: 0.01})
		}, [][]float64{{0.9031, -1.8062, 0.49905},
			{0.81257411, -2.10014822, 1.067696805},
			{0.771869708191, -2.277336916382, 1.3077094505705}}},
		{"SGD/plain", func(ps []*engine.Param[float64]) (stepper, error) { return NewSGD(ps, SGDConfig{LR: 0.1}) },
			[][]float64{{0.95, -1.9, 0.5}, {0.925, -2.1, 0.8}, {0.935, -2.15, 0.7999}}},
	} {
		got := trajectory(t, tc.mk)
		for s := range got {
			for i := range got[s] {
				if d := math.Abs(got[s][i] - tc.want[s][i]); d > 1e-12*math.Max(1, math.Abs(tc.want[s][i])) {
					t.Errorf("%s: step %d θ[%d] = %.17g, want %.17g", tc.name, s+1, i, got[s][i], tc.want[s][i])
				}
			}
		}
	}
}

func TestConfigErrors(t *testing.T) {
	ps := []*engine.Param[float32]{engine.NewParam("w", tensor.New[float32](2))}
	for name, err := range map[string]error{
		"sgd negative lr":      second(NewSGD(ps, SGDConfig{LR: -1})),
		"nesterov no momentum": second(NewSGD(ps, SGDConfig{Nesterov: true})),
		"nesterov dampening":   second(NewSGD(ps, SGDConfig{Momentum: 0.9, Dampening: 0.1, Nesterov: true})),
		"adam beta1 = 1":       second(NewAdam(ps, AdamConfig{Beta1: 1})),
		"adamw negative decay": second(NewAdamW(ps, AdamConfig{WeightDecay: -1})),
		"nil param":            second(NewAdam([]*engine.Param[float32]{nil}, AdamConfig{})),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	o, err := NewAdamW(ps, AdamConfig{})
	if err != nil || o.LR != 1e-3 || o.Beta1 != 0.9 || o.Beta2 != 0.999 || o.Eps != 1e-8 || o.WeightDecay != 0.01 {
		t.Errorf("AdamW defaults: %+v, %v", o.AdamConfig, err)
	}
}

func second[A any](_ A, err error) error { return err }

func TestClipGradNorm(t *testing.T) {
	a := engine.NewParam("a", tensor.New[float32](2))
	b := engine.NewParam("b", tensor.New[float32](1))
	ps := []*engine.Param[float32]{a, b}
	set := func() { copy(a.Grad.Data, []float32{3, 4}); b.Grad.Data[0] = 12 }

	set() // ‖g‖ = √(9+16+144) = 13 ≤ 20: untouched
	if n := ClipGradNorm(ps, 20); n != 13 || a.Grad.Data[0] != 3 || b.Grad.Data[0] != 12 {
		t.Errorf("no-op clip: norm %v, grads %v %v", n, a.Grad.Data, b.Grad.Data)
	}
	// Scaled by 6.5/(13+1e-6); torch.nn.utils.clip_grad_norm_ gives
	// [1.4999998807907104, 1.9999998807907104] [5.999999523162842].
	set()
	if n := ClipGradNorm(ps, 6.5); n != 13 {
		t.Errorf("norm %v, want 13", n)
	}
	want := []float32{1.4999998807907104, 1.9999998807907104, 5.999999523162842}
	got := []float32{a.Grad.Data[0], a.Grad.Data[1], b.Grad.Data[0]}
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 2e-7 {
			t.Errorf("clipped grad %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestSchedules(t *testing.T) {
	for _, tc := range []struct {
		s    Schedule
		step []int
		want []float64
	}{
		{Constant{Rate: 0.3}, []int{0, 100}, []float64{0.3, 0.3}},
		{Warmup{Peak: 1, Steps: 4}, []int{0, 1, 3, 4, 50}, []float64{0.25, 0.5, 1, 1, 1}},
		{Warmup{Peak: 2}, []int{0}, []float64{2}},
		// Decay span 4 steps after 2 of warm-up: halfway (step 4) is the midpoint (1+0.1)/2.
		{Cosine{Peak: 1, Min: 0.1, Warmup: 2, Total: 6}, []int{0, 1, 2, 4, 6, 99},
			[]float64{0.5, 1, 1, 0.55, 0.1, 0.1}},
		{Cosine{Peak: 1, Total: 2}, []int{1}, []float64{0.5}},
		{Exponential{Initial: 1, Gamma: 0.5}, []int{0, 3}, []float64{1, 0.125}},
	} {
		for i, s := range tc.step {
			if got := tc.s.LR(s); math.Abs(got-tc.want[i]) > 1e-15 {
				t.Errorf("%T%+v.LR(%d) = %v, want %v", tc.s, tc.s, s, got, tc.want[i])
			}
		}
	}
}

// TestStepDoesNotAllocate: zero allocations per Step after construction.
func TestStepDoesNotAllocate(t *testing.T) {
	ps := []*engine.Param[float32]{
		engine.NewParam("w", tensor.New[float32](64, 32)),
		engine.NewParam("b", tensor.New[float32](32)),
	}
	sgd, _ := NewSGD(ps, SGDConfig{Momentum: 0.9, Nesterov: true})
	adam, _ := NewAdam(ps, AdamConfig{WeightDecay: 0.1})
	adamw, _ := NewAdamW(ps, AdamConfig{})
	for name, o := range map[string]interface {
		Step()
		ZeroGrad()
	}{"sgd": sgd, "adam": adam, "adamw": adamw} {
		if n := testing.AllocsPerRun(50, func() { o.Step(); o.ZeroGrad(); ClipGradNorm(ps, 1) }); n != 0 {
			t.Errorf("%s: %v allocations per step", name, n)
		}
	}
}
