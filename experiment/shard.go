package experiment

// Sharding splits a sweep's runs into Count deterministic slices so that a
// cluster's array tasks (Slurm job arrays, Kubernetes Indexed Jobs) each
// run one slice, and the union of the slices is exactly the sweep, each
// run once.
//
// The slices follow the pre-training. Every run of one seed with equal
// pre-training settings starts from one pre-trained network (the paired
// design); a shard computes the pre-training its runs need — pre-training
// is deterministic, so shards that split one seed's runs compute the same
// network. To compute each pre-training as few times as possible, the runs
// are ordered seed by seed, and within a seed by pre-training group (in
// the order the arms first need them), then by arm, and cut into
// contiguous blocks:
//
//   - with at most as many shards as groups, blocks end at group
//     boundaries: a group's runs go to the shard where the group's middle
//     falls, so no pre-training is computed twice (some shards may be
//     empty when groups differ in size);
//   - with more shards than groups, the order is cut into Count blocks of
//     ⌊n/Count⌋ or ⌈n/Count⌉ runs, and a pre-training is computed at most
//     once per shard that holds one of its runs.
//
// The assignment depends only on the expanded experiment (its arms,
// configs and seeds) and Count, so every task of an array computes the
// same one; `interloop status` computes it too, to say which shards hold
// missing runs.

import (
	"fmt"
	"interloop/internal/shardlist"
	"strconv"
	"strings"
)

// Shard is one slice of a sweep: Index in [0, Count). The zero value is the
// whole sweep.
type Shard struct {
	Index, Count int
}

// Whole reports whether s is the whole sweep.
func (s Shard) Whole() bool { return s.Count <= 1 }

