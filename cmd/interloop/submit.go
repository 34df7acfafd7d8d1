package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"interloop/cluster/slurm"
	"interloop/experiment"
	"interloop/store"
)

func init() { commands = append(commands, newSubmitCmd) }

// submitOptions are a submission's settings, recorded with it so that
// `submit --from` can submit some of its shards again.
type submitOptions struct {
	Store       string `json:"store"`                  // the results store (a postgres:// URL, without credentials)
	ShardStores string `json:"shard_stores,omitempty"` // per-shard SQLite files, {task} the shard (no shared database)
	Out         string `json:"out"`                    // the results directory (shared filesystem)
	Dir         string `json:"dir"`                    // the submission's directory: experiment.yaml, the job, logs
	Jobs        int    `json:"jobs"`                   // runs at once in one task
	Checkpoints bool   `json:"checkpoints,omitempty"`

	// Slurm.
	Partition   string   `json:"partition,omitempty"`
	Time        string   `json:"time,omitempty"`
	Mem         string   `json:"mem,omitempty"`
	CPUs        int      `json:"cpus_per_task,omitempty"`
	Concurrency int      `json:"concurrency,omitempty"`
	Binary      string   `json:"binary,omitempty"`
	SbatchArgs  []string `json:"sbatch_args,omitempty"`
	Export      []string `json:"export,omitempty"`

	// Kubernetes.
	Image       string `json:"image,omitempty"`
	Namespace   string `json:"namespace,omitempty"`
	CPU         string `json:"cpu,omitempty"`
	Memory      string `json:"memory,omitempty"`
	StoreSecret string `json:"store_secret,omitempty"`
	Parallelism int    `json:"parallelism,omitempty"`
	Retries     int    `json:"retries,omitempty"`
}

// submitFlags are the command line of `submit slurm` and `submit k8s`.
type submitFlags struct {
	seeds       int
	sets        []string
	grids, zips []string
	shards      int
	from        string
	only        string
	retryFailed bool
	store       string
	opt         submitOptions
}

func newSubmitCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "submit",
		Short: "Run a sweep on a cluster: a Slurm job array or a Kubernetes Indexed Job, one shard per task",
		Long: `Submit splits a sweep into shards (interloop run --shard-count N), writes the
scheduler's job for them — an sbatch array script, or an Indexed Job
manifest — and hands it to the scheduler. Every task runs one shard and
stores each run as it finishes; interloop status shows progress from the
store and prints the command that re-submits only the shards with missing
or failed runs. See docs/cluster.md.`,
	}
	cmd.AddCommand(newSubmitSlurmCmd(), newSubmitK8sCmd())
	return cmd
}

// addSubmitFlags adds the flags both schedulers share.
func addSubmitFlags(cmd *cobra.Command, f *submitFlags) {
	fl := cmd.Flags()
	fl.IntVar(&f.seeds, "seeds", 0, "number of seeds (0: the experiment's own)")
	fl.StringArrayVar(&f.sets, "set", nil, "override a config field for every arm (repeatable)")
	fl.StringArrayVar(&f.grids, "grid", nil, "sweep a config path over values, every combination (repeatable)")
	fl.StringArrayVar(&f.zips, "zip", nil, "sweep config paths side by side (repeatable)")
	fl.IntVar(&f.shards, "shards", 0, "number of shards, one per task (default: one per seed and pre-training, at most 1000)")
	fl.StringVar(&f.from, "from", "", "submit again the sweep of this recorded submission (its ID, e.g. slurm-1234), with its settings")
	fl.StringVar(&f.only, "only", "", "submit only these shards, e.g. 3,7,12-15 (what interloop status prints)")
	fl.BoolVar(&f.retryFailed, "retry-failed", false, "rerun runs stored as failed")
	fl.StringVar(&f.store, "store", "", "results store: a postgres:// URL every task reaches (default for slurm: one SQLite file per shard, then interloop merge)")
	fl.StringVar(&f.opt.Out, "out", "interloop-results", "results directory, on a filesystem the tasks share (Slurm): the script, logs and per-shard stores go to <out>/submissions/")
	fl.IntVar(&f.opt.Jobs, "jobs", 0, "runs at once in one task (default: its CPUs)")
	fl.BoolVar(&f.opt.Checkpoints, "checkpoints", false, "save every run's network and detectors to <out>/checkpoints/")
}

