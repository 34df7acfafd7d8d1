package main

import (
	"fmt"
	"interloop/report/term"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"interloop/store"
)

func init() { commands = append(commands, newLsCmd, newShowCmd) }

// storeFlag adds --store to a reading command.
func storeFlag(cmd *cobra.Command, path *string) {
	cmd.Flags().StringVar(path, "store", store.DefaultPath, "results database (a SQLite file or a postgres:// URL)")
}

// openStore opens an existing store for reading: a missing file is an
// error rather than a new empty store.
func openStore(cmd *cobra.Command, path string) (*store.Store, error) {
	if store.IsURL(path) {
		return store.Open(cmd.Context(), path)
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("store %s: %w (run an experiment first, or give --store)", path, err)
	}
	return store.Open(cmd.Context(), path)
}

func newLsCmd() *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "ls [experiment]",
		Short: "List the stored experiments, or one experiment's runs with their status",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := openStore(cmd, path)
			if err != nil {
				return err
			}
			defer st.Close()
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			defer tw.Flush()
			if len(args) == 0 {
				es, err := st.Experiments(cmd.Context())
				if err != nil {
					return err
				}
				fmt.Fprintln(tw, "EXPERIMENT\tDONE\tFAILED\tUPDATED\tDESCRIPTION")
				for _, e := range es {
					fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\n", e.Name, e.Done, e.Failed, e.Updated.Local().Format("2006-01-02 15:04"), e.Description)
				}
				return nil
			}
			runs, err := st.Runs(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if len(runs) == 0 {
				return fmt.Errorf("experiment %q has no runs in %s", args[0], st.Name())
			}
			return term.RunTable(runs).Render(tw)
		},
	}
	storeFlag(cmd, &path)
	return cmd
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n-1] + "…"
	}
	return s
}
