package experiment

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"interloop/store"
)

// shardExperiments have pre-training groups of equal and unequal sizes.
func shardExperiments(t *testing.T) map[string]*Experiment {
	t.Helper()
	def := Default() // 8 arms, two pre-training groups per seed (6 + 2 runs)
	one := Default()
	one.Arms = one.Arms[:1]
	swept := Default()
	if err := swept.AddAxis("pretrain.steps=100,200", false); err != nil {
		t.Fatal(err)
	}
	if err := swept.AddAxis("arm.lambda=0.5,2", false); err != nil {
		t.Fatal(err)
	}
	return map[string]*Experiment{"default": def, "one-arm": one, "swept": swept}
}

// TestPlanPartition: for every shard count, the shards partition the
// sweep (each run in exactly one), are contiguous in seed-major order, keep
// pre-training groups whole when there are enough groups, and are
// balanced otherwise.
func TestPlanPartition(t *testing.T) {
	for name, e := range shardExperiments(t) {
		for _, seeds := range []int{1, 3, 7} {
			x, jobs, err := expandJobs(e, seeds)
			if err != nil {
				t.Fatal(err)
			}
			n, gs := len(jobs), groups(x, jobs)
			for count := 1; count <= n+2; count++ {
				shard := assign(x, jobs, count)
				if count == 2 || count == n {
					// Plan is assign, and deterministic.
					plan, err := Plan(e, seeds, count)
					if err != nil {
						t.Fatal(err)
					}
					again, _ := Plan(e, seeds, count)
					if !reflect.DeepEqual(plan, again) {
						t.Fatalf("%s: plan is not deterministic", name)
					}
					for i, p := range plan {
						if p.ID != jobs[i].id || p.Shard != shard[i] {
							t.Fatalf("%s: plan differs from assign at %d", name, i)
						}
					}
				}
				sizes := make([]int, count)
				for _, s := range shard {
					if s < 0 || s >= count {
						t.Fatalf("%s seeds %d count %d: shard %d", name, seeds, count, s)
					}
					sizes[s]++
				}
				// Every run once (the groups partition the jobs), contiguous and
				// non-decreasing in group order.
				if total := sum(gs); total != n {
					t.Fatalf("%s: groups hold %d of %d runs", name, total, n)
				}
				last := 0
				for _, g := range gs {
					for _, i := range g {
						if shard[i] < last {
							t.Fatalf("%s seeds %d count %d: shards not contiguous", name, seeds, count)
						}
						last = shard[i]
						if count <= len(gs) && shard[i] != shard[g[0]] {
							t.Fatalf("%s seeds %d count %d: a pre-training group is split", name, seeds, count)
						}
					}
				}
				if count > len(gs) && slices.Max(sizes)-slices.Min(sizes) > 1 {
					t.Fatalf("%s seeds %d count %d: unbalanced %v", name, seeds, count, sizes)
				}
				if count <= len(gs) && len(gs)%count == 0 && sameSize(gs) && slices.Min(sizes) == 0 {
					t.Fatalf("%s seeds %d count %d: empty shard with equal groups %v", name, seeds, count, sizes)
				}
			}
		}
	}
}

func sum(gs [][]int) int {
	seen := map[int]bool{}
	for _, g := range gs {
		for _, i := range g {
			seen[i] = true
		}
	}
	return len(seen)
}

func sameSize(gs [][]int) bool {
	for _, g := range gs {
		if len(g) != len(gs[0]) {
			return false
		}
	}
	return true
}

