package main

import (
	"encoding/json"
	"fmt"
	"interloop/report/term"
	"math"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"interloop/experiment"
)

func newShowCmd() *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "show <run-id>",
		Short: "Show a stored run: its config, audit and outcome (an ID prefix is enough)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := openStore(cmd, path)
			if err != nil {
				return err
			}
			defer st.Close()
			r, err := st.Get(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "run        %s\nexperiment %s\narm        %s\nseed       %d\nstatus     %s\n", r.ID, r.Experiment, r.Arm, r.Seed, r.Status)
			if r.Error != "" {
				fmt.Fprintf(w, "error      %s\n", r.Error)
			}
			if r.Outcome != "" {
				fmt.Fprintf(w, "outcome    %s\n", r.Outcome)
			}
			fmt.Fprintf(w, "finished   %s (%.2fs)\nversions   interloop %s, %s\n", r.Finished.Local().Format("2006-01-02 15:04:05"), r.Seconds, r.Version, r.GoVersion)
			// The config as YAML, in the file format's field order.
			if b, err := experiment.ConfigYAML(r.Config); err == nil {
				fmt.Fprintf(w, "\nconfig:\n%s", indent(string(b), "  "))
			} else {
				fmt.Fprintf(w, "\nconfig: %s\n", r.Config)
			}
			if len(r.Audit) > 0 {
				fmt.Fprintln(w, "\naudit:")
				if err := term.MetricTable(r.Audit).Render(w); err != nil {
					return err
				}
			}
			if len(r.Curves) > 0 {
				steps := map[int]bool{}
				metrics := map[string]bool{}
				for _, p := range r.Curves {
					steps[p.Step], metrics[p.Metric] = true, true
				}
				names := make([]string, 0, len(metrics))
				for m := range metrics {
					names = append(names, m)
				}
				sort.Strings(names)
				fmt.Fprintf(w, "\ncurves: %d steps × %d metrics (%s); interloop export for the values\n", len(steps), len(names), strings.Join(names, ", "))
			}
			for _, d := range r.Detectors {
				fmt.Fprintf(w, "detector   %s: %s at %s, threshold %s\n", d.Name, d.Kind, d.Site, num(d.Threshold))
			}
			return nil
		},
	}
	storeFlag(cmd, &path)
	return cmd
}

func num(x float64) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	b, _ := json.Marshal(x)
	return string(b)
}

func indent(s, pre string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i := range lines {
		lines[i] = pre + lines[i]
	}
	return strings.Join(lines, "\n") + "\n"
}
