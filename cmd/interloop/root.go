package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"interloop/internal/version"
)

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "interloop",
		Short:         "Train models with interpretability in the loop, then audit whether the tools still tell the truth",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newVersionCmd(), newRunCmd())
	return root
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "interloop", version.String())
			return err
		},
	}
}
