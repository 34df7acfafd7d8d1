package report_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"interloop/report"
	"interloop/report/internal/chrometest"
	"interloop/report/internal/fixture"
)

// TestReportInBrowser opens the report files in headless Chromium: no
// console errors, every figure drawn with the expected number of series,
// bars, points or cells, a screenshot of each page in the artifacts
// directory (report/testdata/out, or $INTERLOOP_ARTIFACTS).
func TestReportInBrowser(t *testing.T) {
	path, _ := fixture.Real(t)
	browser := chrometest.Browser(t)
	st := open(t, path)
	out := fixture.Artifacts(t)
	evil := filepath.Join(t.TempDir(), "evil.db")
	fixture.Hostile(t, evil)
	for _, tc := range []struct {
		store, exp, file string
		figures          []string
	}{
		{path, "default", "report-default", []string{"fig-curves", "fig-outcomes", "fig-scatter"}},
		{path, "sweep-demo", "report-sweep", []string{"fig-curves", "fig-outcomes", "fig-scatter", "fig-heat"}},
		{evil, fixture.HostileName, "report-hostile", []string{"fig-curves", "fig-outcomes", "fig-scatter", "fig-heat"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			src := st
			if tc.store != path {
				src = open(t, tc.store)
			}
			d := load(t, src, tc.exp)
			var buf bytes.Buffer
			if err := report.WriteHTML(&buf, d, report.Options{Version: "test"}); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(out, tc.file+".html")
			if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			pg := chrometest.Tab(t, browser)
			pg.Open("file://" + file)
			figs := pg.CheckFigures()
			var ids []string
			for _, f := range figs {
				ids = append(ids, f.ID)
			}
			if strings.Join(ids, " ") != strings.Join(tc.figures, " ") {
				t.Errorf("figures %v, want %v", ids, tc.figures)
			}
			// A click on a run in the runs table lands on its row.
			first := d.Runs()[0].ID
			chrometest.Click(pg, `a.run-link`)
			if h := chrometest.Eval[string](pg, `location.hash`); h != "#run-"+first {
				t.Errorf("after a click on the first run: location.hash %q, want #run-%s", h, first)
			}
			if tc.exp == fixture.HostileName {
				if v := chrometest.Eval[string](pg, `String(window.pwned)`); v != "undefined" {
					t.Errorf("a hostile string ran as script: window.pwned = %s", v)
				}
				if n := chrometest.Eval[int](pg, `document.images.length`); n != 0 {
					t.Errorf("%d <img> elements: a hostile string became markup", n)
				}
				if title := chrometest.Eval[string](pg, `document.title`); !strings.Contains(title, "<script>window.pwned=1</script>") {
					t.Errorf("title %q does not show the name as text", title)
				}
			}
			for _, p := range pg.Problems() {
				t.Errorf("%s: %s", tc.file, p)
			}
			pg.Screenshot(out, tc.file+".png")
		})
	}
}
