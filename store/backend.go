package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Backend is a database the store runs on.
type Backend interface {
	// DB is the connection pool.
	DB() *sql.DB
	// Rebind rewrites a query written with '?' placeholders into the
	// backend's placeholder syntax.
	Rebind(query string) string
	// Lock takes the store's exclusive writer lock, failing at once with a
	// clear error when another process holds it; release frees it.
	Lock(ctx context.Context) (release func(), err error)
	// Name identifies the database in messages (a file path or a URL
	// without credentials).
	Name() string
	Close() error
}

// sqliteBackend is a SQLite file.
type sqliteBackend struct {
	db   *sql.DB
	path string
}

// OpenSQLite opens (creating if needed) the SQLite store at path.
func OpenSQLite(path string) (Backend, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("store %s: %w", path, err)
		}
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, fmt.Errorf("store %s: is a directory", path)
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("store %s: %v", path, explain(err))
	}
	return &sqliteBackend{db: db, path: path}, nil
}

func (b *sqliteBackend) DB() *sql.DB            { return b.db }
func (b *sqliteBackend) Rebind(q string) string { return q }
func (b *sqliteBackend) Name() string           { return b.path }
func (b *sqliteBackend) Close() error           { return b.db.Close() }
func (b *sqliteBackend) Lock(ctx context.Context) (func(), error) {
	return lockFile(b.path + ".lock")
}

// explain turns SQLite's messages for a damaged file into one line that
// says what to do.
func explain(err error) string {
	s := err.Error()
	switch {
	case strings.Contains(s, "file is not a database"), strings.Contains(s, "(26)"):
		return "not an SQLite database (corrupted, or another kind of file): " + s
	case strings.Contains(s, "malformed"), strings.Contains(s, "(11)"):
		return "the database file is corrupted or truncated: " + s
	}
	return s
}

// RebindDollar rewrites '?' placeholders as $1, $2, … (PostgreSQL), leaving
// quoted strings alone.
func RebindDollar(q string) string {
	var b strings.Builder
	n, quoted := 0, false
	for _, r := range q {
		switch {
		case r == '\'':
			quoted = !quoted
		case r == '?' && !quoted:
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ErrLocked is wrapped by the error of a store another process is writing.
var ErrLocked = errors.New("store is in use by another interloop run")
