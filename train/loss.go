package train

import (
	"interloop/engine"
	"interloop/env/vault"
	"interloop/tensor"
)

// Column weights [targets]: which predictive targets are regressions
// (squared error) and which are binary (logistic loss on a logit).
var maskReg, maskBin = func() (*tensor.Tensor[float32], *tensor.Tensor[float32]) {
	reg := tensor.New[float32](vault.NumTargets)
	bin := tensor.New[float32](vault.NumTargets)
	for i := 0; i < vault.NumTargets; i++ {
		if vault.TargetIsBinary(i) {
			bin.Data[i] = 1
		} else {
			reg.Data[i] = 1
		}
	}
	return reg, bin
}()

// PredictiveLoss is the belief network's loss over every plan of the batch:
// squared error on regression targets plus binary cross-entropy on the
// logits of binary targets, summed over targets and averaged over
// episodes × plans.
func PredictiveLoss(tp *engine.Tape[float32], pred *engine.Node[float32], targets *tensor.Tensor[float32]) *engine.Node[float32] {
	return tp.Add(tp.SquaredError(pred, targets, maskReg), tp.BCEWithLogits(pred, targets, maskBin))
}

// MSE returns mean((a − b)²) for a node and a constant of the same shape.
func MSE(tp *engine.Tape[float32], a *engine.Node[float32], b *tensor.Tensor[float32]) *engine.Node[float32] {
	return tp.Scale(tp.SquaredError(a, b, nil), 1/float64(max(b.Dim(-1), 1)), 0)
}
