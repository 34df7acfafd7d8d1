package experiment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"interloop/internal/gemm"
	"interloop/store"
)

// Options controls how an experiment runs; the zero value is sensible.
type Options struct {
	// Seeds overrides the experiment's seed count when > 0.
	Seeds int
	// Jobs is the number of runs in parallel; 0 means one per core. With
	// more than one job, matrix products are single-threaded.
	Jobs int
	// Progress receives one line per finished task when Observer is nil
	// (nil: silent).
	Progress io.Writer
	// Observer follows progress (see Observer); it overrides Progress.
	Observer Observer
	// Store, when set, receives every finished run in its own transaction
	// as soon as it finishes; runs already stored are not run again
	// (resume). The caller holds the store's writer lock.
	Store *store.Store
	// RetryFailed reruns stored failed runs instead of keeping them.
	RetryFailed bool
	// Checkpoints, when set, is a directory that receives RUN_ID.safetensors
	// for every finished run: the trained network and the detectors.
	Checkpoints string
	// Shard, unless zero, restricts the call to one deterministic slice of
	// the sweep (see Plan); Results then holds that slice's runs only.
	Shard Shard
}

// Observer follows an experiment. Its methods are called from the worker
// goroutines and must be safe for concurrent use.
type Observer interface {
	// Plan announces the tasks (pre-training phases and runs) this call
	// will do, and how many runs were already stored and are skipped.
	Plan(tasks, stored int)
	// Start says worker (0-based) began a task, described by label.
	Start(worker int, label string)
	// Finish says the worker's task ended, failed (err != nil) or not.
	Finish(worker int, label string, err error)
}

// InterruptedError is returned when the context is cancelled mid-run: the
// finished runs are stored, the others are not (rerun to resume).
type InterruptedError struct {
	Stored, Left int
	Cause        error
}

func (e *InterruptedError) Error() string {
	return fmt.Sprintf("interrupted (%v): %d runs stored this time, %d left; run again to resume", e.Cause, e.Stored, e.Left)
}

func (e *InterruptedError) Unwrap() error { return e.Cause }

// job is one (arm, seed) run.
type job struct {
	arm  int
	seed int
	id   string
}

// Run executes every arm (after expanding the sweep) over every seed, or
// the runs of one shard (Options.Shard). Runs of one seed with equal
// pre-training settings share one pre-trained network and probe set. With
// a store, finished runs are skipped and every new run is stored as it
// finishes.
func Run(ctx context.Context, e *Experiment, opt Options) (*Results, error) {
	x, jobs, err := expandJobs(e, opt.Seeds)
	if err != nil {
		return nil, err
	}
	seeds := x.Seeds
	if err := opt.Shard.Validate(); err != nil {
		return nil, err
	}
	if !opt.Shard.Whole() {
		var mine []job
		for i, s := range assign(x, jobs, opt.Shard.Count) {
			if s == opt.Shard.Index {
				mine = append(mine, jobs[i])
			}
		}
		jobs = mine
	}
	workers := opt.Jobs
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers > 1 {
		prev := gemm.Threads()
		gemm.SetThreads(1)
		defer gemm.SetThreads(prev)
	}
	obs := opt.Observer
	if obs == nil {
		obs = plainObserver(opt.Progress)
	}
	start := time.Now()
	res := &Results{Experiment: x, Seeds: seeds, Runs: make([]RunResult, len(jobs))}

	// Which runs are stored already?
	stored := map[string]string{}
	if opt.Store != nil {
		spec, err := marshalNaN(e)
		if err != nil {
			return nil, err
		}
		if err := opt.Store.PutExperiment(ctx, store.Experiment{Name: e.Name, Description: e.Description, Spec: string(spec)}); err != nil {
			return nil, err
		}
		ids := make([]string, len(jobs))
		for i, j := range jobs {
			ids[i] = j.id
		}
		if stored, err = opt.Store.Status(ctx, ids); err != nil {
			return nil, err
		}
		if opt.RetryFailed {
			for id, st := range stored {
				if st == store.StatusFailed {
					delete(stored, id)
				}
			}
		}
	}
	var todo []int // indexes into jobs
	for i, j := range jobs {
		if _, ok := stored[j.id]; !ok {
			todo = append(todo, i)
		}
	}

	// Pre-training is needed once per (seed, key) among the runs to do.
	type preKey struct {
		seed int
		key  string
	}
	pres := map[preKey]*pre{}
	var preOrder []preKey
	var preCfg []RunConfig
	for _, i := range todo {
		j := jobs[i]
		c := x.Arms[j.arm].Config
		k := preKey{j.seed, c.pretrainKey()}
		if _, ok := pres[k]; !ok {
			pres[k] = &pre{}
			preOrder = append(preOrder, k)
			preCfg = append(preCfg, c)
		}
	}
	preDone := make(map[preKey]chan struct{}, len(pres))
	for k := range pres {
		preDone[k] = make(chan struct{})
	}
	obs.Plan(len(preOrder)+len(todo), len(jobs)-len(todo))

	// One queue: every pre-training task first, then the runs, so a worker
	// that takes a run waits only for a pre-training already under way.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		mu       sync.Mutex
		storeErr error
		nStored  int
		ran      = make([]bool, len(jobs))
	)
	task := func(worker, t int) {
		if t < len(preOrder) {
			k := preOrder[t]
			p := pres[k]
			label := fmt.Sprintf("pretrain seed %d", k.seed)
			obs.Start(worker, label)
			p.world, p.net, p.baseline, p.loss, p.err = pretrain(ctx, preCfg[t], k.seed)
			close(preDone[k])
			obs.Finish(worker, label, p.err)
			return
		}
		i := todo[t-len(preOrder)]
		j := jobs[i]
		a := x.Arms[j.arm]
		k := preKey{j.seed, a.Config.pretrainKey()}
		label := fmt.Sprintf("%s seed %d", a.Name, j.seed)
		obs.Start(worker, label)
		select {
		case <-preDone[k]:
		case <-ctx.Done():
			obs.Finish(worker, label, context.Cause(ctx))
			return
		}
		p := pres[k]
		began := time.Now()
		rr := RunResult{Arm: a.Name, Seed: j.seed, Config: a.Config}
		if p.err != nil {
			rr.Err = "pre-training: " + p.err.Error()
		} else {
			rr.PretrainLoss, rr.ProbeData = p.loss, p.baseline.Data
			if err := runOne(ctx, a.Config, j.seed, p, &rr); err != nil {
				rr.Err = err.Error()
			}
		}
		rr.Seconds = time.Since(began).Seconds()
		if ctx.Err() != nil {
			// Cancelled: the run is unfinished, so nothing is recorded.
			obs.Finish(worker, label, context.Cause(ctx))
			return
		}
		err := record(ctx, opt, x.Name, j.id, &rr, p, began)
		mu.Lock()
		res.Runs[i], ran[i] = rr, true
		if err != nil && storeErr == nil {
			storeErr = err
			cancel(err)
		} else if err == nil && opt.Store != nil {
			nStored++
		}
		mu.Unlock()
		var ferr error
		if rr.Err != "" {
			ferr = errors.New(rr.Err)
		}
		obs.Finish(worker, label, ferr)
		rr.policy, rr.armProbe = nil, nil
		res.Runs[i].policy, res.Runs[i].armProbe = nil, nil
	}
	pool(ctx, workers, len(preOrder)+len(todo), task)

	if storeErr != nil {
		return nil, storeErr
	}
	if err := context.Cause(ctx); err != nil && ctx.Err() != nil {
		left := 0
		for _, i := range todo {
			if !ran[i] {
				left++
			}
		}
		return nil, &InterruptedError{Stored: nStored, Left: left, Cause: err}
	}
	// Runs stored earlier come back from the store.
	if len(todo) < len(jobs) {
		var ids []string
		for i, j := range jobs {
			if !ran[i] {
				ids = append(ids, j.id)
			}
		}
		got, err := opt.Store.Results(ctx, ids)
		if err != nil {
			return nil, err
		}
		for i, j := range jobs {
			if ran[i] {
				continue
			}
			var rr RunResult
			if err := unmarshalNaN([]byte(got[j.id]), &rr); err != nil {
				return nil, fmt.Errorf("store %s: run %s: %v", opt.Store.Name(), j.id, err)
			}
			rr.Arm, rr.Seed = x.Arms[j.arm].Name, j.seed
			res.Runs[i] = rr
			if err := opt.Store.Link(ctx, x.Name, rr.Arm, j.seed, j.id); err != nil {
				return nil, err
			}
		}
	}
	res.Wall = time.Since(start)
	return res, nil
}

