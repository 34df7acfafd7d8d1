// Package optim updates parameters from their gradients: SGD (momentum,
// dampening, Nesterov, L2 weight decay), Adam and AdamW, global gradient-norm
// clipping, and learning-rate schedules.
//
// Each optimizer reproduces the corresponding torch.optim class's update
// formula and operation order (the doc comment of each type gives it), so
// a PyTorch training recipe carries over with the same hyperparameters; the
// tests check trajectories against values computed by torch.
//
// Optimizers work on []*engine.Param[T]: Step reads each Grad and updates
// Value in place; ZeroGrad clears the gradients (Backward accumulates, as in
// PyTorch). All state is allocated at construction: Step, ZeroGrad and
// ClipGradNorm allocate nothing. Configs are embedded in the optimizers, so
// a schedule drives the learning rate directly:
//
//	sched := optim.Cosine{Peak: 3e-4, Min: 3e-5, Warmup: 100, Total: 10000}
//	for step := 0; step < 10000; step++ {
//		tp.Reset()
//		opt.ZeroGrad()
//		loss := ...                     // forward on tp
//		tp.Backward(loss)
//		optim.ClipGradNorm(params, 1.0) // returns the pre-clip norm
//		opt.LR = sched.LR(step)
//		opt.Step()
//	}
//
// Schedules count steps from 0; the first Step runs at LR(0), which is never
// zero during warm-up.
package optim
