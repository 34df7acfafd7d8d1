package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"interloop/audit"
	"interloop/experiment"
	"interloop/report/internal/fixture"
	"interloop/report/web"
	"interloop/store"
)

func TestMain(m *testing.M) {
	code := m.Run()
	fixture.Cleanup()
	os.Exit(code)
}

func openStore(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

type response struct {
	code int
	head http.Header
	body string
}

func do(t *testing.T, h http.Handler, method, path, host string) response {
	t.Helper()
	req := httptest.NewRequest(method, "http://127.0.0.1:8080/", nil)
	// Set the raw path as a client would send it, escapes and dots kept.
	u, err := url.ParseRequestURI(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	req.URL = u
	req.RequestURI = path
	req.Host = host
	if host == "" {
		req.Host = "127.0.0.1:8080"
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return response{w.Code, w.Header(), w.Body.String()}
}

func get(t *testing.T, h http.Handler, path string) response {
	return do(t, h, http.MethodGet, path, "")
}

func firstRun(t *testing.T, st *store.Store, exp string) *store.Run {
	t.Helper()
	runs, err := st.Runs(context.Background(), exp)
	if err != nil || len(runs) == 0 {
		t.Fatalf("runs of %s: %d, %v", exp, len(runs), err)
	}
	return runs[0]
}

// TestHandlers checks every route's status code, content type and a
// marker of its content, and that traversal attempts never reach a file.
func TestHandlers(t *testing.T) {
	path, _ := fixture.Real(t)
	st := openStore(t, path)
	h := web.New(st, web.Options{Version: "test"})
	run := firstRun(t, st, "default")
	for _, tc := range []struct {
		method, path string
		code         int
		ctype        string
		contains     string
	}{
		{"GET", "/", 200, "text/html", "sweep-demo"},
		{"HEAD", "/", 200, "text/html", ""},
		{"GET", "/e/default", 200, "text/html", `id="fig-curves"`},
		{"GET", "/e/sweep-demo", 200, "text/html", `id="fig-heat"`},
		{"GET", "/e/nope", 404, "text/html", "no experiment"},
		{"GET", "/r/" + run.ID, 200, "text/html", run.ID},
		{"GET", "/r/" + run.ID[:6], 200, "text/html", run.ID},
		{"GET", "/r/ffffffffffffffff", 404, "text/html", "no run"},
		{"GET", "/r/ZZ", 400, "text/html", "hex"},
		{"GET", "/r/..%2F..%2Fgo.mod", 400, "text/html", "hex"},
		{"GET", "/r/%25", 400, "text/html", "hex"},
		{"GET", "/assets/vega.min.js", 200, "text/javascript", "vega"},
		{"GET", "/assets/vega-embed.min.js", 200, "text/javascript", "vegaEmbed"},
		{"GET", "/assets/NOTICE", 200, "text/plain", "BSD-3-Clause"},
		{"GET", "/assets/nope.js", 404, "text/html", ""},
		{"GET", "/assets/..%2F..%2F..%2Fgo.mod", 404, "text/html", ""},
		{"GET", "/assets/..%2fassets.go", 404, "text/html", ""},
		{"GET", "/e/..%2F..%2F..%2Fetc%2Fpasswd", 404, "text/html", "no experiment"},
		{"GET", "/api/experiments", 200, "application/json", `"name": "default"`},
		{"GET", "/api/experiments/default", 200, "application/json", `"arms"`},
		{"GET", "/api/experiments/default/status", 200, "application/json", `"etag"`},
		{"GET", "/api/experiments/default/runs", 200, "application/json", run.ID},
		{"GET", "/api/experiments/sweep-demo/figures", 200, "application/json", `"fig-heat"`},
		{"GET", "/api/experiments/nope", 404, "application/json", `"error"`},
		{"GET", "/api/experiments/nope/status", 404, "application/json", `"error"`},
		{"GET", "/api/runs/" + run.ID, 200, "application/json", `"audit"`},
		{"GET", "/api/runs/not-hex", 400, "application/json", `"error"`},
		{"GET", "/api/runs/0000000000000000", 404, "application/json", `"error"`},
		{"GET", "/api/nope", 404, "application/json", `"error"`},
		{"GET", "/nope", 404, "text/html", "no such page"},
		{"POST", "/", 405, "text/html", "read-only"},
		{"DELETE", "/api/runs/" + run.ID, 405, "application/json", "read-only"},
		{"PUT", "/e/default", 405, "text/html", ""},
	} {
		r := do(t, h, tc.method, tc.path, "")
		if r.code != tc.code {
			t.Errorf("%s %s: %d, want %d (%.200s)", tc.method, tc.path, r.code, tc.code, r.body)
			continue
		}
		if ct := r.head.Get("Content-Type"); !strings.HasPrefix(ct, tc.ctype) {
			t.Errorf("%s %s: Content-Type %q, want %s", tc.method, tc.path, ct, tc.ctype)
		}
		if tc.method == "GET" && !strings.Contains(r.body, tc.contains) {
			t.Errorf("%s %s: body lacks %q", tc.method, tc.path, tc.contains)
		}
		if tc.code == 405 && r.head.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s %s: Allow %q", tc.method, tc.path, r.head.Get("Allow"))
		}
		if !strings.Contains(r.head.Get("Content-Security-Policy"), "default-src 'none'") || r.head.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s: security headers missing: %v", tc.method, tc.path, r.head)
		}
		if strings.Contains(r.body, "module interloop") || strings.Contains(r.body, "root:x:0:0") {
			t.Errorf("%s %s: a file leaked", tc.method, tc.path)
		}
	}
}

// TestTraversalNeverReachesFiles: a path the mux cleans is redirected to a
// route that answers 404, never to a file.
func TestTraversalNeverReachesFiles(t *testing.T) {
	path, _ := fixture.Real(t)
	h := web.New(openStore(t, path), web.Options{})
	for _, p := range []string{"/assets/../../go.mod", "/e/../../../../etc/passwd", "/r/../../go.mod", "/assets/./../report.go",
		"/api/runs/../../../go.mod", "//etc/passwd", "/assets//etc/passwd"} {
		r := get(t, h, p)
		for hops := 0; (r.code == 301 || r.code == 307 || r.code == 308) && hops < 5; hops++ {
			r = get(t, h, r.head.Get("Location"))
		}
		if r.code != 404 && r.code != 400 {
			t.Errorf("GET %s: %d, want 404 or 400", p, r.code)
		}
		if strings.Contains(r.body, "module interloop") || strings.Contains(r.body, "root:x:0:0") || strings.Contains(r.body, "package report") {
			t.Errorf("GET %s: a file leaked", p)
		}
	}
}

func TestHostCheck(t *testing.T) {
	path, _ := fixture.Real(t)
	st := openStore(t, path)
	strict := web.New(st, web.Options{})
	for host, code := range map[string]int{"127.0.0.1:8080": 200, "localhost:9": 200, "[::1]:80": 200, "LOCALHOST": 200,
		"evil.example:8080": 421, "127.0.0.1.evil.example": 421, "10.0.0.1:8080": 421, "": 200} {
		if r := do(t, strict, "GET", "/", host); r.code != code {
			t.Errorf("Host %q: %d, want %d", host, r.code, code)
		}
	}
	if r := do(t, web.New(st, web.Options{AnyHost: true}), "GET", "/", "evil.example"); r.code != 200 {
		t.Errorf("AnyHost: %d", r.code)
	}
}

// TestHostileEscaped: hostile experiment, arm and run names, errors, audit
// metric and detector names and config strings are text on every page and
// escaped in the JSON.
func TestHostileEscaped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "evil.db")
	ids := fixture.Hostile(t, path)
	h := web.New(openStore(t, path), web.Options{})
	paths := []string{"/", web.ExperimentURL(fixture.HostileName), "/api/experiments",
		"/api/experiments/" + url.PathEscape(fixture.HostileName), "/api/experiments/" + url.PathEscape(fixture.HostileName) + "/runs",
		"/api/experiments/" + url.PathEscape(fixture.HostileName) + "/figures"}
	for _, id := range ids {
		paths = append(paths, "/r/"+id, "/api/runs/"+id)
	}
	for _, p := range paths {
		r := get(t, h, p)
		if r.code != 200 {
			t.Errorf("GET %s: %d (%.300s)", p, r.code, r.body)
			continue
		}
		lower := strings.ToLower(r.body)
		for _, bad := range []string{"<img", "<script>window.pwned", `onerror="window`} {
			if strings.Contains(lower, bad) {
				t.Errorf("GET %s: unescaped %q", p, bad)
			}
		}
		if strings.HasPrefix(r.head.Get("Content-Type"), "text/html") {
			if n := strings.Count(lower, "<script"); n > 4 {
				t.Errorf("GET %s: %d script elements", p, n)
			}
			if !strings.Contains(r.body, "&lt;/script&gt;") && !strings.Contains(r.body, `\u003c/script\u003e`) {
				t.Errorf("GET %s: the hostile text is not shown escaped", p)
			}
		} else if !strings.Contains(r.body, `\u003c/script\u003e`) {
			t.Errorf("GET %s: JSON lacks the escaped hostile text", p)
		}
	}
}

