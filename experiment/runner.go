package experiment

import (
	"context"
	"time"

	"interloop/agent"
	"interloop/arm"
	"interloop/audit"
	"interloop/env/vault"
	"interloop/probe"
	"interloop/rng"
	"interloop/train"
)

// RunResult is one (arm, seed) run.
type RunResult struct {
	Arm          string             `json:"arm"`
	Seed         int                `json:"seed"`
	Config       RunConfig          `json:"config"`
	Audit        audit.Result       `json:"audit"`
	Curve        []audit.CurvePoint `json:"curve"`
	RL           train.Stats        `json:"rl"`
	ArmStats     map[string]float64 `json:"arm_stats,omitempty"`
	PretrainLoss float64            `json:"pretrain_loss"`
	ProbeData    string             `json:"probe_data"`
	Seconds      float64            `json:"seconds"`
	Err          string             `json:"error,omitempty"`

	// What checkpoints and the store's detector table keep; set by runOne.
	policy   *agent.Net
	armProbe probe.Detector
}

// Results is a finished experiment.
type Results struct {
	Experiment *Experiment
	Seeds      int
	Runs       []RunResult // arm order, then seed
	Wall       time.Duration
}

// pre is the shared pre-RL state of one (seed, pretrain key).
type pre struct {
	world    *vault.World
	net      *agent.Net // pre-trained; never mutated after phase 1
	baseline audit.Baseline
	loss     float64
	err      error
}

// pretrain runs phases (a) and (b) for one seed.
func pretrain(ctx context.Context, c RunConfig, seed int) (*vault.World, *agent.Net, audit.Baseline, float64, error) {
	var b audit.Baseline
	w, err := vault.New(c.World, uint64(seed))
	if err != nil {
		return nil, nil, b, 0, err
	}
	r := rng.New(uint64(seed), 1)
	net, err := agent.New(c.Agent, c.World.ObsDim, r)
	if err != nil {
		return nil, nil, b, 0, err
	}
	loss, err := train.Pretrain(ctx, net, w, c.Pretrain, r)
	if err != nil {
		return nil, nil, b, loss, err
	}
	b, err = audit.FitBaseline(net, w, c.Pretrain.ProbeEpisodes, c.Audit, r)
	return w, net, b, loss, err
}

// runOne trains a copy of the pre-trained network with the arm and audits it.
func runOne(ctx context.Context, c RunConfig, seed int, p *pre, rr *RunResult) error {
	policy := p.net.Clone()
	a, err := arm.New(c.Arm, arm.Setup{
		World: p.world, Arch: c.RL.Arch, Net: p.net, Probe: p.baseline.Deception.Probe,
		Fitter: p.baseline.Fitter, ProbeEpisodes: c.Pretrain.ProbeEpisodes,
		Instructed: p.baseline.Instructed, Labels: p.baseline.Labels, Seed: uint64(seed),
	})
	if err != nil {
		return err
	}
	in := audit.Input{World: p.world, Policy: policy, Ref: p.net, Baseline: p.baseline, Temperature: c.RL.Temperature}
	curveBatch := train.NewBatch(p.world, c.RL.EvalEpisodes)
	curveBatch.Sample(p.world, rng.New(uint64(seed), 4), vault.Honest, false)
	curveRng := rng.New(uint64(seed), 5)
	observe := func(step int) error {
		rr.Curve = append(rr.Curve, audit.Curve(step, in, curveBatch, c.RL.EvalEpisodes, curveRng))
		return nil
	}
	st, err := train.RL(ctx, policy, p.net, p.world, c.RL, a, rng.New(uint64(seed), 2), observe)
	if err != nil {
		return err
	}
	rr.RL = st
	if pr, ok := a.(arm.Prober); ok {
		in.ArmProbe = pr.CurrentProbe()
	}
	rr.policy, rr.armProbe = policy, in.ArmProbe
	if ev, ok := a.(arm.EvalIntervener); ok {
		in.EvalHooks = ev.EvalHooks()
	}
	if rep, ok := a.(arm.Reporter); ok {
		rr.ArmStats = rep.Stats()
	}
	rr.Audit, err = audit.Run(in, c.Audit, rng.New(uint64(seed), 3))
	return err
}
