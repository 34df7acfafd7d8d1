package web_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"interloop/audit"
	"interloop/experiment"
	"interloop/report/internal/chrometest"
	"interloop/report/internal/fixture"
	"interloop/report/web"
)

// TestDashboardInBrowser drives the dashboard in headless Chromium: the
// experiments list, a click to an experiment (every figure drawn, with the
// expected number of series, bars or points), a click on a run in the runs
// table and on a point of the scatter (each opens the run's page, whose
// curves draw), no console error anywhere, and a screenshot of each page.
func TestDashboardInBrowser(t *testing.T) {
	path, _ := fixture.Real(t)
	browser := chrometest.Browser(t)
	srv := httptest.NewServer(web.New(openStore(t, path), web.Options{Version: "test"}))
	defer srv.Close()
	out := fixture.Artifacts(t)
	pg := chrometest.Tab(t, browser)

	pg.Open(srv.URL + "/")
	if n := chrometest.Eval[int](pg, `document.querySelectorAll("a.experiment-link").length`); n != 2 {
		t.Errorf("%d experiments listed, want 2", n)
	}
	pg.Screenshot(out, "dashboard-index.png")

	chrometest.Click(pg, `a.experiment-link[href="/e/default"]`)
	waitPath(t, pg, "/e/default")
	pg.WaitFigures()
	figs := pg.CheckFigures()
	if len(figs) != 3 {
		t.Errorf("%d figures on the experiment page, want 3", len(figs))
	}
	pg.Screenshot(out, "dashboard-experiment.png")

	// A click on a run in the runs table opens its page.
	href := chrometest.Eval[string](pg, `document.querySelector("a.run-link").getAttribute("href")`)
	chrometest.Click(pg, `a.run-link`)
	waitPath(t, pg, href)
	pg.WaitFigures()
	pg.CheckFigures()
	if id := strings.TrimPrefix(href, "/r/"); !strings.Contains(chrometest.Eval[string](pg, `document.querySelector("h1").textContent`), id) {
		t.Errorf("the run page's heading lacks %s", id)
	}
	pg.Screenshot(out, "dashboard-run.png")

	// A click on a point of the scatter opens that run's page.
	pg.Open(srv.URL + "/e/default")
	xy := chrometest.Eval[[]float64](pg, `(() => {
  const p = document.querySelector("#fig-scatter g.mark-symbol.role-mark path");
  p.scrollIntoView({block: "center"});
  const b = p.getBoundingClientRect();
  return [b.x + b.width / 2, b.y + b.height / 2];
})()`)
	if err := chromedp.Do(pg.Context(), chromedp.MouseClickXY(xy[0], xy[1])); err != nil {
		t.Fatal(err)
	}
	waitPrefix(t, pg, "/r/")
	pg.WaitFigures()
	pg.CheckFigures()

	for _, p := range pg.Problems() {
		t.Error(p)
	}
}

// TestLiveRefresh: an experiment page open in the browser reloads by
// itself when a new run is stored.
func TestLiveRefresh(t *testing.T) {
	browser := chrometest.Browser(t)
	ctx := context.Background()
	st := openStore(t, filepath.Join(t.TempDir(), "live.db"))
	c := experiment.DefaultRunConfig()
	e := &experiment.Experiment{Name: "live", Seeds: 2, Arms: []experiment.ArmSpec{{Name: "a", Config: c}}}
	if err := fixture.PutSpec(ctx, st, e); err != nil {
		t.Fatal(err)
	}
	if _, err := fixture.PutFake(ctx, st, "live", fixture.Fake{Arm: "a", Seed: 0, Config: c, Lie: 0.3, Recall: 0.8, Outcome: audit.Blatant}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.New(st, web.Options{}))
	defer srv.Close()
	pg := chrometest.Tab(t, browser)
	pg.Open(srv.URL + "/e/live")
	if n := chrometest.Eval[int](pg, `document.querySelectorAll("a.run-link").length`); n != 1 {
		t.Fatalf("%d runs shown, want 1", n)
	}
	chrometest.Eval[int](pg, `window.__before = 1`)
	if _, err := fixture.PutFake(ctx, st, "live", fixture.Fake{Arm: "a", Seed: 1, Config: c, Lie: 0.1, Recall: 0.2, Outcome: audit.ObfuscatedPolicy}); err != nil {
		t.Fatal(err)
	}
	chrometest.Wait(pg, `window.__before === undefined && document.readyState === "complete" && document.querySelectorAll("a.run-link").length === 2`, 15*time.Second)
	pg.WaitFigures()
	pg.CheckFigures()
	for _, p := range pg.Problems() {
		t.Error(p)
	}
}

func waitPath(t *testing.T, pg *chrometest.Page, path string) {
	t.Helper()
	chrometest.Wait(pg, `location.pathname === `+jsString(path)+` && document.readyState === "complete"`, 10*time.Second)
}

func waitPrefix(t *testing.T, pg *chrometest.Page, prefix string) {
	t.Helper()
	chrometest.Wait(pg, `location.pathname.startsWith(`+jsString(prefix)+`) && document.readyState === "complete"`, 10*time.Second)
}

func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