// pool runs f(worker, 0..n-1) on up to workers goroutines, in order,
// stopping early when ctx is cancelled.
func pool(ctx context.Context, workers, n int, f func(worker, i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(w, i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		select {
		case next <- i:
			continue
		case <-ctx.Done():
		}
		break
	}
	close(next)
	wg.Wait()
}

// record writes a finished run's checkpoint, then its store row.
func record(ctx context.Context, opt Options, experiment, id string, rr *RunResult, p *pre, began time.Time) error {
	if opt.Checkpoints != "" && rr.Err == "" && rr.policy != nil {
		if err := saveCheckpoint(filepath.Join(opt.Checkpoints, id+".safetensors"), experiment, id, rr, p); err != nil {
			return err
		}
	}
	if opt.Store == nil {
		return nil
	}
	r, err := storeRecord(experiment, id, rr, p, began)
	if err != nil {
		return err
	}
	return opt.Store.PutRun(ctx, r)
}

// plainObserver writes one line per finished task.
func plainObserver(w io.Writer) Observer {
	if w == nil {
		return nopObserver{}
	}
	return &lines{w: w, start: time.Now()}
}

type nopObserver struct{}

func (nopObserver) Plan(int, int)             {}
func (nopObserver) Start(int, string)         {}
func (nopObserver) Finish(int, string, error) {}

type lines struct {
	mu          sync.Mutex
	w           io.Writer
	start       time.Time
	done, total int
	began       map[int]time.Time
}

func (l *lines) Plan(tasks, stored int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total = tasks
	l.began = map[int]time.Time{}
	if stored > 0 {
		fmt.Fprintf(l.w, "%d runs already stored; %d tasks to do\n", stored, tasks)
	}
}

func (l *lines) Start(worker int, _ string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.began[worker] = time.Now()
}

func (l *lines) Finish(worker int, label string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.done++
	status := "ok"
	if err != nil {
		status = "FAILED: " + err.Error()
	}
	el := time.Since(l.start)
	eta := ""
	if l.done < l.total {
		eta = fmt.Sprintf(" eta %s", (el / time.Duration(l.done) * time.Duration(l.total-l.done)).Round(time.Second))
	}
	fmt.Fprintf(l.w, "[%d/%d %5.1fs%s] %s %.2fs %s\n", l.done, l.total, el.Seconds(), eta, label,
		time.Since(l.began[worker]).Seconds(), status)
}
