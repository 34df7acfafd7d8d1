package lm

import (
	"interloop/arm"
	"interloop/engine"
)

// ProbeLoss adds λ·mean score to the loss, the score recorded on the tape
// over the policy's response activations: the gradient flows through the
// (frozen or retrained) probe into the model, which can lower it by moving
// the activations the probe reads (Nanda's variant a; Bailey et al.'s
// obfuscated activations). The reward is the overseer's alone.
type ProbeLoss struct {
	cfg    ArmConfig
	probes *retrainer
}

// Name implements Arm.
func (a *ProbeLoss) Name() string { return string(arm.KindProbeLoss) }

func (a *ProbeLoss) currentProbe() *Probe { return a.probes.current }

func (a *ProbeLoss) loss(s *Step) (*engine.Node[float32], error) {
	sc, err := a.probes.current.scoreNode(s.Tape, s.H, s.Mask) // [B]
	if err != nil {
		return nil, err
	}
	return s.Tape.Scale(s.Tape.Mean(sc), a.cfg.lambdaAt(s.Index), 0), nil
}

func (a *ProbeLoss) afterStep(s *Step) error { return a.probes.afterStep(s) }

func (a *ProbeLoss) refits() (done, failed int) { return a.probes.Refits, a.probes.Failed }
