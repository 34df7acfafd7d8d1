package store

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

func testRun(id string, seed int) *Run {
	return &Run{ID: id, Experiment: "e", Arm: "a", Seed: seed, Config: `{"x":1}`, Status: StatusDone,
		Outcome: "honest", Started: time.Unix(1, 0), Finished: time.Unix(2, 0), Seconds: 1.5, Version: "v", GoVersion: "go",
		Result: `{}`, Curves: []Point{{0, "lie", 0.5}, {10, "lie", math.NaN()}}, Audit: []Metric{{"auroc", 0.9}, {"nan", math.NaN()}},
		Detectors: []Detector{{Name: "deception", Kind: "logistic", Site: "s", Data: "d", Threshold: 0.7, Document: "{}"}}}
}

func TestPutGetRoundTrip(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.PutExperiment(ctx, Experiment{Name: "e", Description: "d", Spec: "{}"}); err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"aa01", "bb02"} {
		if err := s.PutRun(ctx, testRun(id, i)); err != nil {
			t.Fatal(err)
		}
	}
	// Replacing a run replaces its rows.
	if err := s.PutRun(ctx, testRun("aa01", 0)); err != nil {
		t.Fatal(err)
	}
	r, err := s.Get(ctx, "aa")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Curves) != 2 || !math.IsNaN(r.Curves[1].Value) || len(r.Audit) != 2 || len(r.Detectors) != 1 || r.Seconds != 1.5 {
		t.Fatalf("%+v", r)
	}
	if _, err := s.Get(ctx, "cc"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing run: %v", err)
	}
	st, err := s.Status(ctx, []string{"aa01", "bb02", "zz"})
	if err != nil || len(st) != 2 {
		t.Fatalf("%v %v", st, err)
	}
	es, err := s.Experiments(ctx)
	if err != nil || len(es) != 1 || es[0].Done != 2 {
		t.Fatalf("%+v %v", es, err)
	}
	// Export: parquet read back with the Go reader equals the store.
	dir := t.TempDir()
	if _, err := s.Export(ctx, dir, "parquet", ""); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "audit_results.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	type auditRow struct {
		RunID  string   `parquet:"run_id,optional"`
		Metric string   `parquet:"metric,optional"`
		Value  *float64 `parquet:"value,optional"`
	}
	rows, err := parquet.Read[auditRow](f, fi.Size())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0].RunID != "aa01" || rows[0].Metric != "auroc" || rows[0].Value == nil || *rows[0].Value != 0.9 || rows[1].Value != nil {
		t.Fatalf("%+v", rows)
	}
	if _, err := s.Export(ctx, dir, "csv", "e"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "audit_results.csv"))
	if string(b) != "run_id,metric,value\naa01,auroc,0.9\naa01,nan,\nbb02,auroc,0.9\nbb02,nan,\n" {
		t.Fatalf("csv:\n%s", b)
	}
}

// TestBadFiles: a corrupted, truncated or foreign file is a clear error,
// never a panic, and is left as it was.
func TestBadFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	s, err := Open(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		s.PutRun(ctx, testRun(strings.Repeat("x", i+1), i))
	}
	s.Close()
	raw, _ := os.ReadFile(good)
	cases := map[string][]byte{
		"text":      []byte("this is not a database\n"),
		"truncated": raw[:len(raw)/3],
		"garbled":   append(append([]byte{}, raw[:100]...), make([]byte, len(raw)-100)...),
		"header":    append([]byte("SQLite format 3\x00"), make([]byte, 84)...),
	}
	for name, content := range cases {
		path := filepath.Join(dir, name+".db")
		os.WriteFile(path, content, 0o644)
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: panic %v", name, r)
				}
			}()
			s, err := Open(ctx, path)
			if err == nil {
				// Some damage shows only when the data is read.
				_, err = s.Runs(ctx, "")
				if err == nil {
					_, err = s.Get(ctx, "x")
				}
				s.Close()
			}
			if err == nil {
				t.Errorf("%s: opened without error", name)
				return
			}
			if !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s: error %q should be one line naming %s", name, err, path)
			}
		}()
		if after, _ := os.ReadFile(path); string(after) != string(content) {
			t.Errorf("%s: file was modified", name)
		}
	}
	// A SQLite database that is not ours.
	other := filepath.Join(dir, "other.db")
	s, _ = Open(ctx, other)
	s.b.DB().Exec(`DROP TABLE schema_version`)
	s.Close()
	if _, err := Open(ctx, other); err == nil || !strings.Contains(err.Error(), "not an interloop store") {
		t.Errorf("foreign db: %v", err)
	}
}

func TestLock(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	release, err := s.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := Open(ctx, path)
	defer s2.Close()
	if _, err := s2.Lock(ctx); !errors.Is(err, ErrLocked) {
		t.Fatalf("second lock: %v", err)
	}
	release()
	r2, err := s2.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r2()
}

func TestRebindDollar(t *testing.T) {
	if got := RebindDollar(`SELECT a FROM t WHERE a = ? AND b = '?' AND c IN (?, ?)`); got != `SELECT a FROM t WHERE a = $1 AND b = '?' AND c IN ($2, $3)` {
		t.Fatal(got)
	}
}