// sweep is a prepared submission: the frozen experiment and its shards.
type sweep struct {
	exp    *experiment.Experiment // seeds resolved
	spec   string                 // exp as an experiment file
	shards int
	runs   int
	only   []int // nil: every shard
	name   string
	id     string // <experiment>-<time>, names files and jobs
	dir    string // <out>/submissions/<id>, absolute
	from   *store.Submission
}

// prepareSweep resolves the experiment (or the recorded submission of
// --from) and freezes it into the file every task reads.
func prepareSweep(cmd *cobra.Command, args []string, f *submitFlags, scheduler string) (*sweep, error) {
	sw := &sweep{}
	var e *experiment.Experiment
	if f.from != "" {
		if len(args) > 0 || len(f.sets)+len(f.grids)+len(f.zips) > 0 || f.seeds > 0 || f.shards > 0 {
			return nil, fmt.Errorf("--from takes the experiment, seeds and shards from the submission: give no experiment, --set, --grid, --zip, --seeds or --shards")
		}
		st, err := openStore(cmd, f.storeFor())
		if err != nil {
			return nil, err
		}
		sub, err := st.Submission(cmd.Context(), f.from)
		st.Close()
		if err != nil {
			return nil, err
		}
		if sub.Scheduler != scheduler {
			return nil, fmt.Errorf("submission %s ran on %s, not %s", sub.ID, sub.Scheduler, scheduler)
		}
		if e, err = experiment.Parse("submission "+sub.ID, []byte(sub.Spec)); err != nil {
			return nil, err
		}
		var old submitOptions
		if err := json.Unmarshal([]byte(sub.Options), &old); err != nil {
			return nil, fmt.Errorf("submission %s: options: %v", sub.ID, err)
		}
		f.opt = mergeOptions(cmd, old, f.opt)
		sw.from, sw.shards = sub, sub.Shards
	} else {
		name := "default"
		if len(args) == 1 {
			name = args[0]
		}
		var err error
		if e, err = loadExperiment(name, f.sets, f.grids, f.zips); err != nil {
			return nil, err
		}
	}
	if f.seeds > 0 {
		e.Seeds = f.seeds
	}
	// Freeze: the tasks read this file, so later edits of the original
	// cannot change what a shard holds. It must give the same runs.
	spec, err := e.YAML(false)
	if err != nil {
		return nil, err
	}
	frozen, err := experiment.Parse("frozen "+e.Name, spec)
	if err != nil {
		return nil, fmt.Errorf("experiment %s does not survive freezing to a file: %v", e.Name, err)
	}
	want, err := experiment.Plan(e, 0, 1)
	if err != nil {
		return nil, err
	}
	got, err := experiment.Plan(frozen, 0, 1)
	if err != nil || len(got) != len(want) {
		return nil, fmt.Errorf("experiment %s does not survive freezing to a file (%v)", e.Name, err)
	}
	for i := range want {
		if got[i].ID != want[i].ID {
			return nil, fmt.Errorf("experiment %s: run %s changes identity when written to a file", e.Name, want[i].Arm)
		}
	}
	sw.exp, sw.spec, sw.runs, sw.name = frozen, string(spec), len(want), e.Name
	if sw.shards == 0 {
		sw.shards = f.shards
	}
	if sw.shards == 0 {
		g, err := experiment.Groups(frozen, 0)
		if err != nil {
			return nil, err
		}
		sw.shards = min(g, 1000)
	}
	if sw.shards < 1 || sw.shards > sw.runs {
		return nil, fmt.Errorf("--shards %d: want 1 to %d (the sweep's runs)", sw.shards, sw.runs)
	}
	if sw.only, err = experiment.ParseShardList(f.only); err != nil {
		return nil, err
	}
	if sw.only != nil {
		slices.Sort(sw.only)
		sw.only = slices.Compact(sw.only)
		if sw.only[len(sw.only)-1] >= sw.shards {
			return nil, fmt.Errorf("--only %s: the sweep has shards 0 to %d", f.only, sw.shards-1)
		}
	}
	out, err := filepath.Abs(f.opt.Out)
	if err != nil {
		return nil, err
	}
	f.opt.Out = out
	if err := os.MkdirAll(filepath.Join(out, "submissions"), 0o755); err != nil {
		return nil, err
	}
	// A directory of its own, even for two submissions in one second.
	base := submitName(sw.name) + "-" + time.Now().Format("20060102-150405")
	for n := 1; ; n++ {
		sw.id = base
		if n > 1 {
			sw.id = fmt.Sprintf("%s-%d", base, n)
		}
		sw.dir = filepath.Join(out, "submissions", sw.id)
		err := os.Mkdir(sw.dir, 0o755)
		if err == nil {
			break
		}
		if !os.IsExist(err) {
			return nil, err
		}
	}
	f.opt.Dir = sw.dir
	if err := os.WriteFile(filepath.Join(sw.dir, "experiment.yaml"), spec, 0o644); err != nil {
		return nil, err
	}
	return sw, nil
}

