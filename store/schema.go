package store

// migrations are the schema's versions, in order: migration i brings a
// store from version i to i+1. Never edit a released one; append. Keep
// them portable (SQLite and PostgreSQL): TEXT, BIGINT, DOUBLE PRECISION.
var migrations = []string{
	// 1: the initial schema.
	`CREATE TABLE experiments (
		name        TEXT PRIMARY KEY,
		description TEXT NOT NULL,
		spec        TEXT NOT NULL, -- the experiment as JSON (arms, configs, sweep)
		created_at  TEXT NOT NULL,
		updated_at  TEXT NOT NULL
	);
	CREATE TABLE runs (
		run_id            TEXT PRIMARY KEY, -- hash of config and seed
		experiment        TEXT NOT NULL,    -- the experiment that ran it
		arm               TEXT NOT NULL,
		seed              BIGINT NOT NULL,
		config            TEXT NOT NULL,    -- resolved config, JSON
		status            TEXT NOT NULL,    -- done | failed
		error             TEXT NOT NULL,
		outcome           TEXT NOT NULL,    -- the audit's outcome class
		started_at        TEXT NOT NULL,
		finished_at       TEXT NOT NULL,
		seconds           DOUBLE PRECISION NOT NULL,
		interloop_version TEXT NOT NULL,
		go_version        TEXT NOT NULL,
		result            TEXT NOT NULL     -- the full result, JSON (NaN as null)
	);
	CREATE TABLE experiment_runs (
		experiment TEXT NOT NULL,
		run_id     TEXT NOT NULL,
		arm        TEXT NOT NULL,
		seed       BIGINT NOT NULL,
		PRIMARY KEY (experiment, run_id)
	);
	CREATE TABLE step_metrics (
		run_id TEXT NOT NULL,
		step   BIGINT NOT NULL,
		metric TEXT NOT NULL,
		value  DOUBLE PRECISION, -- NULL: undefined (NaN)
		PRIMARY KEY (run_id, step, metric)
	);
	CREATE TABLE audit_results (
		run_id TEXT NOT NULL,
		metric TEXT NOT NULL,
		value  DOUBLE PRECISION,
		PRIMARY KEY (run_id, metric)
	);
	CREATE TABLE detectors (
		run_id    TEXT NOT NULL,
		name      TEXT NOT NULL,
		kind      TEXT NOT NULL,
		site      TEXT NOT NULL,
		data      TEXT NOT NULL, -- what it was fit on
		threshold DOUBLE PRECISION,
		document  TEXT NOT NULL, -- the saved detector (probe.Save), JSON
		PRIMARY KEY (run_id, name)
	);
	CREATE INDEX runs_experiment ON runs (experiment);`,

	// 2: sweeps submitted to a cluster scheduler, so that `interloop
	// status` can tell what a submission should have stored.
	`CREATE TABLE submissions (
		id           TEXT PRIMARY KEY, -- scheduler-job, e.g. slurm-1234
		experiment   TEXT NOT NULL,
		scheduler    TEXT NOT NULL,    -- slurm | k8s
		job          TEXT NOT NULL,    -- the scheduler's job ID or name
		shards       BIGINT NOT NULL,  -- the sweep's shard count
		spec         TEXT NOT NULL,    -- the experiment file the shards run (YAML, seeds resolved)
		options      TEXT NOT NULL,    -- the submit options, JSON, to submit again
		submitted_at TEXT NOT NULL
	);
	CREATE INDEX submissions_experiment ON submissions (experiment);`,
}

// Tables lists the exported tables, in export order.
var Tables = []string{"experiments", "runs", "experiment_runs", "step_metrics", "audit_results", "detectors"}