// TestAPI decodes the JSON API's answers.
func TestAPI(t *testing.T) {
	path, res := fixture.Real(t)
	h := web.New(openStore(t, path), web.Options{})
	var exp struct {
		Arms []struct {
			Name     string                     `json:"name"`
			Metrics  map[string]json.RawMessage `json:"metrics"`
			Outcomes map[string]int             `json:"outcomes"`
			Done     int                        `json:"done"`
			Verdict  string                     `json:"verdict"`
		} `json:"arms"`
		Findings []string `json:"findings"`
		Seeds    int      `json:"seeds"`
	}
	decode(t, get(t, h, "/api/experiments/default"), &exp)
	if len(exp.Arms) != len(res.Experiment.Arms) || exp.Seeds != fixture.Seeds || len(exp.Findings) == 0 {
		t.Fatalf("%d arms, %d seeds, %d findings", len(exp.Arms), exp.Seeds, len(exp.Findings))
	}
	for _, a := range exp.Arms {
		n := 0
		for _, c := range a.Outcomes {
			n += c
		}
		if a.Done != fixture.Seeds || n != a.Done || a.Verdict == "" || len(a.Metrics) != len(experiment.Metrics) {
			t.Errorf("arm %+v", a)
		}
	}
	var runs struct {
		Runs []struct {
			ID      string   `json:"id"`
			LieRate *float64 `json:"lie_rate_sampled"`
			URL     string   `json:"url"`
		} `json:"runs"`
	}
	decode(t, get(t, h, "/api/experiments/default/runs"), &runs)
	if len(runs.Runs) != len(res.Runs) {
		t.Fatalf("%d runs, want %d", len(runs.Runs), len(res.Runs))
	}
	for _, r := range runs.Runs {
		if r.LieRate == nil || r.URL != "/r/"+r.ID {
			t.Errorf("run %+v", r)
		}
	}
	var figs struct {
		Figures []struct {
			ID    string         `json:"id"`
			Marks int            `json:"marks"`
			Spec  map[string]any `json:"vega_lite"`
		} `json:"figures"`
	}
	decode(t, get(t, h, "/api/experiments/default/figures"), &figs)
	if len(figs.Figures) != 3 || figs.Figures[0].Marks == 0 || figs.Figures[0].Spec["facet"] == nil {
		t.Errorf("figures %+v", figs.Figures)
	}
}

