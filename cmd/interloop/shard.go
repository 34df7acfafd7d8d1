package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"interloop/experiment"
)

// taskShard resolves `run`'s shard from its flags and the scheduler's
// environment, and says on stderr which slice this process runs.
func taskShard(cmd *cobra.Command, f *runFlags) (experiment.Shard, error) {
	list, err := experiment.ParseShardList(f.shardList)
	if err != nil {
		return experiment.Shard{}, err
	}
	shard, source, err := experiment.TaskShard(f.shardIndex, f.shardCount, list, os.Getenv)
	if err != nil {
		return experiment.Shard{}, err
	}
	if !shard.Whole() && !f.quiet {
		fmt.Fprintf(cmd.ErrOrStderr(), "shard %s (index from %s)\n", shard, source)
	}
	return shard, nil
}
