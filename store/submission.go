package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Submission is a sweep handed to a cluster scheduler: what its shards
// run, so that progress can be told from the store alone.
type Submission struct {
	ID         string // scheduler-job, e.g. "slurm-1234"
	Experiment string
	Scheduler  string // "slurm" or "k8s"
	Job        string // the scheduler's job ID or name
	Shards     int    // the sweep's shard count
	Spec       string // the experiment file the shards run (YAML)
	Options    string // the submit options, JSON
	Submitted  time.Time
}

// PutSubmission records (or replaces) a submission.
func (s *Store) PutSubmission(ctx context.Context, sub Submission) error {
	if sub.Submitted.IsZero() {
		sub.Submitted = time.Now()
	}
	_, err := s.b.DB().ExecContext(ctx, s.q(`INSERT INTO submissions (id, experiment, scheduler, job, shards, spec, options, submitted_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET experiment = excluded.experiment, scheduler = excluded.scheduler, job = excluded.job,
		shards = excluded.shards, spec = excluded.spec, options = excluded.options, submitted_at = excluded.submitted_at`),
		sub.ID, sub.Experiment, sub.Scheduler, sub.Job, sub.Shards, sub.Spec, sub.Options, ts(sub.Submitted))
	return s.wrap(err)
}

// ErrNoSubmission is wrapped by Submission's error when nothing matches.
var ErrNoSubmission = errors.New("no such submission")

// Submission returns the submission with the given ID, or the latest one
// of the experiment of that name, or (key "") the latest of all.
func (s *Store) Submission(ctx context.Context, key string) (*Submission, error) {
	query := `SELECT id, experiment, scheduler, job, shards, spec, options, submitted_at FROM submissions`
	var args []any
	if key != "" {
		query += ` WHERE id = ? OR experiment = ?`
		args = append(args, key, key)
	}
	// An exact ID beats an experiment's name; then the latest.
	query += ` ORDER BY CASE WHEN id = ? THEN 0 ELSE 1 END, submitted_at DESC, id DESC LIMIT 1`
	args = append(args, key)
	var sub Submission
	var at string
	err := s.b.DB().QueryRowContext(ctx, s.q(query), args...).Scan(&sub.ID, &sub.Experiment, &sub.Scheduler, &sub.Job,
		&sub.Shards, &sub.Spec, &sub.Options, &at)
	if errors.Is(err, sql.ErrNoRows) {
		if key == "" {
			return nil, fmt.Errorf("%w in %s", ErrNoSubmission, s.b.Name())
		}
		return nil, fmt.Errorf("%w %q (an ID or an experiment's name) in %s", ErrNoSubmission, key, s.b.Name())
	}
	if err != nil {
		return nil, s.wrap(err)
	}
	sub.Submitted = parseTS(at)
	return &sub, nil
}
