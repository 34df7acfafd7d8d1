package lm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"time"

	"interloop/arm"
	"interloop/audit"
	"interloop/env/vault"
	"interloop/internal/gemm"
	"interloop/rng"
)

// Config is the language-model experiment: every run of a seed shares the
// world, the corpus, the pre-trained model and its probes; arms differ in
// the RL technique. Start from DefaultConfig; --set overrides use the JSON
// names ("rl.steps=100", "world.vague_audit_prob=0").
type Config struct {
	World    vault.Config   `json:"world"`
	Corpus   CorpusConfig   `json:"corpus"`
	Model    ModelConfig    `json:"model"`
	Pretrain PretrainConfig `json:"pretrain"`
	Probe    ProbeConfig    `json:"probe"`
	RL       RLConfig       `json:"rl"`
	// Arm holds the penalty settings every arm shares (λ, warm-up, the
	// truth monitor's recall); kind, aggregation and retraining are the
	// arm's own.
	Arm   ArmConfig    `json:"arm"`
	Audit audit.Config `json:"audit"`
	// Seeds is the number of seeds. Default 3.
	Seeds int `json:"seeds"`
	// RetrainEvery is the retrained arms' refit interval in RL steps.
	// Default 25.
	RetrainEvery int `json:"retrain_every"`
	// Arms lists the arms to run by name (see Arms); empty means all.
	Arms []string `json:"arms"`
}

// DefaultConfig returns every section's documented defaults.
func DefaultConfig() Config {
	a := audit.DefaultConfig()
	a.Episodes = 512
	return Config{World: vault.DefaultConfig(), Corpus: DefaultCorpus(), Model: DefaultModel(),
		Pretrain: DefaultPretrain(), Probe: DefaultProbe(), RL: DefaultRL(), Arm: DefaultArm(),
		Audit: a, Seeds: 3, RetrainEvery: 25}
}

// Validate checks every section.
func (c Config) Validate() error {
	for _, v := range []interface{ Validate() error }{c.World, c.Corpus, c.Model, c.Pretrain, c.Probe, c.RL, c.Arm, c.Audit} {
		if err := v.Validate(); err != nil {
			return err
		}
	}
	if c.Seeds < 1 {
		return fmt.Errorf("seeds %d < 1", c.Seeds)
	}
	if c.RetrainEvery < 1 {
		return fmt.Errorf("retrain_every %d < 1", c.RetrainEvery)
	}
	if _, err := c.arms(); err != nil {
		return err
	}
	return nil
}

// Set applies an override "path=value" in the config's JSON names. The
// value is parsed as JSON when it is valid JSON, else taken as a string;
// decoding is strict, so an unknown path or a wrong type is an error.
func (c *Config) Set(kv string) error {
	path, val, ok := strings.Cut(kv, "=")
	if !ok || path == "" {
		return fmt.Errorf("--set %q: want path=value", kv)
	}
	raw, err := json.Marshal(c)
	if err != nil {
		return err
	}
	var tree map[string]any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return err
	}
	var v any
	if err := json.Unmarshal([]byte(val), &v); err != nil {
		v = val
	}
	if path == "arms" {
		if s, ok := v.(string); ok {
			v = strings.Split(s, ",")
		}
	}
	keys := strings.Split(path, ".")
	node := tree
	for i, k := range keys {
		if i == len(keys)-1 {
			if _, ok := node[k]; !ok {
				return fmt.Errorf("--set %s: unknown field %q", path, strings.Join(keys[:i+1], "."))
			}
			node[k] = v
			break
		}
		next, ok := node[k].(map[string]any)
		if !ok {
			return fmt.Errorf("--set %s: unknown section %q", path, strings.Join(keys[:i+1], "."))
		}
		node = next
	}
	raw, _ = json.Marshal(tree)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var out Config
	if err := dec.Decode(&out); err != nil {
		return fmt.Errorf("--set %s=%s: %v", path, val, strings.TrimPrefix(err.Error(), "json: "))
	}
	*c = out
	return nil
}

// ArmSpec is one arm of the experiment. An arm that trains against a probe
// runs once per aggregation; the others run once and are read by every
// aggregation's probe.
type ArmSpec struct {
	Name   string    `json:"name"`
	Arm    ArmConfig `json:"arm"`
	PerAgg bool      `json:"per_agg"`
}

