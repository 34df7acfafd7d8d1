package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"interloop/gpt2"
	"interloop/hook"
	"interloop/metric"
	"interloop/probe"
	"interloop/safetensors"
	"interloop/tensor"
)

func init() { commands = append(commands, newCaptureCmd) }

func newCaptureCmd() *cobra.Command {
	var (
		model, input, out, probeOut, pool string
		texts, idLists, sites             []string
		heads                             int
	)
	cmd := &cobra.Command{
		Use:   "capture --model PATH (--text T | --input FILE.jsonl | --ids 1,2,3) [--site NAME] [--out acts.safetensors] [--probe probe.json]",
		Short: "Run a GPT-2 checkpoint with hooks and capture activations (and fit a probe on them)",
		Long: `Capture loads a GPT-2-architecture checkpoint (a Hugging Face directory with
model.safetensors and config.json, or a .safetensors file), tokenizes the
inputs with GPT-2's BPE, runs the forward pass and records the activations at
the chosen hook sites (TransformerLens names, e.g. blocks.5.hook_resid_post;
default: the last block's hook_resid_post).

Inputs: --text (repeatable), --ids (comma-separated token ids, repeatable), or
--input, a JSONL file of {"prompt": ..., "response": ..., "label": true|false}
(or {"text": ...}). The response tokens are the positions a probe reads.

--out writes one [tokens, width] tensor per site plus tokens, example,
position, read and labels to a safetensors file. --probe fits a deception-style
probe on the first site's response tokens (--pool mean, max, last or attn):
it reports the AUROC of a fit on half the examples (every other one of each
class) scored on the other half,
then saves a probe fit on all examples (interloop.probe/v1 JSON).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if model == "" {
				return fmt.Errorf("--model is required")
			}
			if out == "" && probeOut == "" {
				return fmt.Errorf("nothing to do: give --out and/or --probe")
			}
			examples, err := readExamples(texts, idLists, input)
			if err != nil {
				return err
			}
			m, err := gpt2.Load(model, gpt2.LoadOptions{Heads: heads, Inference: true})
			if err != nil {
				return err
			}
			if len(sites) == 0 {
				sites = []string{hook.Block(m.Config().Layers-1, hook.ResidPost).Name()}
			}
			var infos []hook.SiteInfo
			for _, s := range sites {
				si, err := gpt2.CaptureSite(m, s)
				if err != nil {
					return err
				}
				infos = append(infos, si)
			}
			var tok *gpt2.Tokenizer
			if len(texts) > 0 || input != "" {
				if tok, err = gpt2.NewTokenizer(); err != nil {
					return err
				}
			}
			start := time.Now()
			acts, err := gpt2.Capture(cmd.Context(), m, tok, examples, infos)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			secs := time.Since(start).Seconds()
			fmt.Fprintf(w, "captured %d tokens of %d examples at %s in %.2fs (%.0f tokens/s)\n",
				len(acts.Tokens), len(examples), strings.Join(sites, ", "), secs, float64(len(acts.Tokens))/secs)
			if out != "" {
				meta := map[string]string{"model": model, "sites": strings.Join(sites, ","), "created_by": "interloop capture"}
				if err := safetensors.WriteFile(out, acts.Tensors(), meta); err != nil {
					return err
				}
				fmt.Fprintf(w, "wrote %s\n", out)
			}
			if probeOut != "" {
				return fitCaptureProbe(cmd, acts, pool, model, sites[0], probeOut)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&model, "model", "", "GPT-2 checkpoint: a directory (model.safetensors, config.json) or a .safetensors file")
	f.IntVar(&heads, "heads", 0, "attention heads (0: config.json's n_head, else n_embd/64)")
	f.StringArrayVar(&texts, "text", nil, "a text to run (repeatable)")
	f.StringArrayVar(&idLists, "ids", nil, "comma-separated token ids to run (repeatable)")
	f.StringVar(&input, "input", "", "JSONL file of {prompt, response, label} or {text, label}")
	f.StringArrayVar(&sites, "site", nil, "hook site to capture (repeatable)")
	f.StringVar(&out, "out", "", "safetensors file for the activations")
	f.StringVar(&probeOut, "probe", "", "fit a probe on the first site and save it here (needs labels)")
	f.StringVar(&pool, "pool", "mean", "probe aggregation over the response tokens: mean, max, last or attn")
	return cmd
}

// readExamples gathers --text, --ids and --input examples.
func readExamples(texts, idLists []string, input string) ([]gpt2.Example, error) {
	var ex []gpt2.Example
	for _, t := range texts {
		ex = append(ex, gpt2.Example{Text: t})
	}
	for _, l := range idLists {
		var ids []int
		for _, s := range strings.Split(l, ",") {
			v, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil {
				return nil, fmt.Errorf("--ids %q: %v", l, err)
			}
			ids = append(ids, v)
		}
		ex = append(ex, gpt2.Example{IDs: ids})
	}
	if input != "" {
		f, err := os.Open(input)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<26)
		for line := 1; sc.Scan(); line++ {
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			dec := json.NewDecoder(strings.NewReader(sc.Text()))
			dec.DisallowUnknownFields()
			var e gpt2.Example
			if err := dec.Decode(&e); err != nil {
				return nil, fmt.Errorf("%s:%d: %v", input, line, err)
			}
			ex = append(ex, e)
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("%s: %v", input, err)
		}
	}
	if len(ex) == 0 {
		return nil, fmt.Errorf("no inputs: give --text, --ids or --input")
	}
	return ex, nil
}

// fitCaptureProbe fits a probe on site 0's response tokens: first on half
// the examples (every other one of each class), scored on the rest, then on
// all, which it saves.
func fitCaptureProbe(cmd *cobra.Command, acts *gpt2.Activations, pool, model, site, path string) error {
	if acts.Labels == nil {
		return fmt.Errorf("--probe needs a label on every example")
	}
	fit := func(s probe.Seqs, y []bool) (probe.SeqDetector, error) {
		switch pool {
		case "attn":
			return probe.FitAttnPool(s, y, probe.AttnPoolConfig{})
		case "mean", "max", "last":
			p := map[string]probe.Pool{"mean": probe.PoolMean, "max": probe.PoolMax, "last": probe.PoolLast}[pool]
			return probe.FitPooled(s, y, p, probe.LogisticConfig{Standardize: true})
		}
		return nil, fmt.Errorf("--pool %q: want mean, max, last or attn", pool)
	}
	all := acts.Seqs(0)
	n := len(acts.Labels)
	w := cmd.OutOrStdout()
	// Alternate within each class, so both halves hold both classes.
	var even, odd []bool
	seen := map[bool]int{}
	for _, y := range acts.Labels {
		k := seen[y]
		seen[y]++
		even = append(even, k%2 == 0)
		odd = append(odd, k%2 == 1)
	}
	tr, yTr := pick(all, acts.Labels, even)
	te, yTe := pick(all, acts.Labels, odd)
	if det, err := fit(tr, yTr); err == nil {
		s := make([]float64, len(yTe))
		if err := det.ScoreSeqs(te, s); err == nil {
			if a, err := metric.AUROC(s, yTe); err == nil {
				fmt.Fprintf(w, "%s probe: held-out AUROC %.3f (fit on %d examples, scored on %d others)\n", pool, a, len(yTr), len(yTe))
			}
		}
	} else {
		fmt.Fprintf(w, "%s probe: no held-out estimate (%v)\n", pool, err)
	}
	det, err := fit(all, acts.Labels)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	meta := probe.Meta{Model: model, Site: site, Data: fmt.Sprintf("%d labelled examples, response tokens, %s pooling", n, pool),
		CreatedBy: "interloop capture", Created: time.Now().UTC().Format(time.RFC3339)}
	if err := probe.Save(f, det, meta); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s\n", path)
	return nil
}

// pick keeps the sequences where keep is set.
func pick(s probe.Seqs, y []bool, keep []bool) (probe.Seqs, []bool) {
	n, T, d := s.X.Dim(0), s.X.Dim(1), s.X.Dim(2)
	var data []float32
	var mask, yo []bool
	for i := 0; i < n; i++ {
		if keep[i] {
			data = append(data, s.X.Data[i*T*d:(i+1)*T*d]...)
			mask = append(mask, s.Mask[i*T:(i+1)*T]...)
			yo = append(yo, y[i])
		}
	}
	return probe.Seqs{X: tensor.FromData(data, len(yo), T, d), Mask: mask}, yo
}
