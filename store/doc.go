// Package store keeps experiment results in a SQL database: one row per
// finished run (its resolved config, seed, status, error, timings and
// versions, and the full result as JSON), its step metrics (the training
// curves), its audit metrics, and the detectors it used — in long tables
// that load straight into pandas (`interloop export`).
//
// # Durability
//
// Only finished runs are written, each in one transaction together with
// its curves, audit rows and detectors, so a process killed at any moment
// leaves every run either complete or absent: resuming an experiment redoes
// exactly the absent ones. A run's ID is a hash of its config and seed
// (experiment.RunID); runs are shared between experiments that ask for the
// same config and seed, linked through experiment_runs.
//
// # Backends
//
// The schema and its migrations are portable SQL (TEXT, BIGINT, DOUBLE
// PRECISION; INSERT … ON CONFLICT; '?' placeholders rebound per backend),
// run through the small [Backend] interface. [OpenSQLite] is the default
// backend (modernc.org/sqlite, pure Go, WAL journal, a busy timeout, and an
// exclusive writer lock file so two `interloop run` processes never write
// one store at once). [OpenPostgres] (jackc/pgx) runs the same schema and
// migrations on a PostgreSQL server that many processes write at once —
// the shards of a cluster sweep: [Open] picks it for a postgres:// URL.
// There, migrations take turns under an advisory lock, a run's row is
// written first so that two writers of one run serialize on it, and
// [Store.LockRuns] takes advisory locks per experiment and per shard
// instead of one per database. [Store.Import] merges stores (per-shard
// SQLite files into one); the storetest package is the conformance suite
// every backend passes.
//
// A file that is not an interloop store, or is corrupted or truncated,
// gives an error naming it, never a panic.
package store
