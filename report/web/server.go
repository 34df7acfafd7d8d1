// Package web is interloop's read-only dashboard over a results store:
// the list of experiments, each experiment's report (the same figures and
// tables as `interloop report`, refreshed live while a sweep stores runs),
// a page per run (config, audit, curves, detectors), and a JSON API under
// /api for scripts.
//
// # Safety
//
// The handler only reads the store through the Store interface and serves
// the embedded scripts of report/assets by exact name: no path of a request
// ever reaches the file system. Run IDs must be hex; experiment names must
// match a stored experiment exactly; anything else is 400 or 404. Only GET
// and HEAD are allowed. Every page goes through html/template and carries
// a Content-Security-Policy that forbids requests to other origins. Unless
// Options.AnyHost is set, requests whose Host is not a loopback name are
// refused, so a web page cannot reach a dashboard on 127.0.0.1 through DNS
// rebinding.
//
// # API
//
//	GET /api/experiments                  the experiments, with run counts
//	GET /api/experiments/{name}           arms, summary cells, outcomes, findings
//	GET /api/experiments/{name}/status    done, failed, pending and an etag
//	GET /api/experiments/{name}/runs      the runs, with their main metrics
//	GET /api/experiments/{name}/figures   the Vega-Lite specs
//	GET /api/runs/{id}                    one run: config, audit, curves, detectors
//
// Numbers that are undefined (NaN) are null.
package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"log"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"interloop/report"
	"interloop/report/assets"
	"interloop/store"
)

// Store is what the dashboard reads; *store.Store implements it. Its
// methods must be safe for concurrent use.
type Store interface {
	report.Source
	// Get returns a run with its metrics and detectors; the error wraps
	// store.ErrNotFound for an unknown run.
	Get(ctx context.Context, prefix string) (*store.Run, error)
}

// Options configures the dashboard; the zero value is fine.
type Options struct {
	// Version is interloop's version, shown on pages.
	Version string
	// AnyHost accepts requests for any Host header (for a server bound to
	// a non-loopback address); by default only loopback names are served.
	AnyHost bool
	// Log receives one line per failed request (nil: the standard logger).
	Log *log.Logger
}

// Server is the dashboard's http.Handler.
type Server struct {
	st  Store
	opt Options
	mux *http.ServeMux
}

// New returns the dashboard over st.
func New(st Store, opt Options) *Server {
	s := &Server{st: st, opt: opt, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /{$}", s.index)
	s.mux.HandleFunc("GET /e/{name}", s.experiment)
	s.mux.HandleFunc("GET /r/{id}", s.run)
	s.mux.HandleFunc("GET /assets/{file}", s.asset)
	s.mux.HandleFunc("GET /api/experiments", s.apiExperiments)
	s.mux.HandleFunc("GET /api/experiments/{name}", s.apiExperiment)
	s.mux.HandleFunc("GET /api/experiments/{name}/status", s.apiStatus)
	s.mux.HandleFunc("GET /api/experiments/{name}/runs", s.apiRuns)
	s.mux.HandleFunc("GET /api/experiments/{name}/figures", s.apiFigures)
	s.mux.HandleFunc("GET /api/runs/{id}", s.apiRun)
	s.mux.HandleFunc("/", s.notFound)
	return s
}

// ServeHTTP checks the method and host, sets the security headers and
// routes the request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", report.CSP+"; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	if !s.opt.AnyHost && !LoopbackHost(r.Host) {
		s.fail(w, r, http.StatusMisdirectedRequest, "this dashboard serves only loopback host names (localhost, 127.0.0.1, [::1]); start it with --addr to serve others")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		s.fail(w, r, http.StatusMethodNotAllowed, "read-only: only GET and HEAD")
		return
	}
	s.mux.ServeHTTP(w, r)
}

// LoopbackHost reports whether a Host header (with or without a port)
// names the loopback interface.
func LoopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

var hexID = regexp.MustCompile(`^[0-9a-f]{1,64}$`)

func (s *Server) isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// fail answers an error: JSON under /api, a small page elsewhere.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, code int, msg string) {
	if code >= 500 {
		logger := s.opt.Log
		if logger == nil {
			logger = log.Default()
		}
		logger.Printf("dashboard: %s %s: %s", r.Method, r.URL.Path, msg)
	}
	w.Header().Set("Cache-Control", "no-store")
	if s.isAPI(r) {
		writeJSON(w, code, map[string]any{"error": msg, "status": code})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_ = pages.ExecuteTemplate(w, "error", map[string]any{"Style": report.Style(), "Code": code,
		"Status": http.StatusText(code), "Msg": msg})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, http.StatusNotFound, "no such page")
}

