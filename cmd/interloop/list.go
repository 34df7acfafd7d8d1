package main

import (
	"fmt"
	"sort"

	"github.com/spf13/cobra"

	"interloop/experiment"
)

func init() { commands = append(commands, newListCmd) }

func newListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the experiments `interloop run` knows, with one-line descriptions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			all, err := experiment.Registry()
			if err != nil {
				return err
			}
			type row struct{ name, kind, desc string }
			var rows []row
			for _, e := range all {
				x, err := e.Expand()
				if err != nil {
					return err
				}
				rows = append(rows, row{e.Name, fmt.Sprintf("%d arms × %d seeds", len(x.Arms), x.Seeds), e.Description})
			}
			var custom []string
			for name := range customRuns {
				custom = append(custom, name)
			}
			sort.Strings(custom)
			for _, name := range custom {
				rows = append(rows, row{name, "custom", customRuns[name].Description})
			}
			width := 4
			for _, r := range rows {
				width = max(width, len(r.name))
			}
			w := cmd.OutOrStdout()
			for _, r := range rows {
				fmt.Fprintf(w, "%-*s  %-18s  %s\n", width, r.name, r.kind, r.desc)
			}
			return nil
		},
	}
}
