package report_test

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"interloop/audit"
	"interloop/experiment"
	"interloop/report"
	"interloop/report/internal/fixture"
	"interloop/store"
)

func TestMain(m *testing.M) {
	code := m.Run()
	fixture.Cleanup()
	os.Exit(code)
}

func open(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func load(t *testing.T, st report.Source, name string) *report.Data {
	t.Helper()
	d, err := report.Load(context.Background(), st, name)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestLoadMatchesRunner: the summary and findings computed from the store
// are exactly the ones the runner computed from the same runs in memory.
func TestLoadMatchesRunner(t *testing.T) {
	path, res := fixture.Real(t)
	d := load(t, open(t, path), "default")
	if len(d.Arms) != len(res.Experiment.Arms) || d.Seeds != fixture.Seeds {
		t.Fatalf("%d arms × %d seeds, want %d × %d", len(d.Arms), d.Seeds, len(res.Experiment.Arms), fixture.Seeds)
	}
	if done, failed, pending := d.Counts(); done != len(res.Runs) || failed != 0 || pending != 0 || d.Stale != 0 {
		t.Fatalf("done %d failed %d pending %d stale %d, want %d done", done, failed, pending, d.Stale, len(res.Runs))
	}
	var want, got bytes.Buffer
	s := experiment.Summarize(res)
	s.WriteTable(&want)
	d.Summary.WriteTable(&got)
	if got.String() != want.String() {
		t.Errorf("table from the store differs from the runner's:\n%s\nwant\n%s", got.String(), want.String())
	}
	if f, w := d.Findings, experiment.Findings(s); !slices.Equal(f, w) {
		t.Errorf("findings differ:\n%q\nwant\n%q", f, w)
	}
	for i, a := range d.Arms {
		if a.Name != res.Experiment.Arms[i].Name || a.Base != a.Name || a.Point != nil {
			t.Errorf("arm %d: %q base %q point %v", i, a.Name, a.Base, a.Point)
		}
		if y, err := experiment.ConfigYAML(a.ConfigJSON); err != nil || len(y) == 0 {
			t.Errorf("arm %s: config %q: %v", a.Name, a.ConfigJSON, err)
		}
	}
	if len(d.Axes) != 0 || !strings.Contains(d.AxesNote, "5 config paths") {
		t.Errorf("axes %v, note %q: the default arms differ in 5 paths, no heat map", d.Axes, d.AxesNote)
	}
}

func TestSweepAxes(t *testing.T) {
	path, _ := fixture.Real(t)
	d := load(t, open(t, path), "sweep-demo")
	if want := []string{"arm.lambda", "arm.retrain.every"}; !slices.Equal(d.Axes, want) {
		t.Fatalf("axes %v, want %v", d.Axes, want)
	}
	if len(d.Arms) != 6 || d.Stale != 0 {
		t.Fatalf("%d arms, %d stale; want 6, 0", len(d.Arms), d.Stale)
	}
	if got := d.AxisValues(0); !slices.Equal(got, []string{"0.3", "1.0", "3.0"}) {
		t.Errorf("λ values %v", got)
	}
	cells := d.Heat()
	if len(cells) != 6 {
		t.Fatalf("%d heat cells, want 6", len(cells))
	}
	for _, c := range cells {
		if c.Facet != "" || c.X == "" || c.Y == "" || c.Lie.N != fixture.Seeds {
			t.Errorf("cell %+v", c)
		}
	}
	// Runs shared with the default experiment (same config and seed) are
	// found under the sweep's own arm names.
	if d.Arms[2].Name != "e2e/probe-reward[arm.lambda=1,arm.retrain.every=0]" || d.Arms[2].Done() != fixture.Seeds {
		t.Errorf("arm 2: %s with %d runs", d.Arms[2].Name, d.Arms[2].Done())
	}
}

// TestPendingAndStale: a spec's runs not stored yet are pending; runs
// linked under settings the spec no longer has are left out.
func TestPendingAndStale(t *testing.T) {
	ctx := context.Background()
	st := open(t, filepath.Join(t.TempDir(), "r.db"))
	a, b := experiment.DefaultRunConfig(), experiment.DefaultRunConfig()
	b.Arm.Lambda = 3
	old := a
	old.RL.Steps = 7
	e := &experiment.Experiment{Name: "p", Seeds: 3, Arms: []experiment.ArmSpec{{Name: "a", Config: a}, {Name: "b", Config: b}}}
	if err := fixture.PutSpec(ctx, st, e); err != nil {
		t.Fatal(err)
	}
	for _, f := range []fixture.Fake{
		{Arm: "a", Seed: 0, Config: a, Lie: 0.5, Recall: 0.9, Outcome: audit.Blatant},
		{Arm: "a", Seed: 1, Config: a, Lie: 0.5, Recall: 0, Outcome: audit.ObfuscatedActivations},
		{Arm: "b", Seed: 0, Config: b, Err: "boom"},
		{Arm: "a", Seed: 2, Config: old, Lie: 0.9, Recall: 0, Outcome: audit.ObfuscatedPolicy}, // stale
	} {
		if _, err := fixture.PutFake(ctx, st, "p", f); err != nil {
			t.Fatal(err)
		}
	}
	d := load(t, st, "p")
	done, failed, pending := d.Counts()
	// Seeds are the ones stored runs show (the spec's count may have been
	// overridden by --seeds, which the store does not record).
	if done != 2 || failed != 1 || d.Stale != 1 || d.Seeds != 2 || pending != 1 {
		t.Fatalf("done %d failed %d pending %d stale %d seeds %d; want 2 1 1 1 2", done, failed, pending, d.Stale, d.Seeds)
	}
	if len(d.Arms[0].Pending) != 0 || !slices.Equal(d.Arms[1].Pending, []int{1}) {
		t.Errorf("pending %v %v", d.Arms[0].Pending, d.Arms[1].Pending)
	}
	v := d.Verdicts()
	if v[0].Text != "probe fooled in 1/2 runs" || v[0].Level != "bad" || v[1].Text != "no finished runs" {
		t.Errorf("verdicts %+v", v)
	}
	if c := d.Summary.Arms[0].Cells["lie_rate_sampled"]; c.N != 2 || c.Mean != 0.5 {
		t.Errorf("lie rate cell %+v", c)
	}
	if _, err := report.Load(ctx, st, "nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("unknown experiment: %v", err)
	}
}

func writeReport(t *testing.T, d *report.Data) string {
	t.Helper()
	var buf bytes.Buffer
	if err := report.WriteHTML(&buf, d, report.Options{Generated: time.Unix(0, 0), Version: "test"}); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestHTMLSelfContained: one file, no reference to another origin or file,
// a CSP that forbids requests, every figure with its mark count.
func TestHTMLSelfContained(t *testing.T) {
	path, _ := fixture.Real(t)
	d := load(t, open(t, path), "sweep-demo")
	html := writeReport(t, d)
	outside := script.ReplaceAllString(html, "<script></script>")
	if m := regexp.MustCompile(`(?i)(src|href|action)\s*=\s*"(https?:|//|file:|/)[^"]*"`).FindString(outside); m != "" {
		t.Errorf("the page refers outside itself: %s", m)
	}
	if !strings.Contains(html, `http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;`) {
		t.Error("no Content-Security-Policy")
	}
	if n := strings.Count(strings.ToLower(html), "<script"); n != 4 {
		t.Errorf("%d script elements, want 4 (vega, vega-lite, vega-embed, the figures)", n)
	}
	for _, id := range []string{"fig-curves", "fig-outcomes", "fig-scatter", "fig-heat"} {
		if !strings.Contains(html, `id="`+id+`" data-mark=`) {
			t.Errorf("no figure %s", id)
		}
	}
	for _, s := range []string{"At a glance", "What this shows", "Resolved config of every arm", "arm.lambda", "e2e/probe-reward[arm.lambda=0.3,arm.retrain.every=50]"} {
		if !strings.Contains(html, s) {
			t.Errorf("the report lacks %q", s)
		}
	}
}

var script = regexp.MustCompile(`(?s)<script>.*?</script>`)

// TestHTMLEscapesHostile: names, descriptions, errors and config strings
// from the store never become markup or script.
func TestHTMLEscapesHostile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "evil.db")
	fixture.Hostile(t, path)
	d := load(t, open(t, path), fixture.HostileName)
	html := writeReport(t, d)
	lower := strings.ToLower(html)
	// Outside the embedded libraries (which hold markup in strings of their
	// own), no tag may come from the store.
	page := strings.ToLower(script.ReplaceAllString(html, "<script></script>"))
	if n := strings.Count(lower, "<script"); n != 4 {
		t.Errorf("%d <script elements, want 4: a name became a script", n)
	}
	for _, bad := range []string{"<img", "onerror=\"window", "</script><script>window.pwned"} {
		if strings.Contains(page, bad) {
			t.Errorf("unescaped %q in the page", bad)
		}
	}
	if !strings.Contains(html, "&lt;/script&gt;&lt;script&gt;window.pwned=1&lt;/script&gt;") {
		t.Error("the hostile name is not shown escaped")
	}
	// Inside the figures' JSON, < and > are \u003c and \u003e.
	if !strings.Contains(html, `\u003c/script\u003e`) {
		t.Error("the hostile arm name is not escaped in the figures' data")
	}
}

func TestPNGs(t *testing.T) {
	path, _ := fixture.Real(t)
	st := open(t, path)
	for _, tc := range []struct {
		exp  string
		w, h int
		n    int
	}{{"default", 1200, 800, 3}, {"sweep-demo", 640, 480, 4}} {
		d := load(t, st, tc.exp)
		dir := t.TempDir()
		paths, err := report.WritePNGs(dir, d, report.PNGOptions{Width: tc.w, Height: tc.h})
		if err != nil {
			t.Fatal(err)
		}
		if len(paths) != tc.n {
			t.Errorf("%s: %d figures, want %d", tc.exp, len(paths), tc.n)
		}
		for _, p := range paths {
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(f)
			f.Close()
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if b := img.Bounds(); b.Dx() != tc.w || b.Dy() != tc.h {
				t.Errorf("%s: %dx%d, want %dx%d", p, b.Dx(), b.Dy(), tc.w, tc.h)
			}
			colors := map[[3]uint32]bool{}
			nonWhite := 0
			for y := 0; y < tc.h; y += 3 {
				for x := 0; x < tc.w; x += 3 {
					r, g, b, _ := img.At(x, y).RGBA()
					colors[[3]uint32{r >> 8, g >> 8, b >> 8}] = true
					if r>>8 < 240 || g>>8 < 240 || b>>8 < 240 {
						nonWhite++
					}
				}
			}
			if len(colors) < 8 || nonWhite < tc.w*tc.h/9/100 {
				t.Errorf("%s looks empty: %d colours, %d non-white samples", p, len(colors), nonWhite)
			}
		}
	}
	if _, err := report.WritePNGs(t.TempDir(), &report.Data{}, report.PNGOptions{Width: 10, Height: 10}); err == nil {
		t.Error("a 10×10 PNG was accepted")
	}
}
