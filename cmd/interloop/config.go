package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"interloop/experiment"
)

func init() { commands = append(commands, newConfigCmd) }

func newConfigCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show resolved experiment configs and the config schema",
	}
	var sets, grids, zips []string
	var full bool
	show := &cobra.Command{
		Use:   "show <experiment | file.yaml>",
		Short: "Print an experiment as a YAML file with every field resolved (copy it: interloop config show default > my.yaml)",
		Long: `Show prints the experiment as an experiment file that interloop run reads
back unchanged: the base config with every field resolved and documented,
then each arm as its differences from the base. --full writes every arm's
complete config instead. --set, --grid and --zip apply as in interloop run.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := loadExperiment(args[0], sets, grids, zips)
			if err != nil {
				return err
			}
			if err := e.Validate(); err != nil {
				return err
			}
			b, err := e.YAML(full)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	}
	show.Flags().StringArrayVar(&sets, "set", nil, "override a config field for every arm (repeatable)")
	show.Flags().StringArrayVar(&grids, "grid", nil, "add a grid sweep axis path=v1,v2 (repeatable)")
	show.Flags().StringArrayVar(&zips, "zip", nil, "add a zip sweep axis path=v1,v2 (repeatable)")
	show.Flags().BoolVar(&full, "full", false, "write every arm's complete config")
	schema := &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of experiment files (for editor completion)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := json.MarshalIndent(experiment.Schema(), "", "  ")
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), string(b))
			return err
		},
	}
	cmd.AddCommand(show, schema)
	return cmd
}
