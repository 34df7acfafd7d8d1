package store

import (
	"context"
	"fmt"
)

// ImportStats counts what Import copied.
type ImportStats struct {
	Runs        int // runs copied
	Replaced    int // of which the destination already held (same ID)
	Links       int // experiment_runs rows
	Experiments int
	Submissions int
}

// Import copies every run of src — with its curves, audit metrics,
// detectors and experiment links — and src's experiments and submissions
// into s: how the per-shard SQLite files of a cluster without a shared
// database become one store. Each run is one transaction, as when it was
// first stored. A run s already holds is replaced: equal IDs mean equal
// configs and seeds, so equal results. Importing twice changes nothing.
func (s *Store) Import(ctx context.Context, src *Store) (ImportStats, error) {
	var st ImportStats
	if err := s.importExperiments(ctx, src, &st); err != nil {
		return st, err
	}
	ids, err := src.ids(ctx, `SELECT run_id FROM runs ORDER BY run_id`)
	if err != nil {
		return st, err
	}
	have, err := s.Status(ctx, ids)
	if err != nil {
		return st, err
	}
	for _, id := range ids {
		r, err := src.run(ctx, id)
		if err != nil {
			return st, err
		}
		if err := s.PutRun(ctx, r); err != nil {
			return st, err
		}
		st.Runs++
		if _, ok := have[id]; ok {
			st.Replaced++
		}
	}
	err = src.Scan(ctx, "experiment_runs", "", func(cols []string, vals []any) error {
		m := row(cols, vals)
		seed, _ := m["seed"].(int64)
		if err := s.Link(ctx, str(m["experiment"]), str(m["arm"]), int(seed), str(m["run_id"])); err != nil {
			return err
		}
		st.Links++
		return nil
	})
	if err != nil {
		return st, err
	}
	return st, s.importSubmissions(ctx, src, &st)
}

func row(cols []string, vals []any) map[string]any {
	m := make(map[string]any, len(cols))
	for i, c := range cols {
		m[c] = vals[i]
	}
	return m
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// importExperiments copies experiment rows, keeping the earliest creation
// and the latest spec.
func (s *Store) importExperiments(ctx context.Context, src *Store, st *ImportStats) error {
	return src.Scan(ctx, "experiments", "", func(cols []string, vals []any) error {
		m := row(cols, vals)
		_, err := s.b.DB().ExecContext(ctx, s.q(`INSERT INTO experiments (name, description, spec, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET description = excluded.description, spec = excluded.spec, updated_at = excluded.updated_at
			WHERE experiments.updated_at < excluded.updated_at`),
			str(m["name"]), str(m["description"]), str(m["spec"]), str(m["created_at"]), str(m["updated_at"]))
		if err != nil {
			return s.wrap(err)
		}
		st.Experiments++
		return nil
	})
}

func (s *Store) importSubmissions(ctx context.Context, src *Store, st *ImportStats) error {
	ids, err := src.ids(ctx, `SELECT id FROM submissions ORDER BY id`)
	if err != nil {
		return err
	}
	for _, id := range ids {
		sub, err := src.Submission(ctx, id)
		if err != nil {
			return err
		}
		if err := s.PutSubmission(ctx, *sub); err != nil {
			return err
		}
		st.Submissions++
	}
	return nil
}

// run reads one run by its exact ID, with its metrics and detectors.
func (s *Store) run(ctx context.Context, id string) (*Run, error) {
	r, err := scanRun(s.b.DB().QueryRowContext(ctx, s.q(`SELECT `+runCols+` FROM runs r WHERE r.run_id = ?`), id))
	if err != nil {
		return nil, fmt.Errorf("store %s: run %s: %v", s.b.Name(), id, explain(err))
	}
	if err := s.fill(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// ids runs a query of one text column.
func (s *Store) ids(ctx context.Context, query string) ([]string, error) {
	rows, err := s.b.DB().QueryContext(ctx, query)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, s.wrap(err)
		}
		out = append(out, id)
	}
	return out, s.wrap(rows.Err())
}