// load reads an experiment, answering 404 for an unknown one.
func (s *Server) load(w http.ResponseWriter, r *http.Request) (*report.Data, bool) {
	name := r.PathValue("name")
	d, err := report.Load(r.Context(), s.st, name)
	switch {
	case errors.Is(err, report.ErrNoExperiment):
		s.fail(w, r, http.StatusNotFound, fmt.Sprintf("no experiment %q in the store", name))
		return nil, false
	case err != nil:
		s.fail(w, r, http.StatusInternalServerError, err.Error())
		return nil, false
	}
	return d, true
}

// getRun reads a run by ID, answering 400 for a malformed ID and 404 for an
// unknown one.
func (s *Server) getRun(w http.ResponseWriter, r *http.Request) (*store.Run, bool) {
	id := r.PathValue("id")
	if !hexID.MatchString(id) {
		s.fail(w, r, http.StatusBadRequest, "a run ID is hex digits")
		return nil, false
	}
	run, err := s.st.Get(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, "no run "+id)
		return nil, false
	case err != nil && strings.Contains(err.Error(), "ambiguous"):
		s.fail(w, r, http.StatusNotFound, "run ID prefix "+id+" is ambiguous")
		return nil, false
	case err != nil:
		s.fail(w, r, http.StatusInternalServerError, err.Error())
		return nil, false
	}
	return run, true
}

// ExperimentURL and RunURL are the dashboard's page paths.
func ExperimentURL(name string) string { return "/e/" + url.PathEscape(name) }

// RunURL is a run's page path.
func RunURL(id string) string { return "/r/" + url.PathEscape(id) }

func statusURL(name string) string { return "/api/experiments/" + url.PathEscape(name) + "/status" }

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	es, err := s.st.Experiments(r.Context())
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	type row struct {
		store.Experiment
		URL, UpdatedText string
	}
	var rows []row
	for _, e := range es {
		rows = append(rows, row{e, ExperimentURL(e.Name), e.Updated.Local().Format("2006-01-02 15:04:05")})
	}
	name := ""
	if n, ok := s.st.(interface{ Name() string }); ok {
		name = n.Name()
	}
	s.page(w, r, "index", map[string]any{"Style": report.Style(), "Experiments": rows, "Store": name,
		"Version": s.opt.Version, "ETag": listETag(es)})
}

func (s *Server) experiment(w http.ResponseWriter, r *http.Request) {
	d, ok := s.load(w, r)
	if !ok {
		return
	}
	var buf bytes.Buffer
	err := report.WriteHTML(&buf, d, report.Options{
		RunURL: RunURL, AssetsURL: "/assets/", Nav: "experiments", NavURL: "/",
		Live: true, StatusURL: statusURL(d.Name), ETag: dataETag(d), Version: s.opt.Version,
	})
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = buf.WriteTo(w)
}

func (s *Server) asset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	for _, sc := range assets.Scripts() {
		if sc.Name == name {
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			w.Header().Set("Cache-Control", "public, max-age=86400")
			http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(sc.Source))
			return
		}
	}
	if b, ok := assets.Raw(name); ok && name == "NOTICE" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write(b)
		return
	}
	s.fail(w, r, http.StatusNotFound, "no such asset")
}

func (s *Server) page(w http.ResponseWriter, r *http.Request, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		s.fail(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = buf.WriteTo(w)
}

// dataETag changes whenever a run of the experiment is stored or replaced.
func dataETag(d *report.Data) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00", d.Name, d.Stale)
	for _, r := range d.Runs() {
		fmt.Fprintf(h, "%s %s %d\x00", r.ID, r.Status, r.Finished.UnixNano())
	}
	for _, a := range d.Arms {
		fmt.Fprintf(h, "%s %d\x00", a.Name, len(a.Pending))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func listETag(es []store.Experiment) string {
	h := sha256.New()
	for _, e := range es {
		fmt.Fprintf(h, "%s %d %d %d\x00", e.Name, e.Done, e.Failed, e.Updated.UnixNano())
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

var pages = template.Must(template.New("pages").Funcs(template.FuncMap{
	"chip": chipClass, "num": numText,
}).Parse(pagesTmpl))
