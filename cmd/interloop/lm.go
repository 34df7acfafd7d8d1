package main

import (
	"context"
	"io"
	"os"

	"interloop/lm"
)

func init() {
	customRuns["lm"] = customRun{
		Description: "the vault as language: a tiny GPT trained with RL (GRPO) against per-token deception probes (arms × mean/max/last/attn)",
		Run:         runLM,
	}
}

// runLM runs the transformer track's experiment. Progress goes to stderr;
// results to --out/lm (the results database is not used: the LM runs have
// their own schema, written as runs.jsonl and summary.csv).
func runLM(ctx context.Context, w io.Writer, opt customOptions) error {
	return lm.RunExperiment(ctx, w, lm.CommandOptions{
		Seeds: opt.Seeds, Jobs: opt.Jobs, Sets: opt.Sets, Out: opt.Out, Quiet: opt.Quiet, Progress: os.Stderr,
	})
}