// String is "I/N", or "" for the whole sweep.
func (s Shard) String() string {
	if s.Whole() {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// Validate checks 0 ≤ Index < Count (or the zero value).
func (s Shard) Validate() error {
	if s.Count == 0 && s.Index == 0 {
		return nil
	}
	if s.Count < 1 {
		return fmt.Errorf("shard count %d: must be ≥ 1", s.Count)
	}
	if s.Index < 0 || s.Index >= s.Count {
		return fmt.Errorf("shard index %d out of range [0, %d)", s.Index, s.Count)
	}
	return nil
}

// PlannedRun is one run of a sweep with the shard it belongs to.
type PlannedRun struct {
	Arm   string // the expanded arm's name
	Seed  int
	ID    string // RunID
	Shard int    // in [0, count)
}

// Plan lists every run of e (after expanding its sweep; seeds > 0
// overrides its seed count), in arm order then seed, with the shard each
// belongs to among count shards.
func Plan(e *Experiment, seeds, count int) ([]PlannedRun, error) {
	if count < 1 {
		return nil, fmt.Errorf("shard count %d: must be ≥ 1", count)
	}
	x, jobs, err := expandJobs(e, seeds)
	if err != nil {
		return nil, err
	}
	shard := assign(x, jobs, count)
	out := make([]PlannedRun, len(jobs))
	for i, j := range jobs {
		out[i] = PlannedRun{Arm: x.Arms[j.arm].Name, Seed: j.seed, ID: j.id, Shard: shard[i]}
	}
	return out, nil
}

// Groups is the number of pre-training groups of e's runs: distinct
// (seed, pre-training settings) pairs, the natural shard count.
func Groups(e *Experiment, seeds int) (int, error) {
	x, jobs, err := expandJobs(e, seeds)
	if err != nil {
		return 0, err
	}
	return len(groups(x, jobs)), nil
}

// expandJobs expands e's sweep and lists its runs, arm-major.
func expandJobs(e *Experiment, seeds int) (*Experiment, []job, error) {
	x, err := e.Expand()
	if err != nil {
		return nil, nil, err
	}
	if seeds > 0 {
		x.Seeds = seeds
	}
	if err := x.Validate(); err != nil {
		return nil, nil, err
	}
	jobs := make([]job, 0, len(x.Arms)*x.Seeds)
	for ai, a := range x.Arms {
		for s := 0; s < x.Seeds; s++ {
			jobs = append(jobs, job{arm: ai, seed: s, id: RunID(a.Config, s)})
		}
	}
	return x, jobs, nil
}

// groups returns the jobs' indexes grouped by pre-training, groups in
// shard order (seed, then first need), each in arm order.
func groups(x *Experiment, jobs []job) [][]int {
	keys := make([]string, len(x.Arms))
	for ai, a := range x.Arms {
		keys[ai] = a.Config.pretrainKey()
	}
	type gk struct {
		seed int
		key  string
	}
	index := map[gk]int{}
	var out [][]int
	// Arm-major jobs: visit seed-major to order groups by seed, then arm.
	bySeed := map[int][]int{}
	maxSeed := -1
	for i, j := range jobs {
		bySeed[j.seed] = append(bySeed[j.seed], i)
		maxSeed = max(maxSeed, j.seed)
	}
	for s := 0; s <= maxSeed; s++ {
		for _, i := range bySeed[s] {
			k := gk{s, keys[jobs[i].arm]}
			g, ok := index[k]
			if !ok {
				g = len(out)
				index[k] = g
				out = append(out, nil)
			}
			out[g] = append(out[g], i)
		}
	}
	return out
}

// assign returns each job's shard among count (see the comment at the top
// of this file).
func assign(x *Experiment, jobs []job, count int) []int {
	shard := make([]int, len(jobs))
	gs := groups(x, jobs)
	n := len(jobs)
	if n == 0 {
		return shard
	}
	pos := 0
	for _, g := range gs {
		for k, i := range g {
			if count <= len(gs) {
				// The shard where the group's middle falls.
				shard[i] = (2*pos + len(g)) * count / (2 * n)
			} else {
				shard[i] = (pos + k) * count / n
			}
		}
		pos += len(g)
	}
	return shard
}

// TaskShard resolves a task's shard from the command line and the
// scheduler's environment (getenv). index < 0 and count ≤ 0 mean unset
// flags. The index comes from the flag, else SLURM_ARRAY_TASK_ID (Slurm
// job arrays), else JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs); the
// count from the flag, else SLURM_ARRAY_TASK_COUNT alongside
// SLURM_ARRAY_TASK_ID. With list (a re-submission of some shards only),
// the task index picks an entry of list as the shard index. source
// describes where the index came from ("" for the whole sweep).
func TaskShard(index, count int, list []int, getenv func(string) string) (s Shard, source string, err error) {
	source = "--shard-index"
	if index < 0 {
		for _, v := range []string{"SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"} {
			if e := strings.TrimSpace(getenv(v)); e != "" {
				i, err := strconv.Atoi(e)
				if err != nil || i < 0 {
					return Shard{}, "", fmt.Errorf("%s=%q: want a task index ≥ 0", v, e)
				}
				index, source = i, v
				break
			}
		}
	}
	if count <= 0 && source == "SLURM_ARRAY_TASK_ID" {
		if e := strings.TrimSpace(getenv("SLURM_ARRAY_TASK_COUNT")); e != "" {
			c, err := strconv.Atoi(e)
			if err != nil || c < 1 {
				return Shard{}, "", fmt.Errorf("SLURM_ARRAY_TASK_COUNT=%q: want a count ≥ 1", e)
			}
			count = c
		}
	}
	switch {
	case index < 0 && count <= 0 && len(list) == 0:
		return Shard{}, "", nil // the whole sweep
	case index < 0:
		return Shard{}, "", fmt.Errorf("--shard-count or --shard-list without a task index: give --shard-index, or run as a Slurm array task or a Kubernetes Indexed Job")
	case count <= 0:
		return Shard{}, "", fmt.Errorf("task index %d (%s) without a shard count: give --shard-count", index, source)
	}
	if len(list) > 0 {
		if index >= len(list) {
			return Shard{}, "", fmt.Errorf("task index %d (%s) out of range of --shard-list (%d shards)", index, source, len(list))
		}
		index, source = list[index], fmt.Sprintf("entry %d of --shard-list, from %s", index, source)
	}
	s = Shard{Index: index, Count: count}
	if err := s.Validate(); err != nil {
		return Shard{}, "", fmt.Errorf("%v (index from %s)", err, source)
	}
	return s, source, nil
}

// ParseShardList reads "3,7,12-15" into [3 7 12 13 14 15] (Slurm's
// --array syntax, shared with the cluster submitters).
func ParseShardList(s string) ([]int, error) { return shardlist.Parse(s) }

// FormatShardList writes sorted indexes compactly: [3 7 12 13 14 15] is
// "3,7,12-15".
func FormatShardList(idx []int) string { return shardlist.Format(idx) }
