package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Store is an open results database. Its methods are safe for concurrent
// use.
type Store struct {
	b Backend
}

// DefaultPath is where `interloop run` keeps results unless told otherwise.
const DefaultPath = "interloop-results/results.db"

// Open opens the store at target — a SQLite file path, created if needed,
// or a PostgreSQL URL (postgres://…) — bringing its schema up to date.
func Open(ctx context.Context, target string) (*Store, error) {
	b, err := OpenBackend(ctx, target)
	if err != nil {
		return nil, err
	}
	s, err := New(ctx, b)
	if err != nil {
		b.Close()
		return nil, err
	}
	return s, nil
}

// New runs the migrations on b and returns the store.
func New(ctx context.Context, b Backend) (*Store, error) {
	s := &Store{b: b}
	if err := s.migrate(ctx); err != nil {
		return nil, fmt.Errorf("store %s: %v", b.Name(), explain(err))
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.b.Close() }

// Name is the database's name (its path, or its URL without credentials).
func (s *Store) Name() string { return s.b.Name() }

// Lock takes the exclusive writer lock (see Backend.Lock).
func (s *Store) Lock(ctx context.Context) (func(), error) { return s.b.Lock(ctx) }

// SchemaVersion is the schema version this build writes.
func SchemaVersion() int { return len(migrations) }

func (s *Store) q(query string) string { return s.b.Rebind(query) }

func (s *Store) migrate(ctx context.Context) error {
	db := s.b.DB()
	// Processes that open one server's store at once take turns.
	if l, ok := s.b.(interface {
		lockMigrations(context.Context) (func(), error)
	}); ok {
		release, err := l.lockMigrations(ctx)
		if err != nil {
			return err
		}
		defer release()
	}
	// Each migration runs in one transaction that first re-reads the
	// version, so processes opening a new store at once never apply a
	// migration twice: SQLite's BEGIN IMMEDIATE (the DSN's _txlock) and
	// PostgreSQL's lock above make them take turns, and a latecomer finds the
	// work done.
	for {
		done, err := s.migrateOne(ctx, db)
		if err != nil || done {
			return err
		}
	}
}

// migrateOne applies the next pending migration, reporting whether none was
// left.
func (s *Store) migrateOne(ctx context.Context, db *sql.DB) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer func() {
		if err != nil || done {
			tx.Rollback()
		}
	}()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)`); err != nil {
		return false, err
	}
	var v int
	err = tx.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// A database with other tables but no version is not ours. (Asked
		// outside the transaction: a failed query would abort it on
		// PostgreSQL.)
		var n int
		if err := db.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM experiments`)).Scan(&n); err == nil {
			return false, fmt.Errorf("has tables but no schema version: not an interloop store")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (0)`); err != nil {
			return false, err
		}
		v = 0
	case err != nil:
		return false, err
	}
	if v > len(migrations) {
		return false, fmt.Errorf("schema version %d is newer than this interloop's (%d): upgrade interloop", v, len(migrations))
	}
	if v == len(migrations) {
		return true, nil
	}
	for _, stmt := range strings.Split(migrations[v], ";") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return false, fmt.Errorf("migration %d: %w", v+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE schema_version SET version = ?`), v+1); err != nil {
		return false, err
	}
	return false, tx.Commit()
}

// Experiment is an experiment's row.
type Experiment struct {
	Name, Description string
	Spec              string // JSON
	Created, Updated  time.Time
	// Done, Failed count its linked runs (filled by Experiments).
	Done, Failed int
}

// Run is one finished run with its metrics.
type Run struct {
	ID         string
	Experiment string // the experiment that ran it
	Arm        string
	Seed       int
	Config     string // JSON
	Status     string // StatusDone or StatusFailed
	Error      string
	Outcome    string
	Started    time.Time
	Finished   time.Time
	Seconds    float64
	Version    string // interloop's
	GoVersion  string
	Result     string // JSON

	Curves    []Point
	Audit     []Metric
	Detectors []Detector
}

// Run statuses.
const (
	StatusDone   = "done"
	StatusFailed = "failed"
)

// Point is one step metric.
type Point struct {
	Step   int
	Metric string
	Value  float64 // NaN is stored as NULL
}

// Metric is one audit metric.
type Metric struct {
	Name  string
	Value float64
}