// storeFor is --store, or for Slurm without one the local store that
// records the submission (the shards write files of their own).
func (f *submitFlags) storeFor() string {
	if f.store != "" {
		return f.store
	}
	return filepath.Join(f.opt.Out, "results.db")
}

// mergeOptions keeps a recorded submission's settings except those given
// again on the command line.
func mergeOptions(cmd *cobra.Command, old, now submitOptions) submitOptions {
	out := old
	set := func(flag string, apply func()) {
		if cmd.Flags().Changed(flag) {
			apply()
		}
	}
	set("out", func() { out.Out = now.Out })
	set("jobs", func() { out.Jobs = now.Jobs })
	set("checkpoints", func() { out.Checkpoints = now.Checkpoints })
	set("partition", func() { out.Partition = now.Partition })
	set("time", func() { out.Time = now.Time })
	set("mem", func() { out.Mem = now.Mem })
	set("cpus-per-task", func() { out.CPUs = now.CPUs })
	set("concurrency", func() { out.Concurrency = now.Concurrency })
	set("binary", func() { out.Binary = now.Binary })
	set("sbatch-arg", func() { out.SbatchArgs = now.SbatchArgs })
	set("export", func() { out.Export = now.Export })
	set("image", func() { out.Image = now.Image })
	set("namespace", func() { out.Namespace = now.Namespace })
	set("cpu", func() { out.CPU = now.CPU })
	set("memory", func() { out.Memory = now.Memory })
	set("store-secret", func() { out.StoreSecret = now.StoreSecret })
	set("parallelism", func() { out.Parallelism = now.Parallelism })
	set("retries", func() { out.Retries = now.Retries })
	return out
}

// submitName keeps letters, digits, '-' and '_' of an experiment's name.
func submitName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '-'
		}
	}
	return string(b)
}

