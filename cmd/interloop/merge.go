package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"interloop/store"
)

func init() { commands = append(commands, newMergeCmd) }

func newMergeCmd() *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "merge FILE.db...",
		Short: "Import per-shard SQLite stores into one store (for clusters without a shared database)",
		Long: `Merge copies every run of each given store — with its curves, audit metrics,
detectors and experiment links — and its experiments and submissions into
--store (a SQLite file or a postgres:// URL). A run the destination holds
already is replaced by the same result; merging twice changes nothing.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			dst, err := store.Open(ctx, path)
			if err != nil {
				return err
			}
			defer dst.Close()
			release, err := dst.Lock(ctx)
			if err != nil {
				return err
			}
			defer release()
			var total store.ImportStats
			for _, file := range args {
				src, err := openStore(cmd, file)
				if err != nil {
					return err
				}
				st, err := dst.Import(ctx, src)
				src.Close()
				if err != nil {
					return fmt.Errorf("merge %s: %w", file, err)
				}
				total.Runs += st.Runs
				total.Replaced += st.Replaced
				total.Submissions += st.Submissions
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "merged %d runs from %d stores into %s (%d were there already)\n",
				total.Runs, len(args), dst.Name(), total.Replaced)
			return err
		},
	}
	storeFlag(cmd, &path)
	return cmd
}
