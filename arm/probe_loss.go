package arm

import (
	"fmt"

	"interloop/engine"
	"interloop/probe"
	"interloop/tensor"
	"interloop/train"
)

// ProbeLoss adds λ·mean σ(w·h + b) over the chosen plans to the loss, with h
// the chosen plans' belief states as graph nodes: the gradient flows through
// the (frozen) probe into the belief network (Nanda's variant a; Bailey et
// al.'s obfuscated activations). It needs a linear probe, and is meaningful
// only end-to-end: in the brain-like architecture h reaches readouts
// detached, so New refuses that combination.
type ProbeLoss struct {
	cfg     Config
	retrain *retrainer
	w, b    *tensor.Tensor[float32]
}

func newProbeLoss(cfg Config, s Setup) (*ProbeLoss, error) {
	if s.Arch == train.BrainLike {
		return nil, fmt.Errorf("arm %s: needs the end-to-end architecture (brain-like beliefs receive no readout gradient)", cfg.Kind)
	}
	if _, ok := s.Probe.(probe.Linear); !ok {
		return nil, fmt.Errorf("arm %s: probe %T is not linear", cfg.Kind, s.Probe)
	}
	a := &ProbeLoss{cfg: cfg, retrain: newRetrainer(cfg.Retrain, s)}
	a.load()
	return a, nil
}

// load copies the current probe's weights into constant tensors.
func (a *ProbeLoss) load() {
	lin, ok := a.retrain.current.(probe.Linear)
	if !ok {
		return // a refit returned a non-linear detector; keep the last weights
	}
	w, b := lin.Weights()
	a.w = tensor.New[float32](len(w), 1)
	for i, v := range w {
		a.w.Data[i] = float32(v)
	}
	a.b = tensor.FromData([]float32{float32(b)}, 1)
}

// Name implements train.Arm.
func (a *ProbeLoss) Name() string { return string(KindProbeLoss) }

// CurrentProbe implements Prober.
func (a *ProbeLoss) CurrentProbe() probe.Detector { return a.retrain.current }

// Loss implements train.LossTerm.
func (a *ProbeLoss) Loss(s *train.Step) (*engine.Node[float32], error) {
	tp := s.Tape
	score := tp.Sigmoid(tp.Linear(s.ChosenH, tp.Const(a.w), tp.Const(a.b))) // [B, 1]
	return tp.Scale(tp.Mean(score), lambdaAt(a.cfg, s.Index), 0), nil
}

// AfterStep implements train.StepObserver (the retraining schedule).
func (a *ProbeLoss) AfterStep(s *train.Step) error {
	refit, err := a.retrain.refit(s)
	if err != nil || !refit {
		return err
	}
	a.load()
	return nil
}
