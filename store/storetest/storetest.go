// Package storetest is a conformance suite for store backends: every
// backend (SQLite, PostgreSQL, …) must pass Run, so that the schema, the
// migrations and the store's promises — each run stored whole or not at
// all, each ID once, NULL for NaN, typed scans, idempotent import, the
// writer locks — hold whichever database is behind the store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"interloop/store"
)

// Run runs the suite. fresh returns the target (a path or URL for
// store.Open) of a new, empty database each time it is called.
func Run(t *testing.T, fresh func(t testing.TB) string) {
	for _, c := range []struct {
		name string
		f    func(*testing.T, func(testing.TB) string)
	}{
		{"RoundTrip", roundTrip},
		{"ConcurrentMigrations", concurrentMigrations},
		{"ConcurrentWriters", concurrentWriters},
		{"Submissions", submissions},
		{"Import", importRuns},
		{"Locks", locks},
	} {
		t.Run(c.name, func(t *testing.T) { c.f(t, fresh) })
	}
}

func open(t testing.TB, target string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// SampleRun makes a run with n curve points and a few audit metrics.
func SampleRun(id string, seed, n int) *store.Run {
	r := &store.Run{ID: id, Experiment: "e", Arm: fmt.Sprintf("arm%d", seed%3), Seed: seed, Config: `{"x":1}`,
		Status: store.StatusDone, Outcome: "honest", Started: time.Unix(1, 0), Finished: time.Unix(2, 0), Seconds: 1.5,
		Version: "v", GoVersion: "go", Result: `{"seed":` + fmt.Sprint(seed) + `}`,
		Audit:     []store.Metric{{Name: "auroc", Value: 0.9}, {Name: "nan", Value: math.NaN()}},
		Detectors: []store.Detector{{Name: "deception", Kind: "logistic", Site: "s", Data: "d", Threshold: 0.7, Document: "{}"}}}
	for i := 0; i < n; i++ {
		v := float64(i) / 10
		if i == 1 {
			v = math.NaN()
		}
		r.Curves = append(r.Curves, store.Point{Step: i * 10, Metric: "lie", Value: v})
	}
	return r
}

func roundTrip(t *testing.T, fresh func(testing.TB) string) {
	ctx := context.Background()
	s := open(t, fresh(t))
	if err := s.PutExperiment(ctx, store.Experiment{Name: "e", Description: "d", Spec: "{}"}); err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"aa01", "bb02"} {
		if err := s.PutRun(ctx, SampleRun(id, i, 3)); err != nil {
			t.Fatal(err)
		}
	}
	// Replacing a run replaces its rows.
	if err := s.PutRun(ctx, SampleRun("aa01", 0, 2)); err != nil {
		t.Fatal(err)
	}
	r, err := s.Get(ctx, "aa")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Curves) != 2 || !math.IsNaN(r.Curves[1].Value) || len(r.Audit) != 2 || !math.IsNaN(r.Audit[1].Value) ||
		len(r.Detectors) != 1 || r.Seconds != 1.5 || r.Seed != 0 || !r.Started.Equal(time.Unix(1, 0)) {
		t.Fatalf("%+v", r)
	}
	if _, err := s.Get(ctx, "cc"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing run: %v", err)
	}
	st, err := s.Status(ctx, []string{"aa01", "bb02", "zz"})
	if err != nil || len(st) != 2 || st["aa01"] != store.StatusDone {
		t.Fatalf("%v %v", st, err)
	}
	es, err := s.Experiments(ctx)
	if err != nil || len(es) != 1 || es[0].Done != 2 || es[0].Failed != 0 {
		t.Fatalf("%+v %v", es, err)
	}
	runs, err := s.Runs(ctx, "e")
	if err != nil || len(runs) != 2 {
		t.Fatalf("%v %v", runs, err)
	}
	// Scans give string, int64, float64 and nil whatever the database.
	var got []string
	err = s.Scan(ctx, "step_metrics", "e", func(cols []string, vals []any) error {
		got = append(got, fmt.Sprintf("%T %T %T %v", vals[0], vals[1], vals[3], vals[3]))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"string int64 float64 0", "string int64 <nil> <nil>", "string int64 float64 0", "string int64 <nil> <nil>", "string int64 float64 0.2"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("step_metrics scan:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// concurrentMigrations: processes that open a new database at once (the
// first shards of an array) all succeed.
func concurrentMigrations(t *testing.T, fresh func(testing.TB) string) {
	target := fresh(t)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := store.Open(context.Background(), target)
			if err == nil {
				err = s.PutRun(context.Background(), SampleRun(fmt.Sprintf("r%d", i), i, 2))
				s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("opener %d: %v", i, err)
		}
	}
}

// concurrentWriters: several handles store overlapping runs at once; each
// run ends up once, whole.
func concurrentWriters(t *testing.T, fresh func(testing.TB) string) {
	target := fresh(t)
	open(t, target) // migrate first
	const writers, runs = 4, 12
	var wg sync.WaitGroup
	errs := make(chan error, writers*runs)
	for w := 0; w < writers; w++ {
		s := open(t, target)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < runs; i++ {
				j := (i + w*3) % runs // overlapping, in different orders
				if err := s.PutRun(context.Background(), SampleRun(fmt.Sprintf("run%02d", j), j, 5)); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	s := open(t, target)
	n := map[string]int{}
	for _, table := range []string{"runs", "step_metrics", "audit_results", "detectors", "experiment_runs"} {
		err := s.Scan(context.Background(), table, "", func([]string, []any) error { n[table]++; return nil })
		if err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]int{"runs": runs, "step_metrics": runs * 5, "audit_results": runs * 2, "detectors": runs, "experiment_runs": runs}
	for k, v := range want {
		if n[k] != v {
			t.Errorf("%s: %d rows, want %d", k, n[k], v)
		}
	}
}

func submissions(t *testing.T, fresh func(testing.TB) string) {
	ctx := context.Background()
	s := open(t, fresh(t))
	if _, err := s.Submission(ctx, ""); !errors.Is(err, store.ErrNoSubmission) {
		t.Fatalf("empty: %v", err)
	}
	t0 := time.Unix(1000, 0)
	for i, id := range []string{"slurm-1", "slurm-2", "k8s-x"} {
		exp := "a"
		if id == "k8s-x" {
			exp = "b"
		}
		err := s.PutSubmission(ctx, store.Submission{ID: id, Experiment: exp, Scheduler: strings.Split(id, "-")[0], Job: id[strings.Index(id, "-")+1:],
			Shards: 10 + i, Spec: "name: " + exp, Options: "{}", Submitted: t0.Add(time.Duration(i) * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
	}
	for key, want := range map[string]string{"slurm-1": "slurm-1", "a": "slurm-2", "b": "k8s-x", "": "k8s-x"} {
		sub, err := s.Submission(ctx, key)
		if err != nil || sub.ID != want {
			t.Errorf("Submission(%q) = %+v, %v; want %s", key, sub, err, want)
		}
	}
	sub, _ := s.Submission(ctx, "slurm-1")
	if sub.Shards != 10 || sub.Scheduler != "slurm" || sub.Job != "1" || !sub.Submitted.Equal(t0) {
		t.Errorf("%+v", sub)
	}
	if _, err := s.Submission(ctx, "nosuch"); !errors.Is(err, store.ErrNoSubmission) {
		t.Errorf("unknown: %v", err)
	}
}

// dump renders a store's tables for comparison.
func dump(t testing.TB, s *store.Store) string {
	var b strings.Builder
	for _, table := range store.Tables {
		err := s.Scan(context.Background(), table, "", func(cols []string, vals []any) error {
			for i, c := range cols {
				if c != "created_at" && c != "updated_at" {
					fmt.Fprintf(&b, "%s=%v ", c, vals[i])
				}
			}
			b.WriteByte('\n')
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// importRuns: two shards' stores imported into one equal a store that got
// every run directly; importing again changes nothing.
func importRuns(t *testing.T, fresh func(testing.TB) string) {
	ctx := context.Background()
	direct, a, b := open(t, fresh(t)), open(t, fresh(t)), open(t, fresh(t))
	for _, s := range []*store.Store{direct, a, b} {
		if err := s.PutExperiment(ctx, store.Experiment{Name: "e", Description: "d", Spec: "{}"}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 6; i++ {
		r := SampleRun(fmt.Sprintf("id%d", i), i, 3)
		if i == 4 {
			r.Status, r.Error, r.Outcome, r.Curves, r.Audit, r.Detectors = store.StatusFailed, "boom", "", nil, nil, nil
		}
		shard := a
		if i%2 == 1 {
			shard = b
		}
		if err := direct.PutRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := shard.PutRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.PutSubmission(ctx, store.Submission{ID: "slurm-9", Experiment: "e", Scheduler: "slurm", Job: "9", Shards: 2, Spec: "x", Options: "{}"}); err != nil {
		t.Fatal(err)
	}
	dst := open(t, fresh(t))
	var total store.ImportStats
	for _, src := range []*store.Store{a, b} {
		st, err := dst.Import(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		total.Runs += st.Runs
		total.Submissions += st.Submissions
	}
	if total.Runs != 6 || total.Submissions != 1 {
		t.Fatalf("%+v", total)
	}
	want := dump(t, direct)
	if got := dump(t, dst); got != want {
		t.Fatalf("merged store differs from the direct one:\n%s\nwant\n%s", got, want)
	}
	st, err := dst.Import(ctx, a)
	if err != nil || st.Replaced != 3 || st.Runs != 3 {
		t.Fatalf("second import: %+v %v", st, err)
	}
	if got := dump(t, dst); got != want {
		t.Fatal("importing again changed the store")
	}
	if sub, err := dst.Submission(ctx, "slurm-9"); err != nil || sub.Shards != 2 {
		t.Fatalf("%+v %v", sub, err)
	}
}

// locks: one writer per shard; the whole experiment excludes its shards;
// different shards write at once where the backend allows concurrent
// writers.
func locks(t *testing.T, fresh func(testing.TB) string) {
	ctx := context.Background()
	target := fresh(t)
	a, b := open(t, target), open(t, target)
	ra, err := a.LockRuns(ctx, "e", "0/2")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.LockRuns(ctx, "e", "0/2"); !errors.Is(err, store.ErrLocked) {
		t.Errorf("same shard twice: %v", err)
	}
	if _, err := b.LockRuns(ctx, "e", ""); !errors.Is(err, store.ErrLocked) {
		t.Errorf("whole experiment beside a shard: %v", err)
	}
	rb, err := b.LockRuns(ctx, "e", "1/2")
	if b.ConcurrentWriters() {
		if err != nil {
			t.Errorf("another shard: %v", err)
		} else {
			rb()
		}
		// Another experiment is independent.
		if r, err := b.LockRuns(ctx, "f", ""); err != nil {
			t.Errorf("another experiment: %v", err)
		} else {
			r()
		}
	} else if !errors.Is(err, store.ErrLocked) {
		t.Errorf("one writer per file: %v", err)
	}
	ra()
	rb, err = b.LockRuns(ctx, "e", "")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	rb()
}