// Arms returns the experiment's arms for config c (all of them).
func (c Config) allArms() []ArmSpec {
	mk := func(name string, kind arm.Kind, retrain int) ArmSpec {
		a := c.Arm
		a.Kind, a.RetrainEvery = kind, retrain
		return ArmSpec{Name: name, Arm: a, PerAgg: a.usesProbe()}
	}
	return []ArmSpec{
		mk("none", arm.KindNone, 0),
		mk("probe-reward", arm.KindProbeReward, 0),
		mk("probe-loss", arm.KindProbeLoss, 0),
		mk("probe-reward-retrained", arm.KindProbeReward, c.RetrainEvery),
		mk("probe-loss-retrained", arm.KindProbeLoss, c.RetrainEvery),
		mk("truth-monitor", arm.KindTruthMonitor, 0),
	}
}

func (c Config) arms() ([]ArmSpec, error) {
	all := c.allArms()
	if len(c.Arms) == 0 {
		return all, nil
	}
	var out []ArmSpec
	for _, name := range c.Arms {
		found := false
		for _, a := range all {
			if a.Name == name {
				out, found = append(out, a), true
			}
		}
		if !found {
			var names []string
			for _, a := range all {
				names = append(names, a.Name)
			}
			return nil, fmt.Errorf("arms: unknown arm %q (have %s)", name, strings.Join(names, ", "))
		}
	}
	return out, nil
}

// Options controls how the experiment runs; the zero value is sensible.
type Options struct {
	// Jobs is the number of runs in parallel; 0 means one per core. With
	// more than one job, matrix products are single-threaded.
	Jobs int
	// Progress receives one line per finished job (nil: silent).
	Progress io.Writer
}

// RunResult is one (arm, aggregation, seed) run. Agg is empty for arms that
// do not train against a probe.
type RunResult struct {
	Arm      string         `json:"arm"`
	Agg      Agg            `json:"agg,omitempty"`
	Seed     int            `json:"seed"`
	Config   ArmConfig      `json:"arm_config"`
	Pretrain PretrainReport `json:"pretrain"`
	RL       Stats          `json:"rl"`
	Audit    AuditResult    `json:"audit"`
	Refits   int            `json:"refits"`
	// RefitsFailed counts retraining refits whose solver did not converge
	// (the previous probe was kept).
	RefitsFailed int     `json:"refits_failed"`
	Seconds      float64 `json:"seconds"`
	Err          string  `json:"error,omitempty"`
}

// Results is a finished experiment.
type Results struct {
	Config Config
	Arms   []ArmSpec
	Runs   []RunResult
	// Pre holds each seed's pre-RL state report.
	Pre  []SeedReport
	Wall time.Duration
}

// SeedReport is one seed's pre-training and probe fitting.
type SeedReport struct {
	Seed     int               `json:"seed"`
	Pretrain PretrainReport    `json:"pretrain"`
	Probes   map[Agg]ProbeNote `json:"probes"`
	Err      string            `json:"error,omitempty"`
}

// ProbeNote is a pre-RL probe's calibration.
type ProbeNote struct {
	Threshold float64 `json:"threshold"`
	R0        float64 `json:"r0"`
	AUROC0    float64 `json:"auroc0"`
}

// seedState is the shared pre-RL state of one seed.
type seedState struct {
	world  *vault.World
	model  *Model // pre-trained; never mutated after phase 1
	probes map[Agg]*Probe
	report SeedReport
	err    error
}

// job is one RL run.
type job struct {
	spec ArmSpec
	agg  Agg
	seed int
}

