// Package chrometest drives headless Chromium (Debian's `chromium`, through
// chromedp) for the report's end-to-end tests: it opens a page, records
// every console message and uncaught exception, waits for each figure to
// render, counts each figure's drawn marks, and saves a full-page
// screenshot. Tests that need the browser skip, naming chromium, when it
// is not installed.
package chrometest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Path finds the browser: $INTERLOOP_CHROMIUM, else chromium (Debian),
// chromium-browser, google-chrome or headless-shell on PATH.
func Path() (string, bool) {
	if p := os.Getenv("INTERLOOP_CHROMIUM"); p != "" {
		return p, true
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, true
		}
	}
	return "", false
}

// Browser starts a headless browser for the test (skipping it, with a
// message naming chromium, when there is none) and returns its context;
// the browser stops when the test ends.
func Browser(t *testing.T) context.Context {
	t.Helper()
	p, ok := Path()
	if !ok {
		t.Skip("chromium not found: install Debian's chromium (apt-get install chromium, as .ci/run does) or set INTERLOOP_CHROMIUM to run the browser tests")
	}
	opts := append([]chromedp.ExecAllocatorOption{}, chromedp.DefaultExecAllocatorOptions[:]...)
	opts = append(opts, chromedp.ExecPath(p), chromedp.WindowSize(1320, 1000), chromedp.DisableGPU,
		chromedp.Flag("hide-scrollbars", true), chromedp.Flag("mute-audio", true))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run its sandbox as root (CI containers)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc(); cancel() })
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting %s: %v", p, err)
	}
	return bctx
}

// Tab opens a new tab in the browser of ctx, with a console recorder and a
// trap that records any alert, confirm or prompt call instead of showing
// it (window.__dialogs).
func Tab(t *testing.T, browser context.Context) *Page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `window.__dialogs = []; for (const k of ["alert", "confirm", "prompt"]) { window[k] = (m) => { window.__dialogs.push(k + ": " + m); }; }`,
		})
		return err
	})); err != nil {
		t.Fatalf("new tab: %v", err)
	}
	pg := &Page{t: t, ctx: ctx}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			pg.mu.Lock()
			pg.console = append(pg.console, m)
			pg.mu.Unlock()
		}
	}()
	return pg
}

// Page is one browser tab.
type Page struct {
	t       *testing.T
	ctx     context.Context
	mu      sync.Mutex
	console []chromedp.ConsoleMessage
}

// Context is the tab's chromedp context.
func (p *Page) Context() context.Context { return p.ctx }

// Open navigates to url and waits until every .figure on the page has
// rendered (data-rendered set) or failed.
func (p *Page) Open(url string) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, chromedp.Navigate(url)); err != nil {
		p.t.Fatalf("open %s: %v", url, err)
	}
	p.WaitFigures()
}

// WaitFigures waits until every figure has rendered or failed.
func (p *Page) WaitFigures() {
	p.t.Helper()
	Wait(p, `document.readyState === "complete" && Array.from(document.querySelectorAll(".figure")).every((f) => f.dataset.rendered)`, 30*time.Second)
}

// Figure is what a rendered figure holds.
type Figure struct {
	ID       string
	Rendered string // "true", or "error"
	Mark     string // the mark type the page says to count
	Want     int    // how many the page says it drew (data-marks)
	Got      int    // marks of that type with a non-empty shape in the SVG
	SVG      bool   // an <svg> with a non-zero size is there
}

// Figures counts each figure's drawn marks: the SVG paths of Vega marks of
// the figure's data-mark type (role "mark", so legends and axes do not
// count) whose shape is not empty.
func (p *Page) Figures() []Figure {
	p.t.Helper()
	figs, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]Figure](`Array.from(document.querySelectorAll(".figure")).map((f) => {
  const svg = f.querySelector("svg");
  const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  const paths = Array.from(f.querySelectorAll("g.mark-" + f.dataset.mark + ".role-mark path"))
    .filter((p) => (p.getAttribute("d") || "").length > 3);
  return {ID: f.id, Rendered: f.dataset.rendered || "", Mark: f.dataset.mark, Want: Number(f.dataset.marks),
    Got: paths.length, SVG: !!svg && box.width > 50 && box.height > 50};
})`))
	if err != nil {
		p.t.Fatalf("counting figures: %v", err)
	}
	return figs
}

// Eval evaluates a JavaScript expression in the page.
func Eval[T any](p *Page, expr string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// Problems returns the console errors, warnings and uncaught exceptions so
// far, and every dialog the page tried to open.
func (p *Page) Problems() []string {
	p.t.Helper()
	time.Sleep(100 * time.Millisecond) // let the last console events arrive
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, m := range p.console {
		switch m.Type {
		case chromedp.ConsoleError, chromedp.ConsoleException, chromedp.ConsoleWarning:
			where := ""
			if m.URL != "" && !strings.HasPrefix(m.URL, "data:") {
				where = fmt.Sprintf(" (%s:%d)", shorten(m.URL), m.Line+1)
			}
			out = append(out, fmt.Sprintf("console %s: %s%s", m.Type, m.Text, where))
		}
	}
	dialogs, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]string](`window.__dialogs || []`))
	if err == nil {
		for _, d := range dialogs {
			out = append(out, "dialog "+d)
		}
	}
	return out
}

func shorten(u string) string {
	if len(u) > 80 {
		return u[:40] + "…" + u[len(u)-30:]
	}
	return u
}

// Screenshot saves a full-page PNG as dir/name and returns its path.
func (p *Page) Screenshot(dir, name string) string {
	p.t.Helper()
	buf, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot: %s", path)
	return path
}

// CheckFigures fails the test for a figure that did not render, has no
// SVG, or drew another number of marks than the page says.
func (p *Page) CheckFigures() []Figure {
	p.t.Helper()
	figs := p.Figures()
	for _, f := range figs {
		if f.Rendered != "true" || !f.SVG {
			p.t.Errorf("figure %s: rendered=%q, svg=%v", f.ID, f.Rendered, f.SVG)
			continue
		}
		if f.Want <= 0 || f.Got != f.Want {
			p.t.Errorf("figure %s: %d %s marks drawn, want %d", f.ID, f.Got, f.Mark, f.Want)
		}
	}
	return figs
}

// Click clicks the first element matching a CSS selector.
func Click(p *Page, css string) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, chromedp.Click(chromedp.CSS(css), chromedp.NodeVisible)); err != nil {
		p.t.Fatalf("click %s: %v", css, err)
	}
}

// Wait evaluates a JavaScript predicate every 50 ms until it is true,
// across navigations and reloads (an evaluation that fails because the page
// is changing is retried), failing the test after timeout.
func Wait(p *Page, expr string, timeout time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`!!(`+expr+`)`))
		if err == nil && ok {
			return
		}
		last = err
		if p.ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	href, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`location.href`))
	p.t.Fatalf("waiting for %s (at %s): timed out after %v (last error: %v)", expr, href, timeout, last)
}
