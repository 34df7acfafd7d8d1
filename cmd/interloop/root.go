package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"interloop/internal/version"
)

// commands lists the subcommand constructors. Each command's file adds its
// constructor in an init function, so adding a command touches one file.
var commands []func() *cobra.Command

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "interloop",
		Short:         "Train models with interpretability in the loop, then audit whether the tools still tell the truth",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	for _, c := range commands {
		root.AddCommand(c())
	}
	return root
}

func init() { commands = append(commands, newVersionCmd, newRunCmd) }

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