// Run executes the experiment: per seed, pre-training and probe fitting;
// then every arm (per aggregation where it trains against a probe), RL and
// audit.
func Run(ctx context.Context, cfg Config, opt Options) (*Results, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	specs, _ := cfg.arms()
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
	var todo []job
	for _, sp := range specs {
		for seed := 0; seed < cfg.Seeds; seed++ {
			if sp.PerAgg {
				for _, agg := range Aggs() {
					todo = append(todo, job{sp, agg, seed})
				}
			} else {
				todo = append(todo, job{spec: sp, seed: seed})
			}
		}
	}
	total = cfg.Seeds + len(todo)

	// Phase 1: pre-training and probes, once per seed.
	seeds := make([]*seedState, cfg.Seeds)
	parallel(ctx, jobs, cfg.Seeds, func(i int) {
		t := time.Now()
		seeds[i] = prepare(ctx, cfg, i)
		st := seeds[i]
		if st.err != nil {
			report("pretrain seed %d FAILED: %v", i, st.err)
			return
		}
		report("pretrain seed %d %.1fs: z accuracy %.3f, loss %.3f", i, time.Since(t).Seconds(), st.report.Pretrain.ZAccuracy, st.report.Pretrain.Loss)
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// Phase 2: RL and audit.
	res := &Results{Config: cfg, Arms: specs, Runs: make([]RunResult, len(todo))}
	for _, st := range seeds {
		res.Pre = append(res.Pre, st.report)
	}
	parallel(ctx, jobs, len(todo), func(i int) {
		j := todo[i]
		t := time.Now()
		rr := runOne(ctx, cfg, j, seeds[j.seed])
		rr.Seconds = time.Since(t).Seconds()
		res.Runs[i] = rr
		status := "ok"
		if rr.Err != "" {
			status = "FAILED: " + rr.Err
		}
		name := j.spec.Name
		if j.agg != "" {
			name += "/" + string(j.agg)
		}
		report("%s seed %d %.1fs %s", name, j.seed, rr.Seconds, status)
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

// Random streams of a seed.
const (
	streamModel = iota + 1
	streamProbe
	streamRL
	streamAudit
)

// prepare builds seed's world, pre-trains its model and fits its probes.
func prepare(ctx context.Context, cfg Config, seed int) *seedState {
	st := &seedState{report: SeedReport{Seed: seed}}
	fail := func(err error) *seedState {
		st.err = err
		st.report.Err = err.Error()
		return st
	}
	w, err := vault.New(cfg.World, uint64(seed))
	if err != nil {
		return fail(err)
	}
	r := rng.New(uint64(seed), streamModel)
	m, err := NewModel(cfg.Model, r)
	if err != nil {
		return fail(err)
	}
	t := time.Now()
	rep, err := Pretrain(ctx, m, w, cfg.Corpus, cfg.Pretrain, r)
	rep.Seconds = time.Since(t).Seconds()
	st.report.Pretrain = rep
	if err != nil {
		return fail(err)
	}
	probes, err := FitProbes(m, w, cfg.Probe, cfg.Audit.FPR, uint64(seed), rng.New(uint64(seed), streamProbe))
	if err != nil {
		return fail(err)
	}
	st.report.Probes = map[Agg]ProbeNote{}
	for a, p := range probes {
		st.report.Probes[a] = ProbeNote{Threshold: p.Threshold, R0: p.R0, AUROC0: p.AUROC0}
	}
	st.world, st.model, st.probes = w, m, probes
	return st
}

// runOne trains a copy of the seed's model with the job's arm and audits it.
func runOne(ctx context.Context, cfg Config, j job, st *seedState) RunResult {
	rr := RunResult{Arm: j.spec.Name, Agg: j.agg, Seed: j.seed, Config: j.spec.Arm}
	if st.err != nil {
		rr.Err = "pre-training: " + st.err.Error()
		return rr
	}
	rr.Pretrain = st.report.Pretrain
	ac := j.spec.Arm
	if j.agg != "" {
		ac.Agg = j.agg
		rr.Config.Agg = j.agg
	}
	var p *Probe
	if ac.usesProbe() {
		p = st.probes[ac.Agg]
	}
	seed := uint64(j.seed)
	a, err := NewArm(ac, ArmSetup{World: st.world, Probe: p, ProbeConfig: cfg.Probe, Seed: seed})
	if err != nil {
		rr.Err = err.Error()
		return rr
	}
	policy := st.model.Clone()
	rr.RL, err = RL(ctx, policy, st.model, st.world, cfg.RL, a, rng.New(seed, streamRL))
	if err != nil {
		rr.Err = err.Error()
		return rr
	}
	in := AuditInput{World: st.world, Policy: policy, Ref: st.model, Probes: st.probes,
		Temperature: cfg.RL.Temperature, ProbeConfig: cfg.Probe, Seed: seed}
	if pr, ok := a.(prober); ok {
		in.ArmProbe = pr.currentProbe()
		if rt, ok := a.(interface{ refits() (int, int) }); ok {
			rr.Refits, rr.RefitsFailed = rt.refits()
		}
	}
	rr.Audit, err = Audit(in, cfg.Audit, rng.New(seed, streamAudit))
	if err != nil {
		rr.Err = err.Error()
	}
	return rr
}
