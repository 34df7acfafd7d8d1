package lm

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"interloop/internal/nanjson"
)

// tiny is a budget that exercises every phase in about a second.
var tiny = []string{
	"pretrain.steps=20", "pretrain.eval_episodes=8", "probe.episodes=24", "probe.attn_epochs=1",
	"rl.steps=3", "rl.prompts=2", "rl.group=4", "audit.episodes=16", "retrain_every=2", "arm.warmup=2",
}

func TestRunExperimentSmoke(t *testing.T) {
	var out bytes.Buffer
	dir := t.TempDir()
	err := RunExperiment(context.Background(), &out, CommandOptions{Seeds: 2, Sets: tiny, Out: dir})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"probe-loss-retrained/attn", "truth-monitor/mean", "What this shows", "Pre-training:", "obfuscated-activations"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

// TestDeterminism: the same config gives bit-identical results, whatever
// the number of parallel jobs.
func TestDeterminism(t *testing.T) {
	cfg := DefaultConfig()
	for _, s := range append(tiny, "seeds=1", "arms=none,probe-loss-retrained") {
		if err := cfg.Set(s); err != nil {
			t.Fatal(err)
		}
	}
	var outs []string
	for _, jobs := range []int{1, 2} {
		res, err := Run(context.Background(), cfg, Options{Jobs: jobs})
		if err != nil {
			t.Fatal(err)
		}
		for i := range res.Runs {
			res.Runs[i].Seconds = 0
			res.Runs[i].Pretrain.Seconds = 0
			res.Runs[i].RL.Seconds = 0
		}
		for i := range res.Pre {
			res.Pre[i].Pretrain.Seconds = 0
		}
		b, err := json.Marshal(nanjson.Tree([]any{res.Runs, res.Pre}))
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, string(b))
	}
	if outs[0] != outs[1] {
		t.Errorf("results differ between runs:\n%s\n%s", outs[0], outs[1])
	}
}
