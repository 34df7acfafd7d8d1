package main

import (
	"bytes"
	"fmt"
	"io"

	"interloop/internal/atomicfile"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"interloop/internal/version"
	"interloop/report"
)

func init() { commands = append(commands, newReportCmd) }

func newReportCmd() *cobra.Command {
	var storePath, out, pngDir, pngSize string
	cmd := &cobra.Command{
		Use:   "report [experiment]",
		Short: "Write an experiment's report: one self-contained HTML file of figures, findings and tables",
		Long: `Report reads an experiment's stored results (nothing is re-run) and writes
one HTML file that opens in any browser with no network: per arm, training
curves of the true lie rate beside what the probes say (mean and 95% band
over seeds); outcome classes as stacked bars; "probe says" vs "truth" per
run; heat maps for sweeps over one or two settings; the findings, the results
table with 95% CIs, the runs and every arm's resolved config.

The experiment defaults to "default" (or the store's only experiment). The
file defaults to <store dir>/<experiment>/report.html. --png DIR also draws
each figure as a PNG (curves, outcomes, scatter, heatmap) of --png-size
pixels, for papers.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			w, h, err := parseSize(pngSize)
			if err != nil {
				return err
			}
			st, err := openStore(cmd, storePath)
			if err != nil {
				return err
			}
			defer st.Close()
			name := "default"
			if len(args) == 1 {
				name = args[0]
			} else if es, err := st.Experiments(ctx); err == nil && len(es) == 1 {
				name = es[0].Name
			}
			d, err := report.Load(ctx, st, name)
			if err != nil {
				return err
			}
			if out == "" {
				out = filepath.Join(filepath.Dir(storePath), safeName(name), "report.html")
			}
			var buf bytes.Buffer
			if err := report.WriteHTML(&buf, d, report.Options{Version: version.String()}); err != nil {
				return err
			}
			if err := writeFileAtomic(out, buf.Bytes()); err != nil {
				return err
			}
			o := cmd.OutOrStdout()
			done, failed, pending := d.Counts()
			fmt.Fprintf(o, "report: %s (%d arms, %d runs done, %d failed, %d not stored)\n", out, len(d.Arms), done, failed, pending)
			if pngDir != "" {
				paths, err := report.WritePNGs(pngDir, d, report.PNGOptions{Width: w, Height: h})
				if err != nil {
					return err
				}
				for _, p := range paths {
					fmt.Fprintf(o, "figure: %s\n", p)
				}
			}
			if abs, err := filepath.Abs(out); err == nil {
				fmt.Fprintf(o, "open file://%s in a browser\n", filepath.ToSlash(abs))
			}
			return nil
		},
	}
	storeFlag(cmd, &storePath)
	fl := cmd.Flags()
	fl.StringVarP(&out, "out", "o", "", "HTML file to write (default: <store dir>/<experiment>/report.html)")
	fl.StringVar(&pngDir, "png", "", "also write each figure as a PNG into this directory")
	fl.StringVar(&pngSize, "png-size", "1600x1000", "PNG size in pixels, WIDTHxHEIGHT")
	return cmd
}

// parseSize reads "WIDTHxHEIGHT".
func parseSize(s string) (int, int, error) {
	ws, hs, ok := strings.Cut(strings.ToLower(s), "x")
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	if !ok || err1 != nil || err2 != nil || w < 100 || h < 100 || w > 20000 || h > 20000 {
		return 0, 0, fmt.Errorf("--png-size %q: want WIDTHxHEIGHT in pixels, each in [100, 20000], e.g. 1600x1000", s)
	}
	return w, h, nil
}

// safeName makes an experiment name a single path element: anything but
// letters, digits, '.', '-' and '_' becomes '_', and a name of dots is
// prefixed, so no name leaves the results directory.
func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	n := b.String()
	if n == "" || strings.Trim(n, ".") == "" {
		n = "_" + n
	}
	return n
}

// writeFileAtomic writes data to path through a temporary file renamed into
// place, creating the directory.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error { _, err := w.Write(data); return err })
}