func TestTaskShard(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	cases := []struct {
		name         string
		index, count int
		list         []int
		env          func(string) string
		want         Shard
		wantErr      bool
	}{
		{"nothing", -1, 0, nil, env(), Shard{}, false},
		{"flags", 2, 5, nil, env("SLURM_ARRAY_TASK_ID", "4"), Shard{2, 5}, false},
		{"slurm", -1, 0, nil, env("SLURM_ARRAY_TASK_ID", "3", "SLURM_ARRAY_TASK_COUNT", "8"), Shard{3, 8}, false},
		{"slurm with count flag", -1, 20, nil, env("SLURM_ARRAY_TASK_ID", "12", "SLURM_ARRAY_TASK_COUNT", "3"), Shard{12, 20}, false},
		{"k8s", -1, 6, nil, env("JOB_COMPLETION_INDEX", "5"), Shard{5, 6}, false},
		{"k8s without count", -1, 0, nil, env("JOB_COMPLETION_INDEX", "5"), Shard{}, true},
		{"list", -1, 20, []int{3, 7, 12}, env("JOB_COMPLETION_INDEX", "1"), Shard{7, 20}, false},
		{"list out of range", -1, 20, []int{3, 7, 12}, env("JOB_COMPLETION_INDEX", "3"), Shard{}, true},
		{"index too big", 5, 5, nil, env(), Shard{}, true},
		{"count without index", -1, 4, nil, env(), Shard{}, true},
		{"bad env", -1, 4, nil, env("SLURM_ARRAY_TASK_ID", "x"), Shard{}, true},
	}
	for _, c := range cases {
		got, src, err := TaskShard(c.index, c.count, c.list, c.env)
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("%s: got %v (%s), %v; want %v, error %v", c.name, got, src, err, c.want, c.wantErr)
		}
	}
}

func TestShardList(t *testing.T) {
	for s, want := range map[string][]int{"": nil, "3": {3}, "3,7,12-15": {3, 7, 12, 13, 14, 15}, "0-2,4": {0, 1, 2, 4}} {
		got, err := ParseShardList(s)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %v %v", s, got, err)
		}
		if back := FormatShardList(got); back != s {
			t.Errorf("format %v = %q, want %q", got, back, s)
		}
	}
	for _, bad := range []string{"x", "3-1", "-1", "1,,2", "2-x"} {
		if _, err := ParseShardList(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseShardList(f *testing.F) {
	for _, s := range []string{"3,7,12-15", "0", "1-1", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		idx, err := ParseShardList(s)
		if err != nil || len(idx) > 1000 {
			return
		}
		if !slices.IsSorted(idx) || len(slices.Compact(slices.Clone(idx))) != len(idx) {
			return // unsorted or repeated input is allowed, not canonical
		}
		back, err := ParseShardList(FormatShardList(idx))
		if err != nil || !slices.Equal(back, idx) {
			t.Fatalf("%q → %v → %q → %v %v", s, idx, FormatShardList(idx), back, err)
		}
	})
}

// TestShardsEqualWhole: a sweep run as three shards into one store gives
// bit-identical results to the sweep run whole — each shard computes the
// pre-training its runs need, and computes it identically.
func TestShardsEqualWhole(t *testing.T) {
	ctx := context.Background()
	e := tiny(t, 2)
	whole, err := Run(ctx, e, Options{Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const count = 3
	got := 0
	for i := 0; i < count; i++ {
		res, err := Run(ctx, e, Options{Jobs: 2, Store: st, Shard: Shard{i, count}})
		if err != nil {
			t.Fatal(err)
		}
		got += len(res.Runs)
	}
	if got != len(whole.Runs) {
		t.Fatalf("shards ran %d runs, the whole sweep %d", got, len(whole.Runs))
	}
	// Resuming the whole sweep from the shards' store runs nothing and
	// gives the same results.
	var progress bytes.Buffer
	merged, err := Run(ctx, e, Options{Jobs: 2, Store: st, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(progress.Bytes(), []byte(fmt.Sprintf("%d runs already stored; 0 tasks", len(whole.Runs)))) {
		t.Fatalf("resume after shards:\n%s", progress.String())
	}
	if !bytes.Equal(runsJSON(t, whole), runsJSON(t, merged)) {
		t.Fatal("results of the sharded sweep differ from the whole sweep's")
	}
}
