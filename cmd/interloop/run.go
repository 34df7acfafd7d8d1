package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/spf13/cobra"

	"interloop/experiment"
)

func newRunCmd() *cobra.Command {
	var (
		seeds int
		jobs  int
		sets  []string
		out   string
		quiet bool
	)
	cmd := &cobra.Command{
		Use:   "run [experiment]",
		Short: "Run an experiment (default: the default experiment) and print its table and findings",
		Long: `Run trains every arm of an experiment over seeds, audits each run, prints a
table (mean ± 95% CI over seeds, outcome counts per arm) and a findings
section computed from the numbers, and writes all per-run results and curves
to --out/<experiment>/ (runs.jsonl, curves.csv, summary.csv, findings.txt).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := "default"
			if len(args) == 1 {
				name = args[0]
			}
			e, err := experiment.Lookup(name)
			if err != nil {
				return err
			}
			if seeds < 0 {
				return fmt.Errorf("--seeds %d: must be ≥ 1", seeds)
			}
			if jobs < 0 {
				return fmt.Errorf("--jobs %d: must be ≥ 1 (0 = one per core)", jobs)
			}
			if err := e.Override(sets); err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			opt := experiment.Options{Seeds: seeds, Jobs: jobs}
			if !quiet {
				opt.Progress = cmd.ErrOrStderr()
			}
			res, err := experiment.Run(ctx, e, opt)
			if err != nil {
				if ctx.Err() != nil {
					return fmt.Errorf("interrupted: %w (no results written)", context.Cause(ctx))
				}
				return err
			}
			s := experiment.Summarize(res)
			findings := experiment.Findings(s)
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "\n%s: %s\n%d arms × %d seeds in %.1fs\n\n", e.Name, e.Description, len(e.Arms), res.Seeds, res.Wall.Seconds())
			s.WriteTable(w)
			fmt.Fprintln(w, "\nWhat this shows (every number computed from the runs above):")
			for _, f := range findings {
				fmt.Fprintf(w, "\n- %s\n", f)
			}
			dir := filepath.Join(out, e.Name)
			if err := experiment.WriteDir(dir, res, s, findings); err != nil {
				return err
			}
			fmt.Fprintf(w, "\nresults: %s\n", dir)
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&seeds, "seeds", 0, "number of seeds (0: the experiment's own)")
	f.IntVar(&jobs, "jobs", 0, "runs in parallel (0: one per core)")
	f.StringArrayVar(&sets, "set", nil, "override a config field for every arm, e.g. --set rl.steps=200 (repeatable)")
	f.StringVar(&out, "out", "interloop-results", "results directory")
	f.BoolVar(&quiet, "quiet", false, "no progress lines")
	return cmd
}
