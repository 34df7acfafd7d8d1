package main

import (
	"fmt"
	"runtime"
	"testing"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"interloop/engine"
	"interloop/internal/gemm"
	"interloop/nn"
	"interloop/optim"
	"interloop/rng"
	"interloop/tensor"
)

func init() { commands = append(commands, newBenchCmd) }

// newBenchCmd times the workloads of bench/run.sh in-process, without
// Python: the same models, sizes and optimizer as nn's BenchmarkMLPStep and
// BenchmarkTransformerStep, and square float32 products.
func newBenchCmd() *cobra.Command {
	var threads int
	var only string
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Time a training step of the reference MLP and transformer, and sgemm",
		Long: `Times, in this process, one training step (forward, backward, Adam) of
  mlp          MLP 32→128→8 (ReLU), batch 256, cross-entropy
  transformer  2-layer pre-LN transformer, d_model 64, 4 heads, seq 16,
               vocab 64, batch 64, next-token cross-entropy
and float32 matrix products C = A·B of n×n matrices (sgemm256, sgemm1024).
Each runs about a second after warm-up (testing.Benchmark); allocs/step
should be 0. bench/run.sh compares the same workloads with PyTorch.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if threads < 0 {
				return fmt.Errorf("bench: --threads %d is negative", threads)
			}
			gemm.SetThreads(threads)
			defer gemm.SetThreads(0)
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintf(w, "workload\tms/step\tGFLOP/s\tallocs/step\t\n")
			ran := false
			for _, b := range benchWorkloads() {
				if only != "" && only != b.name {
					continue
				}
				ran = true
				r := testing.Benchmark(b.run)
				if r.N == 0 {
					return fmt.Errorf("bench: %s failed", b.name)
				}
				ms := float64(r.NsPerOp()) / 1e6
				gf := "-"
				if b.flops > 0 {
					gf = fmt.Sprintf("%.1f", b.flops/(ms*1e6))
				}
				fmt.Fprintf(w, "%s\t%.4f\t%s\t%d\t\n", b.name, ms, gf, r.AllocsPerOp())
			}
			if !ran {
				return fmt.Errorf("bench: unknown workload %q (mlp, transformer, sgemm256, sgemm1024)", only)
			}
			fmt.Fprintf(w, "\n")
			w.Flush()
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "gemm threads %d, GOMAXPROCS %d, %s/%s\n",
				gemm.Threads(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
	cmd.Flags().IntVar(&threads, "threads", 0, "goroutines per matrix product (0: GOMAXPROCS)")
	cmd.Flags().StringVar(&only, "only", "", "run one workload: mlp, transformer, sgemm256 or sgemm1024")
	return cmd
}

type benchWorkload struct {
	name  string
	flops float64 // per op, for GFLOP/s (0: not reported)
	run   func(b *testing.B)
}

func benchWorkloads() []benchWorkload {
	return []benchWorkload{
		{"mlp", 0, benchMLPStep},
		{"transformer", 0, benchTransformerStep},
		{"sgemm256", 2 * 256 * 256 * 256, func(b *testing.B) { benchSgemm(b, 256) }},
		{"sgemm1024", 2 * 1024 * 1024 * 1024, func(b *testing.B) { benchSgemm(b, 1024) }},
	}
}

// benchStep times forward + backward + Adam on one reused tape after a
// warm-up that grows the tape's arenas to their steady size.
func benchStep(b *testing.B, params []*engine.Param[float32], loss func(tp *engine.Tape[float32]) *engine.Node[float32]) {
	opt, err := optim.NewAdam(params, optim.AdamConfig{LR: 1e-3})
	if err != nil {
		b.Fatal(err)
	}
	tp := engine.NewTape[float32]()
	step := func() {
		tp.Reset()
		opt.ZeroGrad()
		if err := tp.Backward(loss(tp)); err != nil {
			b.Fatal(err)
		}
		opt.Step()
	}
	for range 3 {
		step()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		step()
	}
}

func benchMLPStep(b *testing.B) {
	r := rng.New(1, 0)
	m, err := nn.NewMLP[float32](nn.MLPConfig{Sizes: []int{32, 128, 8}}, r)
	if err != nil {
		b.Fatal(err)
	}
	x := tensor.Randn[float32](r, 1, 256, 32)
	labels := make([]int, 256)
	for i := range labels {
		labels[i] = r.Intn(8)
	}
	benchStep(b, m.Params(), func(tp *engine.Tape[float32]) *engine.Node[float32] {
		return tp.CrossEntropy(m.Forward(tp, tp.Const(x), nil), labels) // [256, 8] → scalar
	})
}

func benchTransformerStep(b *testing.B) {
	r := rng.New(2, 0)
	m, err := nn.NewTransformer[float32](nn.TransformerConfig{Vocab: 64, Context: 16, DModel: 64, Heads: 4, Layers: 2}, r)
	if err != nil {
		b.Fatal(err)
	}
	x := nn.Tokens{IDs: make([]int, 64*16), Seq: 16}
	for i := range x.IDs {
		x.IDs[i] = r.Intn(64)
	}
	next := make([]int, 64)
	for i := range next {
		next[i] = r.Intn(64)
	}
	targets := nn.NextTokenTargets(x, next, nil)
	benchStep(b, m.Params(), func(tp *engine.Tape[float32]) *engine.Node[float32] {
		return tp.CrossEntropy(m.Forward(tp, x, nil), targets) // [64, 16, 64] → scalar
	})
}

func benchSgemm(b *testing.B, n int) {
	r := rng.New(3, 0)
	a := tensor.Randn[float32](r, 1, n, n)
	bm := tensor.Randn[float32](r, 1, n, n)
	c := tensor.New[float32](n, n)
	gemm.Sgemm(false, false, n, n, n, 1, a.Data, n, bm.Data, n, 0, c.Data, n)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		gemm.Sgemm(false, false, n, n, n, 1, a.Data, n, bm.Data, n, 0, c.Data, n)
	}
}
