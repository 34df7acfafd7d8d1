package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"interloop/experiment"
	"interloop/report/term"
	"interloop/store"
)

// customRun is an experiment that is not a vault experiment (e.g. the
// transformer track's "lm"): `interloop run NAME` hands it the common
// options. Register one from an init function in its own file:
//
//	func init() { customRuns["lm"] = customRun{Description: "...", Run: runLM} }
type customRun struct {
	// Description is the one line `interloop list` shows.
	Description string
	// Run runs it, writing its report to w; it must stop soon after ctx is
	// cancelled (Ctrl-C).
	Run func(ctx context.Context, w io.Writer, opt customOptions) error
}

// customOptions are the `interloop run` flags a custom experiment gets.
type customOptions struct {
	Seeds, Jobs int      // 0: the experiment's own / one per core
	Sets        []string // --set path=value overrides, in order
	Out, Store  string   // results directory; results database path
	Quiet       bool     // no progress output
}

// customRuns are the custom experiments by name.
var customRuns = map[string]customRun{}

// runFlags are the flags `run` shares with other commands.
type runFlags struct {
	seeds, jobs int
	sets        []string
	grids, zips []string
	out, store  string
	quiet       bool
	checkpoints bool
	retryFailed bool
	// The shard flags (see experiment.TaskShard): -1, 0, "" when unset.
	shardIndex, shardCount int
	shardList              string
}

// storePath is --store (a path or a postgres:// URL), or results.db in --out.
func (f *runFlags) storePath() string {
	if f.store != "" {
		return f.store
	}
	return filepath.Join(f.out, "results.db")
}

func newRunCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run [experiment | file.yaml]",
		Short: "Run an experiment (default: the default experiment), resuming from the results store",
		Long: `Run trains every arm of an experiment (after expanding its sweep) over seeds,
audits each run, stores each finished run in the results database as it
finishes, prints a table (mean ± 95% CI over seeds, outcome counts per arm)
and a findings section computed from the numbers, and writes per-run results
and curves to --out/<experiment>/ (runs.jsonl, curves.csv, summary.csv,
findings.txt).

Runs already in the store (same config and seed) are not run again, so
rerunning after Ctrl-C or a crash resumes where it stopped. The experiment is
a built-in name (interloop list) or a YAML file (interloop config show
default > my.yaml). Sweeps: --grid path=v1,v2 (every combination) and
--zip path=v1,v2 (side by side), over any config path.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := "default"
			if len(args) == 1 {
				name = args[0]
			}
			if f.seeds < 0 {
				return fmt.Errorf("--seeds %d: must be ≥ 1 (0: the experiment's own)", f.seeds)
			}
			if f.jobs < 0 {
				return fmt.Errorf("--jobs %d: must be ≥ 1 (0 = one per core)", f.jobs)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if c, ok := customRuns[name]; ok {
				if len(f.grids)+len(f.zips) > 0 || f.checkpoints || f.retryFailed || f.shardIndex >= 0 || f.shardCount > 0 || f.shardList != "" {
					return fmt.Errorf("experiment %s: --grid, --zip, --checkpoints, --retry-failed and the shard flags apply to vault experiments only", name)
				}
				return c.Run(ctx, cmd.OutOrStdout(), customOptions{Seeds: f.seeds, Jobs: f.jobs, Sets: f.sets,
					Out: f.out, Store: f.storePath(), Quiet: f.quiet})
			}
			return runExperiment(ctx, cmd, name, &f)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.seeds, "seeds", 0, "number of seeds (0: the experiment's own)")
	fl.IntVar(&f.jobs, "jobs", 0, "runs in parallel (0: one per core)")
	fl.StringArrayVar(&f.sets, "set", nil, "override a config field for every arm, e.g. --set rl.steps=200 (repeatable)")
	fl.StringArrayVar(&f.grids, "grid", nil, "sweep a config path over values, every combination: --grid arm.lambda=0.3,1,3 (repeatable)")
	fl.StringArrayVar(&f.zips, "zip", nil, "sweep config paths side by side: --zip rl.steps=100,200 --zip rl.lr=1e-3,3e-4 (repeatable)")
	fl.StringVar(&f.out, "out", "interloop-results", "results directory")
	fl.StringVar(&f.store, "store", "", "results database (default: <out>/results.db)")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress output")
	fl.BoolVar(&f.checkpoints, "checkpoints", false, "save every run's trained network and detectors to <out>/checkpoints/RUN_ID.safetensors")
	fl.BoolVar(&f.retryFailed, "retry-failed", false, "rerun runs stored as failed instead of keeping them")
	fl.IntVar(&f.shardIndex, "shard-index", -1, "run only this shard of the sweep, in [0, --shard-count) (default: $SLURM_ARRAY_TASK_ID or $JOB_COMPLETION_INDEX when set)")
	fl.IntVar(&f.shardCount, "shard-count", 0, "split the sweep into this many deterministic shards (default: $SLURM_ARRAY_TASK_COUNT in a Slurm array)")
	fl.StringVar(&f.shardList, "shard-list", "", "re-run only these shards, e.g. 3,7,12-15: the task index picks an entry (for re-submissions)")
	return cmd
}

func runExperiment(ctx context.Context, cmd *cobra.Command, name string, f *runFlags) error {
	e, err := loadExperiment(name, f.sets, f.grids, f.zips)
	if err != nil {
		return err
	}
	x, err := e.Expand()
	if err != nil {
		return err
	}
	if f.seeds > 0 {
		x.Seeds = f.seeds
	}
	if err := x.Validate(); err != nil {
		return err
	}
	shard, err := taskShard(cmd, f)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, f.storePath())
	if err != nil {
		return err
	}
	defer st.Close()
	release, err := st.LockRuns(ctx, x.Name, shard.String())
	if err != nil {
		return err
	}
	defer release()

	opt := experiment.Options{Seeds: f.seeds, Jobs: f.jobs, Store: st, RetryFailed: f.retryFailed, Shard: shard}
	if f.checkpoints {
		opt.Checkpoints = filepath.Join(f.out, "checkpoints")
		if err := os.MkdirAll(opt.Checkpoints, 0o755); err != nil {
			return err
		}
	}
	var bars *barObserver
	if !f.quiet {
		if isTerminal(cmd.ErrOrStderr()) {
			bars = newBarObserver(cmd.ErrOrStderr())
			opt.Observer = bars
		} else {
			opt.Progress = cmd.ErrOrStderr()
		}
	}
	res, err := experiment.Run(ctx, e, opt)
	if bars != nil {
		bars.Wait()
	}
	if err != nil {
		var ie *experiment.InterruptedError
		if errors.As(err, &ie) {
			return fmt.Errorf("%v (store: %s)", err, st.Name())
		}
		return err
	}
	w := cmd.OutOrStdout()
	failed := 0
	for _, r := range res.Runs {
		if r.Err != "" {
			failed++
		}
	}
	if !shard.Whole() {
		// One slice says nothing about the sweep: `interloop run` without
		// the shard flags prints the table once every shard is stored.
		fmt.Fprintf(w, "%s shard %s: %d runs (%d failed) in %.1fs; store: %s\n", x.Name, shard, len(res.Runs), failed, res.Wall.Seconds(), st.Name())
		return nil
	}
	s := experiment.Summarize(res)
	findings := experiment.Findings(s)
	fmt.Fprintf(w, "\n%s: %s\n%d arms × %d seeds = %d runs (%d failed) in %.1fs\n\n", x.Name, x.Description,
		len(x.Arms), res.Seeds, len(res.Runs), failed, res.Wall.Seconds())
	term.SummaryTable(s).Render(w)
	fmt.Fprintln(w, "\nWhat this shows (every number computed from the runs above):")
	for _, fd := range findings {
		fmt.Fprintf(w, "\n- %s\n", fd)
	}
	dir := filepath.Join(f.out, x.Name)
	if err := experiment.WriteDir(dir, res, s, findings); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nresults: %s\nstore:   %s (interloop ls %s; interloop export)\n", dir, st.Name(), x.Name)
	return nil
}

// loadExperiment reads an experiment and applies the command line's
// overrides and sweep axes.
func loadExperiment(name string, sets, grids, zips []string) (*experiment.Experiment, error) {
	e, err := experiment.Load(name)
	if err != nil {
		return nil, err
	}
	if err := e.Override(sets); err != nil {
		return nil, err
	}
	for _, g := range grids {
		if err := e.AddAxis(g, false); err != nil {
			return nil, err
		}
	}
	for _, z := range zips {
		if err := e.AddAxis(z, true); err != nil {
			return nil, err
		}
	}
	return e, nil
}