// Detector is a detector a run used.
type Detector struct {
	Name, Kind, Site, Data string
	Threshold              float64
	Document               string // JSON (probe.Save)
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTS(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func nullable(x float64) any {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return x
}

func fromNull(x sql.NullFloat64) float64 {
	if !x.Valid {
		return math.NaN()
	}
	return x.Float64
}

// PutExperiment records (or updates) an experiment.
func (s *Store) PutExperiment(ctx context.Context, e Experiment) error {
	now := ts(time.Now())
	_, err := s.b.DB().ExecContext(ctx, s.q(`INSERT INTO experiments (name, description, spec, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET description = excluded.description, spec = excluded.spec, updated_at = excluded.updated_at`),
		e.Name, e.Description, e.Spec, now, now)
	return s.wrap(err)
}

func (s *Store) wrap(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("store %s: %s", s.b.Name(), explain(err))
}

// Status returns the status of each of the given run IDs that is stored.
func (s *Store) Status(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := s.b.DB().QueryContext(ctx, s.q(`SELECT run_id, status FROM runs WHERE run_id IN (?`+strings.Repeat(",?", len(chunk)-1)+`)`), args...)
		if err != nil {
			return nil, s.wrap(err)
		}
		for rows.Next() {
			var id, st string
			if err := rows.Scan(&id, &st); err != nil {
				rows.Close()
				return nil, s.wrap(err)
			}
			out[id] = st
		}
		if err := rows.Close(); err != nil {
			return nil, s.wrap(err)
		}
		if err := rows.Err(); err != nil {
			return nil, s.wrap(err)
		}
	}
	return out, nil
}

// Link records that experiment asked for the stored run id as (arm, seed).
func (s *Store) Link(ctx context.Context, experiment, arm string, seed int, id string) error {
	return s.wrap(link(ctx, s, s.b.DB(), experiment, arm, seed, id))
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func link(ctx context.Context, s *Store, x execer, experiment, arm string, seed int, id string) error {
	_, err := x.ExecContext(ctx, s.q(`INSERT INTO experiment_runs (experiment, run_id, arm, seed) VALUES (?, ?, ?, ?)
		ON CONFLICT (experiment, run_id) DO UPDATE SET arm = excluded.arm, seed = excluded.seed`), experiment, id, arm, seed)
	return err
}

// PutRun stores a finished run, its metrics and detectors, and its link to
// r.Experiment, in one transaction: after a crash the run is either wholly
// there or absent. A run already stored under the ID is replaced.
func (s *Store) PutRun(ctx context.Context, r *Run) (err error) {
	// Commit even if ctx is cancelled now: the run is finished, and a
	// transaction either commits whole or not at all.
	ctx = context.WithoutCancel(ctx)
	tx, err := s.b.DB().BeginTx(ctx, nil)
	if err != nil {
		return s.wrap(err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
			err = s.wrap(err)
		}
	}()
	// The run's row first: it locks the ID, so a concurrent writer of the
	// same run (PostgreSQL) waits here, then replaces these rows whole.
	_, err = tx.ExecContext(ctx, s.q(`INSERT INTO runs (run_id, experiment, arm, seed, config, status, error, outcome,
		started_at, finished_at, seconds, interloop_version, go_version, result)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (run_id) DO UPDATE SET experiment = excluded.experiment, arm = excluded.arm, seed = excluded.seed,
		config = excluded.config, status = excluded.status, error = excluded.error, outcome = excluded.outcome,
		started_at = excluded.started_at, finished_at = excluded.finished_at, seconds = excluded.seconds,
		interloop_version = excluded.interloop_version, go_version = excluded.go_version, result = excluded.result`),
		r.ID, r.Experiment, r.Arm, r.Seed, r.Config, r.Status, r.Error, r.Outcome,
		ts(r.Started), ts(r.Finished), r.Seconds, r.Version, r.GoVersion, r.Result)
	if err != nil {
		return err
	}
	for _, t := range []string{"step_metrics", "audit_results", "detectors"} {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM `+t+` WHERE run_id = ?`), r.ID); err != nil {
			return err
		}
	}
	for _, p := range r.Curves {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO step_metrics (run_id, step, metric, value) VALUES (?, ?, ?, ?)`),
			r.ID, p.Step, p.Metric, nullable(p.Value)); err != nil {
			return err
		}
	}
	for _, m := range r.Audit {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO audit_results (run_id, metric, value) VALUES (?, ?, ?)`),
			r.ID, m.Name, nullable(m.Value)); err != nil {
			return err
		}
	}
	for _, d := range r.Detectors {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO detectors (run_id, name, kind, site, data, threshold, document) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			r.ID, d.Name, d.Kind, d.Site, d.Data, nullable(d.Threshold), d.Document); err != nil {
			return err
		}
	}
	if err := link(ctx, s, tx, r.Experiment, r.Arm, r.Seed, r.ID); err != nil {
		return err
	}
	return tx.Commit()
}

// Experiments lists the stored experiments with their run counts.
func (s *Store) Experiments(ctx context.Context) ([]Experiment, error) {
	rows, err := s.b.DB().QueryContext(ctx, s.q(`SELECT e.name, e.description, e.spec, e.created_at, e.updated_at,
		COALESCE(SUM(CASE WHEN r.status = 'done' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN r.status = 'failed' THEN 1 ELSE 0 END), 0)
		FROM experiments e LEFT JOIN experiment_runs l ON l.experiment = e.name LEFT JOIN runs r ON r.run_id = l.run_id
		GROUP BY e.name, e.description, e.spec, e.created_at, e.updated_at ORDER BY e.name`))
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	var out []Experiment
	for rows.Next() {
		var e Experiment
		var c, u string
		if err := rows.Scan(&e.Name, &e.Description, &e.Spec, &c, &u, &e.Done, &e.Failed); err != nil {
			return nil, s.wrap(err)
		}
		e.Created, e.Updated = parseTS(c), parseTS(u)
		out = append(out, e)
	}
	return out, s.wrap(rows.Err())
}

const runCols = `r.run_id, r.experiment, r.arm, r.seed, r.config, r.status, r.error, r.outcome,
	r.started_at, r.finished_at, r.seconds, r.interloop_version, r.go_version, r.result`

func scanRun(sc interface{ Scan(...any) error }) (*Run, error) {
	var r Run
	var st, fi string
	err := sc.Scan(&r.ID, &r.Experiment, &r.Arm, &r.Seed, &r.Config, &r.Status, &r.Error, &r.Outcome,
		&st, &fi, &r.Seconds, &r.Version, &r.GoVersion, &r.Result)
	r.Started, r.Finished = parseTS(st), parseTS(fi)
	return &r, err
}

// Runs lists the runs linked to experiment (all runs when it is ""),
// without their metrics, ordered by arm and seed; Arm and Seed are the
// experiment's names for them.
func (s *Store) Runs(ctx context.Context, experiment string) ([]*Run, error) {
	query := `SELECT ` + runCols + `, l.arm, l.seed FROM runs r JOIN experiment_runs l ON l.run_id = r.run_id`
	var args []any
	if experiment != "" {
		query += ` WHERE l.experiment = ?`
		args = append(args, experiment)
	}
	query += ` ORDER BY l.experiment, l.arm, l.seed`
	rows, err := s.b.DB().QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	var out []*Run
	for rows.Next() {
		var arm string
		var seed int
		var r Run
		var st, fi string
		if err := rows.Scan(&r.ID, &r.Experiment, &r.Arm, &r.Seed, &r.Config, &r.Status, &r.Error, &r.Outcome,
			&st, &fi, &r.Seconds, &r.Version, &r.GoVersion, &r.Result, &arm, &seed); err != nil {
			return nil, s.wrap(err)
		}
		r.Started, r.Finished = parseTS(st), parseTS(fi)
		r.Arm, r.Seed = arm, seed
		out = append(out, &r)
	}
	return out, s.wrap(rows.Err())
}

// ErrNotFound is wrapped by Get's error for an unknown run.
var ErrNotFound = errors.New("no such run")

// Get returns the run whose ID starts with prefix, with its metrics and
// detectors; a prefix matching several runs is an error.
func (s *Store) Get(ctx context.Context, prefix string) (*Run, error) {
	if prefix == "" || strings.ContainsAny(prefix, "%_") {
		return nil, fmt.Errorf("run ID %q: want hex digits", prefix)
	}
	rows, err := s.b.DB().QueryContext(ctx, s.q(`SELECT `+runCols+` FROM runs r WHERE r.run_id LIKE ? ORDER BY r.run_id LIMIT 2`), prefix+"%")
	if err != nil {
		return nil, s.wrap(err)
	}
	var found []*Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			rows.Close()
			return nil, s.wrap(err)
		}
		found = append(found, r)
	}
	rows.Close()
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("run %s: %w in %s", prefix, ErrNotFound, s.b.Name())
	case 2:
		return nil, fmt.Errorf("run ID prefix %s is ambiguous (%s, %s, …)", prefix, found[0].ID, found[1].ID)
	}
	r := found[0]
	if err := s.fill(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// fill reads a run's curves, audit metrics and detectors.
func (s *Store) fill(ctx context.Context, r *Run) error {
	db := s.b.DB()
	crows, err := db.QueryContext(ctx, s.q(`SELECT step, metric, value FROM step_metrics WHERE run_id = ? ORDER BY step, metric`), r.ID)
	if err != nil {
		return s.wrap(err)
	}
	for crows.Next() {
		var p Point
		var v sql.NullFloat64
		if err := crows.Scan(&p.Step, &p.Metric, &v); err != nil {
			crows.Close()
			return s.wrap(err)
		}
		p.Value = fromNull(v)
		r.Curves = append(r.Curves, p)
	}
	crows.Close()
	arows, err := db.QueryContext(ctx, s.q(`SELECT metric, value FROM audit_results WHERE run_id = ? ORDER BY metric`), r.ID)
	if err != nil {
		return s.wrap(err)
	}
	for arows.Next() {
		var m Metric
		var v sql.NullFloat64
		if err := arows.Scan(&m.Name, &v); err != nil {
			arows.Close()
			return s.wrap(err)
		}
		m.Value = fromNull(v)
		r.Audit = append(r.Audit, m)
	}
	arows.Close()
	drows, err := db.QueryContext(ctx, s.q(`SELECT name, kind, site, data, threshold, document FROM detectors WHERE run_id = ? ORDER BY name`), r.ID)
	if err != nil {
		return s.wrap(err)
	}
	for drows.Next() {
		var d Detector
		var v sql.NullFloat64
		if err := drows.Scan(&d.Name, &d.Kind, &d.Site, &d.Data, &v, &d.Document); err != nil {
			drows.Close()
			return s.wrap(err)
		}
		d.Threshold = fromNull(v)
		r.Detectors = append(r.Detectors, d)
	}
	drows.Close()
	return nil
}

// Scan calls fn for every row of table (one of Tables), restricted to the
// runs of experiment when it is not "": column names, then each row's
// values (string, int64, float64 or nil).
func (s *Store) Scan(ctx context.Context, table, experiment string, fn func(cols []string, vals []any) error) error {
	known := false
	for _, t := range Tables {
		known = known || t == table
	}
	if !known {
		return fmt.Errorf("unknown table %q (have %s)", table, strings.Join(Tables, ", "))
	}
	query := `SELECT * FROM ` + table
	var args []any
	if experiment != "" {
		switch table {
		case "experiments":
			query += ` WHERE name = ?`
		case "experiment_runs":
			query += ` WHERE experiment = ?`
		default:
			query += ` WHERE run_id IN (SELECT run_id FROM experiment_runs WHERE experiment = ?)`
		}
		args = append(args, experiment)
	}
	rows, err := s.b.DB().QueryContext(ctx, s.q(query+orderBy[table]), args...)
	if err != nil {
		return s.wrap(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return s.wrap(err)
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return s.wrap(err)
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b)
			}
		}
		if err := fn(cols, vals); err != nil {
			return err
		}
	}
	return s.wrap(rows.Err())
}

var orderBy = map[string]string{
	"experiments":     ` ORDER BY name`,
	"runs":            ` ORDER BY run_id`,
	"experiment_runs": ` ORDER BY experiment, arm, seed`,
	"step_metrics":    ` ORDER BY run_id, step, metric`,
	"audit_results":   ` ORDER BY run_id, metric`,
	"detectors":       ` ORDER BY run_id, name`,
}

// Results returns the result JSON of each of the given stored run IDs.
func (s *Store) Results(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := s.b.DB().QueryContext(ctx, s.q(`SELECT run_id, result FROM runs WHERE run_id IN (?`+strings.Repeat(",?", len(chunk)-1)+`)`), args...)
		if err != nil {
			return nil, s.wrap(err)
		}
		for rows.Next() {
			var id, res string
			if err := rows.Scan(&id, &res); err != nil {
				rows.Close()
				return nil, s.wrap(err)
			}
			out[id] = res
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, s.wrap(err)
		}
	}
	return out, nil
}