func decode(t *testing.T, r response, v any) {
	t.Helper()
	if r.code != 200 {
		t.Fatalf("%d: %s", r.code, r.body)
	}
	if err := json.NewDecoder(strings.NewReader(r.body)).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// TestStatusFollowsTheStore: the status etag (which drives live refresh)
// changes when a run is stored, and pending seeds count down.
func TestStatusFollowsTheStore(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, filepath.Join(t.TempDir(), "live.db"))
	c := experiment.DefaultRunConfig()
	e := &experiment.Experiment{Name: "live", Seeds: 2, Arms: []experiment.ArmSpec{{Name: "a", Config: c}}}
	if err := fixture.PutSpec(ctx, st, e); err != nil {
		t.Fatal(err)
	}
	h := web.New(st, web.Options{})
	type status struct {
		Done, Pending int
		ETag          string `json:"etag"`
	}
	var s0, s1, s2 status
	decode(t, get(t, h, "/api/experiments/live/status"), &s0)
	if _, err := fixture.PutFake(ctx, st, "live", fixture.Fake{Arm: "a", Seed: 0, Config: c, Lie: 0.2, Recall: 0.5, Outcome: audit.Blatant}); err != nil {
		t.Fatal(err)
	}
	decode(t, get(t, h, "/api/experiments/live/status"), &s1)
	decode(t, get(t, h, "/api/experiments/live/status"), &s2)
	if s0.Done != 0 || s1.Done != 1 || s0.ETag == s1.ETag || s1.ETag != s2.ETag {
		t.Errorf("status before %+v, after %+v, again %+v", s0, s1, s2)
	}
	if r := get(t, h, "/e/live"); r.code != 200 || !strings.Contains(r.body, "live: reloads when new runs are stored") {
		t.Errorf("experiment page: %d, live script missing", r.code)
	}
	body, _ := io.ReadAll(strings.NewReader(get(t, h, "/").body))
	if !strings.Contains(string(body), `href="/e/live"`) {
		t.Error("index does not link the experiment")
	}
}