func newSubmitSlurmCmd() *cobra.Command {
	var f submitFlags
	var sbatch string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "slurm [experiment | file.yaml]",
		Short: "Submit a sweep as a Slurm job array (sbatch --array=0-N%K), one shard per task",
		Long: `Slurm writes <out>/submissions/<experiment>-<time>/job.sbatch, an array job
whose task i runs shard i of the sweep (interloop run --shard-count N, which
reads SLURM_ARRAY_TASK_ID), at most --concurrency at once, and submits it
with sbatch. With a postgres:// --store every task writes to it; without one
each task writes its own SQLite file under the submission's directory, and
interloop merge gathers them. interloop status <submission> follows it.

The interloop binary, --out and the experiment file must be on a filesystem
the compute nodes share.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return submitSlurm(cmd, args, &f, sbatch, dryRun)
		},
	}
	addSubmitFlags(cmd, &f)
	fl := cmd.Flags()
	fl.StringVar(&f.opt.Partition, "partition", "", "Slurm partition (default: the cluster's)")
	fl.IntVar(&f.opt.Concurrency, "concurrency", 0, "at most this many tasks at once (--array=…%K; 0: no limit)")
	fl.IntVar(&f.opt.CPUs, "cpus-per-task", 1, "CPUs per task; the task runs that many runs at once")
	fl.StringVar(&f.opt.Time, "time", "", "time limit per task (sbatch --time)")
	fl.StringVar(&f.opt.Mem, "mem", "", "memory per task (sbatch --mem)")
	fl.StringVar(&f.opt.Binary, "binary", "", "the interloop binary the tasks run (default: this one)")
	fl.StringArrayVar(&f.opt.SbatchArgs, "sbatch-arg", nil, "a further sbatch option for the script, e.g. --sbatch-arg=--account=lab (repeatable)")
	fl.StringArrayVar(&f.opt.Export, "export", nil, "NAME=VALUE exported in the script before interloop runs (repeatable)")
	fl.StringVar(&sbatch, "sbatch", "sbatch", "the sbatch program")
	fl.BoolVar(&dryRun, "dry-run", false, "write the script and print it, without submitting")
	return cmd
}

func submitSlurm(cmd *cobra.Command, args []string, f *submitFlags, sbatch string, dryRun bool) error {
	ctx := cmd.Context()
	if f.store != "" && !store.IsURL(f.store) && f.from == "" {
		return fmt.Errorf("--store %s: tasks on many nodes need a postgres:// store; leave --store out to give each shard its own SQLite file", f.store)
	}
	sw, err := prepareSweep(cmd, args, f, "slurm")
	if err != nil {
		return err
	}
	o := &f.opt
	if o.Binary == "" {
		if o.Binary, err = os.Executable(); err != nil {
			return err
		}
		if strings.Contains(o.Binary, string(filepath.Separator)+"go-build") {
			return fmt.Errorf("this interloop is a temporary build (go run): build one the nodes can run, go build -o interloop ./cmd/interloop, and submit with it (or give --binary)")
		}
	}
	if o.Binary, err = filepath.Abs(o.Binary); err != nil {
		return err
	}
	jobs := o.Jobs
	if jobs <= 0 {
		jobs = max(o.CPUs, 1)
	}
	target := f.store
	switch {
	case store.IsURL(f.store):
	case o.ShardStores != "":
		// Submitted again: each shard resumes from its own file.
		target = o.ShardStores
	default:
		o.ShardStores = filepath.Join(sw.dir, "shards", "shard-{task}.db")
		if err := os.MkdirAll(filepath.Dir(o.ShardStores), 0o755); err != nil {
			return err
		}
		target = o.ShardStores
	}
	run := []string{o.Binary, "run", filepath.Join(sw.dir, "experiment.yaml"), "--shard-count", strconv.Itoa(sw.shards),
		"--jobs", strconv.Itoa(jobs), "--out", o.Out, "--store", target}
	if f.retryFailed {
		run = append(run, "--retry-failed")
	}
	if o.Checkpoints {
		run = append(run, "--checkpoints")
	}
	logs := filepath.Join(sw.dir, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return err
	}
	job := slurm.Job{Name: "interloop-" + submitName(sw.name), Shards: sw.shards, Indexes: sw.only, Concurrency: o.Concurrency,
		Partition: o.Partition, Time: o.Time, Mem: o.Mem, CPUsPerTask: o.CPUs, Output: filepath.Join(logs, "%x-%A_%a.out"),
		Dir: o.Out, Extra: o.SbatchArgs, Env: o.Export, Command: run}
	script, err := job.Script()
	if err != nil {
		return err
	}
	path := filepath.Join(sw.dir, "job.sbatch")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	if dryRun {
		fmt.Fprintf(w, "%s# written to %s; submit with: sbatch %s\n", script, path, path)
		return nil
	}
	// Record the submission where its progress will be read: the shared
	// store, or the local one that merge fills.
	recordIn := f.storeFor()
	st, err := store.Open(ctx, recordIn)
	if err != nil {
		return err
	}
	defer st.Close()
	id, err := slurm.Submit(ctx, sbatch, path)
	if err != nil {
		return err
	}
	o.Store = st.Name()
	optJSON, _ := json.Marshal(o)
	sub := store.Submission{ID: "slurm-" + id, Experiment: sw.name, Scheduler: "slurm", Job: id, Shards: sw.shards,
		Spec: sw.spec, Options: string(optJSON)}
	if err := st.PutSubmission(ctx, sub); err != nil {
		return fmt.Errorf("slurm job %s submitted, but recording it failed: %w", id, err)
	}
	what := fmt.Sprintf("%d runs in %d shards", sw.runs, sw.shards)
	if sw.only != nil {
		what = fmt.Sprintf("shards %s of %d (%d runs in all)", experiment.FormatShardList(sw.only), sw.shards, sw.runs)
	}
	fmt.Fprintf(w, "submitted slurm job %s: %s, %s (--array=%s)\nscript: %s\nlogs:   %s\nfollow: interloop status %s --store %s\n",
		id, sw.name, what, job.Array(), path, logs, sub.ID, st.Name())
	if o.ShardStores != "" {
		fmt.Fprintf(w, "gather: interloop merge --store %s %s\n", st.Name(), strings.ReplaceAll(o.ShardStores, "{task}", "*"))
	}
	return nil
}
