package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"interloop/cluster/slurm"
	"interloop/experiment"
	"interloop/store"
)

func init() { commands = append(commands, newStatusCmd) }

type statusFlags struct {
	store       string
	seeds       int
	sets        []string
	grids, zips []string
	shards      int
	wait        bool
	timeout     time.Duration
	squeue      string
}

func newStatusCmd() *cobra.Command {
	var f statusFlags
	cmd := &cobra.Command{
		Use:   "status [submission | experiment | file.yaml]",
		Short: "Show a cluster sweep's progress from the store: runs done, failed and missing, and how to re-submit the rest",
		Long: `Status reads a submission (interloop submit; by ID such as slurm-1234, by
experiment name for its latest, or the latest of all), works out every run
its sweep should store and which shard holds it, and counts what the store
has: done, failed, missing. It lists the failed and missing runs and prints
the command that re-submits only their shards; re-running a shard runs only
what its shard lacks, so nothing is stored twice.

Without a recorded submission, give the experiment (a name or file, with the
--seeds, --set, --grid and --zip it ran with) and --shards.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return status(cmd, args, &f)
		},
	}
	fl := cmd.Flags()
	storeFlag(cmd, &f.store)
	fl.IntVar(&f.seeds, "seeds", 0, "without a submission: the seeds the sweep ran with")
	fl.StringArrayVar(&f.sets, "set", nil, "without a submission: the sweep's --set (repeatable)")
	fl.StringArrayVar(&f.grids, "grid", nil, "without a submission: the sweep's --grid (repeatable)")
	fl.StringArrayVar(&f.zips, "zip", nil, "without a submission: the sweep's --zip (repeatable)")
	fl.IntVar(&f.shards, "shards", 0, "without a submission: the sweep's shard count (default: one per seed and pre-training)")
	fl.BoolVar(&f.wait, "wait", false, "wait until every run is stored or the scheduler has no task of the job left, then report")
	fl.DurationVar(&f.timeout, "timeout", 0, "with --wait, give up after this long (0: never)")
	fl.StringVar(&f.squeue, "squeue", "squeue", "the squeue program (--wait on a Slurm submission)")
	return cmd
}

// sweepStatus is what the store holds of a sweep.
type sweepStatus struct {
	plan    []experiment.PlannedRun
	status  map[string]string // run ID → done | failed
	sub     *store.Submission
	opt     submitOptions
	exp     *experiment.Experiment
	shards  int
	source  string // the experiment argument, without a submission
	storeNm string
}

func (s *sweepStatus) count() (done, failed, missing int) {
	for _, p := range s.plan {
		switch s.status[p.ID] {
		case store.StatusDone:
			done++
		case store.StatusFailed:
			failed++
		default:
			missing++
		}
	}
	return
}

func status(cmd *cobra.Command, args []string, f *statusFlags) error {
	ctx := cmd.Context()
	st, err := openStore(cmd, f.store)
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := loadSweep(ctx, st, args, f)
	if err != nil {
		return err
	}
	if f.wait {
		if err := waitSweep(ctx, cmd.ErrOrStderr(), st, s, f); err != nil {
			return err
		}
	}
	return printStatus(ctx, cmd.OutOrStdout(), st, s)
}

// loadSweep finds the sweep (a recorded submission, or the experiment on
// the command line) and reads its runs' statuses.
func loadSweep(ctx context.Context, st *store.Store, args []string, f *statusFlags) (*sweepStatus, error) {
	key := ""
	if len(args) == 1 {
		key = args[0]
	}
	s := &sweepStatus{storeNm: st.Name()}
	sub, err := st.Submission(ctx, key)
	switch {
	case err == nil:
		if len(f.sets)+len(f.grids)+len(f.zips) > 0 || f.seeds > 0 || f.shards > 0 {
			return nil, fmt.Errorf("submission %s records its sweep: give no --seeds, --set, --grid, --zip or --shards", sub.ID)
		}
		s.sub, s.shards = sub, sub.Shards
		if s.exp, err = experiment.Parse("submission "+sub.ID, []byte(sub.Spec)); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(sub.Options), &s.opt); err != nil {
			return nil, fmt.Errorf("submission %s: options: %v", sub.ID, err)
		}
	case errors.Is(err, store.ErrNoSubmission) && key != "":
		if s.exp, err = loadExperiment(key, f.sets, f.grids, f.zips); err != nil {
			return nil, fmt.Errorf("%q is neither a submission in %s nor an experiment: %v", key, st.Name(), err)
		}
		if f.seeds > 0 {
			s.exp.Seeds = f.seeds
		}
		s.shards, s.source = f.shards, key
		if s.shards == 0 {
			if s.shards, err = experiment.Groups(s.exp, 0); err != nil {
				return nil, err
			}
			s.shards = min(s.shards, 1000)
		}
	default:
		return nil, err
	}
	if s.plan, err = experiment.Plan(s.exp, 0, s.shards); err != nil {
		return nil, err
	}
	return s, refresh(ctx, st, s)
}

// refresh reads the statuses from the store and any per-shard files.
func refresh(ctx context.Context, st *store.Store, s *sweepStatus) error {
	ids := make([]string, len(s.plan))
	for i, p := range s.plan {
		ids[i] = p.ID
	}
	got, err := st.Status(ctx, ids)
	if err != nil {
		return err
	}
	if s.opt.ShardStores != "" {
		files, _ := filepath.Glob(strings.ReplaceAll(s.opt.ShardStores, "{task}", "*"))
		for _, file := range files {
			ss, err := store.Open(ctx, file)
			if err != nil {
				return err
			}
			more, err := ss.Status(ctx, ids)
			ss.Close()
			if err != nil {
				return err
			}
			for id, v := range more {
				if got[id] != store.StatusDone {
					got[id] = v
				}
			}
		}
	}
	s.status = got
	return nil
}

// waitSweep polls until every run is stored, the scheduler has no task
// of the job left (Slurm), or the timeout.
func waitSweep(ctx context.Context, w io.Writer, st *store.Store, s *sweepStatus, f *statusFlags) error {
	start := time.Now()
	last := ""
	for {
		done, failed, missing := s.count()
		line := fmt.Sprintf("%d/%d done, %d failed", done, len(s.plan), failed)
		if line != last {
			fmt.Fprintf(w, "[%s] %s\n", time.Now().Format("15:04:05"), line)
			last = line
		}
		if missing == 0 {
			return nil
		}
		if s.sub != nil && s.sub.Scheduler == "slurm" {
			n, err := slurm.Active(ctx, f.squeue, s.sub.Job)
			if err != nil {
				return err
			}
			if n == 0 {
				// Finished: one last look, the final runs may have landed.
				return refresh(ctx, st, s)
			}
		}
		if f.timeout > 0 && time.Since(start) > f.timeout {
			return fmt.Errorf("timed out after %s with %d runs missing", f.timeout, missing)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
		if err := refresh(ctx, st, s); err != nil {
			return err
		}
	}
}

func printStatus(ctx context.Context, w io.Writer, st *store.Store, s *sweepStatus) error {
	done, failed, missing := s.count()
	name := s.exp.Name
	if s.sub != nil {
		fmt.Fprintf(w, "submission %s: %s job %s, submitted %s\n", s.sub.ID, s.sub.Scheduler, s.sub.Job, s.sub.Submitted.Local().Format("2006-01-02 15:04:05"))
	}
	fmt.Fprintf(w, "experiment %s: %d runs in %d shards\n", name, len(s.plan), s.shards)
	pct := func(n int) float64 { return 100 * float64(n) / float64(max(len(s.plan), 1)) }
	fmt.Fprintf(w, "  done     %5d  %5.1f%%\n  failed   %5d  %5.1f%%\n  missing  %5d  %5.1f%%\n", done, pct(done), failed, pct(failed), missing, pct(missing))
	var redo []int
	const show = 20
	if failed > 0 {
		fmt.Fprintln(w, "failed runs:")
		n := 0
		for _, p := range s.plan {
			if s.status[p.ID] != store.StatusFailed {
				continue
			}
			redo = append(redo, p.Shard)
			if n++; n > show {
				continue
			}
			msg := ""
			if r, err := st.Get(ctx, p.ID); err == nil {
				msg = oneLine(r.Error, 80)
			}
			fmt.Fprintf(w, "  %s  %s seed %d  shard %d: %s\n", p.ID, p.Arm, p.Seed, p.Shard, msg)
		}
		if n > show {
			fmt.Fprintf(w, "  … and %d more\n", n-show)
		}
	}
	if missing > 0 {
		fmt.Fprintln(w, "missing runs:")
		n := 0
		for _, p := range s.plan {
			if _, ok := s.status[p.ID]; ok {
				continue
			}
			redo = append(redo, p.Shard)
			if n++; n <= show {
				fmt.Fprintf(w, "  %s  %s seed %d  shard %d\n", p.ID, p.Arm, p.Seed, p.Shard)
			}
		}
		if n > show {
			fmt.Fprintf(w, "  … and %d more\n", n-show)
		}
	}
	storeArg := "--store " + s.storeNm
	if len(redo) == 0 {
		fmt.Fprintf(w, "every run is stored.\n")
		if s.opt.ShardStores != "" {
			fmt.Fprintf(w, "gather the shards' files: interloop merge %s %s\n", storeArg, strings.ReplaceAll(s.opt.ShardStores, "{task}", "*"))
		}
		if s.opt.Dir != "" {
			fmt.Fprintf(w, "the table and findings: interloop run %s %s\n", filepath.Join(s.opt.Dir, "experiment.yaml"), storeArg)
		}
		return nil
	}
	slices.Sort(redo)
	redo = slices.Compact(redo)
	list := experiment.FormatShardList(redo)
	fmt.Fprintf(w, "shards to run again: %s (%d of %d)\n", list, len(redo), s.shards)
	retry := ""
	if failed > 0 {
		retry = " --retry-failed"
	}
	switch {
	case s.sub != nil && s.sub.Scheduler == "k8s":
		fmt.Fprintf(w, "re-submit them: interloop submit k8s --from %s --only %s%s %s --apply\n", s.sub.ID, list, retry, storeArg)
	case s.sub != nil:
		fmt.Fprintf(w, "re-submit them: interloop submit slurm --from %s --only %s%s %s\n", s.sub.ID, list, retry, storeArg)
	default:
		fmt.Fprintf(w, "run them again: for i in %s; do interloop run %s --shard-count %d --shard-index $i%s %s; done\n",
			strings.Trim(fmt.Sprint(redo), "[]"), s.source, s.shards, retry, storeArg)
	}
	return nil
}
