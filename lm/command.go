package lm

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"interloop/internal/atomicfile"
	"interloop/internal/nanjson"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
)

// CommandOptions are the command line's settings for RunExperiment (the
// fields of the run command's options).
type CommandOptions struct {
	Seeds, Jobs int      // 0: the config's seeds; 0: one job per core
	Sets        []string // --set path=value overrides
	Out         string   // results directory ("" = none written)
	Quiet       bool     // no progress lines
	// Progress receives progress lines unless Quiet (nil: none).
	Progress io.Writer
}

// RunExperiment runs the language-model experiment with the command line's
// options, prints its pre-RL report, table and findings to w, and writes
// config.json, runs.jsonl, summary.csv and findings.txt to Out/lm.
func RunExperiment(ctx context.Context, w io.Writer, opt CommandOptions) error {
	cfg := DefaultConfig()
	for _, s := range opt.Sets {
		if err := cfg.Set(s); err != nil {
			return err
		}
	}
	if opt.Seeds < 0 || opt.Jobs < 0 {
		return fmt.Errorf("seeds %d and jobs %d must be ≥ 0", opt.Seeds, opt.Jobs)
	}
	if opt.Seeds > 0 {
		cfg.Seeds = opt.Seeds
	}
	ro := Options{Jobs: opt.Jobs}
	if !opt.Quiet {
		ro.Progress = opt.Progress
	}
	res, err := Run(ctx, cfg, ro)
	if err != nil {
		return err
	}
	s := Summarize(res)
	findings := Findings(s)
	nRuns := len(res.Runs)
	fmt.Fprintf(w, "\nlm: the vault as language — a %d-layer d=%d GPT pre-trained on honest and instructed-lie episodes, RL (GRPO) against per-token deception probes\n",
		cfg.Model.Layers, cfg.Model.DModel)
	fmt.Fprintf(w, "%d arms × 4 aggregations × %d seeds (%d RL runs) in %.1fs\n\n", len(res.Arms), cfg.Seeds, nRuns, res.Wall.Seconds())
	s.WriteTable(w)
	fmt.Fprintln(w, "\nWhat this shows (every number computed from the runs above):")
	for _, f := range findings {
		fmt.Fprintf(w, "\n- %s\n", f)
	}
	if opt.Out == "" {
		return nil
	}
	dir := filepath.Join(opt.Out, "lm")
	if err := WriteDir(dir, res, s, findings); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nresults: %s\n", dir)
	return nil
}

// WriteDir writes config.json, runs.jsonl (one run per line), summary.csv
// (one row per arm/aggregation and metric) and findings.txt into dir.
// Files are written to temporary names and renamed.
func WriteDir(dir string, res *Results, s Summary, findings []string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := []struct {
		name  string
		write func(io.Writer) error
	}{
		{"config.json", func(w io.Writer) error {
			b, err := json.MarshalIndent(nanjson.Tree(map[string]any{"config": res.Config, "pre": res.Pre, "wall_seconds": res.Wall.Seconds()}), "", " ")
			if err != nil {
				return err
			}
			_, err = w.Write(append(b, '\n'))
			return err
		}},
		{"runs.jsonl", func(w io.Writer) error {
			for i := range res.Runs {
				b, err := json.Marshal(nanjson.Tree(res.Runs[i]))
				if err != nil {
					return err
				}
				if _, err := w.Write(append(b, '\n')); err != nil {
					return err
				}
			}
			return nil
		}},
		{"summary.csv", func(w io.Writer) error {
			cw := csv.NewWriter(w)
			cw.Write([]string{"arm", "agg", "metric", "mean", "ci_lo", "ci_hi", "n"})
			for _, r := range s.Rows {
				for _, m := range Metrics {
					c := r.Cells[m.Key]
					cw.Write([]string{r.Spec.Name, string(r.Agg), m.Key, ff(c.Mean), ff(c.Lo), ff(c.Hi), strconv.Itoa(c.N)})
				}
				for o, n := range r.Outcomes {
					cw.Write([]string{r.Spec.Name, string(r.Agg), "outcome_" + string(o), strconv.Itoa(n), "", "", strconv.Itoa(len(r.Runs))})
				}
			}
			cw.Flush()
			return cw.Error()
		}},
		{"findings.txt", func(w io.Writer) error {
			for _, f := range findings {
				if _, err := fmt.Fprintln(w, f); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for _, f := range files {
		if err := atomicfile.Write(filepath.Join(dir, f.name), f.write); err != nil {
			return err
		}
	}
	return nil
}

func ff(x float64) string {
	if math.IsNaN(x) {
		return ""
	}
	return strconv.FormatFloat(x, 'g', 8, 64)
}
