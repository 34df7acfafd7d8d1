package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newExportCmd) }

func newExportCmd() *cobra.Command {
	var path, format, dir, exp string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export the results store as CSV or parquet files, one per table (pandas: pd.read_parquet)",
		Long: `Export writes one file per table into --out: experiments, runs (config and
full result as JSON, status, error, timings, versions), experiment_runs
(which experiment asked for which run, as which arm and seed), step_metrics
(curves: run_id, step, metric, value), audit_results (run_id, metric, value)
and detectors. Metrics are long tables: pivot them in pandas, e.g.
  a = pd.read_parquet("audit_results.parquet").pivot(index="run_id", columns="metric", values="value")`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := openStore(cmd, path)
			if err != nil {
				return err
			}
			defer st.Close()
			paths, err := st.Export(cmd.Context(), dir, format, exp)
			if err != nil {
				return err
			}
			for _, p := range paths {
				fmt.Fprintln(cmd.OutOrStdout(), p)
			}
			return nil
		},
	}
	storeFlag(cmd, &path)
	cmd.Flags().StringVar(&format, "format", "parquet", "csv or parquet")
	cmd.Flags().StringVar(&dir, "out", "interloop-results/export", "directory to write the tables to")
	cmd.Flags().StringVar(&exp, "experiment", "", "only this experiment's runs (default: everything)")
	return cmd
}
