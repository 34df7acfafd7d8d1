package experiment

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"interloop/agent"
	"interloop/arm"
	"interloop/audit"
	"interloop/env/vault"
	"interloop/internal/gemm"
	"interloop/rng"
	"interloop/train"
)

// Options controls how an experiment runs; the zero value is sensible.
type Options struct {
	// Seeds overrides the experiment's seed count when > 0.
	Seeds int
	// Jobs is the number of runs in parallel; 0 means one per core. With
	// more than one job, matrix products are single-threaded.
	Jobs int
	// Progress receives one line per finished job (nil: silent).
	Progress io.Writer
}

// RunResult is one (arm, seed) run.
type RunResult struct {
	Arm          string             `json:"arm"`
	Seed         int                `json:"seed"`
	Config       RunConfig          `json:"config"`
	Audit        audit.Result       `json:"audit"`
	Curve        []audit.CurvePoint `json:"curve"`
	RL           train.Stats        `json:"rl"`
	PretrainLoss float64            `json:"pretrain_loss"`
	ProbeData    string             `json:"probe_data"`
	Seconds      float64            `json:"seconds"`
	Err          string             `json:"error,omitempty"`
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

// Run executes every arm over every seed.
func Run(ctx context.Context, e *Experiment, opt Options) (*Results, error) {
	seeds := e.Seeds
	if opt.Seeds > 0 {
		seeds = opt.Seeds
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	jobs := opt.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	if jobs > 1 {
		prev := gemm.Threads()
		gemm.SetThreads(1)
		defer gemm.SetThreads(prev)
	}
	start := time.Now()
	var mu sync.Mutex
	done, total := 0, 0
	report := func(format string, args ...any) {
		if opt.Progress == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		done++
		fmt.Fprintf(opt.Progress, "[%d/%d %5.1fs] %s\n", done, total, time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}

	// Phase 1: pre-training and probe fitting, once per (seed, key).
	type preKey struct {
		seed int
		key  string
	}
	pres := map[preKey]*pre{}
	var preOrder []preKey
	var preCfg []RunConfig
	for seed := 0; seed < seeds; seed++ {
		for _, a := range e.Arms {
			k := preKey{seed, a.Config.pretrainKey()}
			if _, ok := pres[k]; !ok {
				pres[k] = &pre{}
				preOrder = append(preOrder, k)
				preCfg = append(preCfg, a.Config)
			}
		}
	}
	total = len(preOrder) + seeds*len(e.Arms)
	parallel(ctx, jobs, len(preOrder), func(i int) {
		k := preOrder[i]
		p := pres[k]
		t := time.Now()
		p.world, p.net, p.baseline, p.loss, p.err = pretrain(ctx, preCfg[i], k.seed)
		report("pretrain seed %d (%d-D belief) %.2fs", k.seed, preCfg[i].Agent.Hidden, time.Since(t).Seconds())
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// Phase 2: RL and audit for every (arm, seed).
	res := &Results{Experiment: e, Seeds: seeds, Runs: make([]RunResult, len(e.Arms)*seeds)}
	parallel(ctx, jobs, len(res.Runs), func(i int) {
		a, seed := e.Arms[i/seeds], i%seeds
		p := pres[preKey{seed, a.Config.pretrainKey()}]
		t := time.Now()
		rr := RunResult{Arm: a.Name, Seed: seed, Config: a.Config}
		if p.err != nil {
			rr.Err = p.err.Error()
		} else {
			rr.PretrainLoss, rr.ProbeData = p.loss, p.baseline.Data
			if err := runOne(ctx, a.Config, seed, p, &rr); err != nil {
				rr.Err = err.Error()
			}
		}
		rr.Seconds = time.Since(t).Seconds()
		res.Runs[i] = rr
		status := "ok"
		if rr.Err != "" {
			status = "FAILED: " + rr.Err
		}
		report("%s seed %d %.2fs %s", a.Name, seed, rr.Seconds, status)
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res.Wall = time.Since(start)
	return res, nil
}

// parallel runs f(0..n-1) on up to jobs goroutines, stopping early when ctx
// is cancelled.
func parallel(ctx context.Context, jobs, n int, f func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(jobs, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
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
		World: p.world, Arch: c.RL.Arch, Probe: p.baseline.Deception.Probe,
		Fitter: p.baseline.Fitter, ProbeEpisodes: c.Pretrain.ProbeEpisodes,
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
	rr.Audit, err = audit.Run(in, c.Audit, rng.New(uint64(seed), 3))
	return err
}
