package store

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// IsURL reports whether target names a PostgreSQL database
// (postgres://… or postgresql://…) rather than a SQLite file.
func IsURL(target string) bool {
	return strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://")
}

// OpenBackend opens the backend target names: a PostgreSQL URL (see
// [OpenPostgres]) or a SQLite file path.
func OpenBackend(ctx context.Context, target string) (Backend, error) {
	if IsURL(target) {
		return OpenPostgres(ctx, target)
	}
	return OpenSQLite(target)
}

// pgBackend is a PostgreSQL database reached through pgx.
type pgBackend struct {
	db   *sql.DB
	name string
}

// pgMaxConns bounds one process's connections: a cluster runs hundreds of
// shards against one server, whose max_connections is 100 by default.
const pgMaxConns = 4

// OpenPostgres connects to the PostgreSQL database at url
// (postgres://user@host:port/db?sslmode=…). Credentials are best kept out
// of the URL, in ~/.pgpass or PGPASSWORD, which pgx reads as libpq does.
// Many processes may write one database at once: each run is one
// transaction, and [Store.LockRuns] keeps two processes off the same
// experiment or shard.
func OpenPostgres(ctx context.Context, rawURL string) (Backend, error) {
	name := redact(rawURL)
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return nil, fmt.Errorf("store %s: %v", name, err)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(pgMaxConns)
	db.SetMaxIdleConns(2)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store %s: %v", name, oneLine(err))
	}
	return &pgBackend{db: db, name: name}, nil
}

// redact drops the password from a URL, for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "postgres://…"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	if q.Has("password") {
		q.Del("password")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

func (b *pgBackend) DB() *sql.DB            { return b.db }
func (b *pgBackend) Rebind(q string) string { return RebindDollar(q) }
func (b *pgBackend) Name() string           { return b.name }
func (b *pgBackend) Close() error           { return b.db.Close() }

// Lock takes the whole database's writer lock: exclusive against every
// LockRuns holder too.
func (b *pgBackend) Lock(ctx context.Context) (func(), error) {
	return b.advisory(ctx, []lockKey{{key: "interloop", exclusive: true}}, "the store")
}

// LockRuns locks an experiment's runs (part "") exclusively, or one part
// of them (a shard) exclusively while sharing the experiment's lock with
// the other parts: shards of one sweep write at once, but not two
// processes the same shard, and not a whole-sweep run beside its shards.
func (b *pgBackend) LockRuns(ctx context.Context, experiment, part string) (func(), error) {
	keys := []lockKey{{key: "interloop", exclusive: false}, {key: "experiment\x00" + experiment, exclusive: part == ""}}
	what := "experiment " + experiment
	if part != "" {
		keys = append(keys, lockKey{key: "experiment\x00" + experiment + "\x00" + part, exclusive: true})
		what += " shard " + part
	}
	return b.advisory(ctx, keys, what)
}

// lockMigrations serializes schema migrations between processes that
// start at once (the first shards of an array); it waits rather than
// fails.
func (b *pgBackend) lockMigrations(ctx context.Context) (func(), error) {
	conn, err := b.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	k := advisoryKey("interloop.migrate")
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, k); err != nil {
		conn.Close()
		return nil, err
	}
	return func() {
		conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, k)
		conn.Close()
	}, nil
}

type lockKey struct {
	key       string
	exclusive bool
}

// advisoryKey maps a lock name to PostgreSQL's 64-bit advisory lock space.
func advisoryKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("interloop.lock\x00" + name))
	return int64(h.Sum64())
}

// advisory takes session advisory locks on one dedicated connection,
// failing at once when another session holds a conflicting one. The
// connection pings while held and asks the server to end it when idle for
// two minutes, so the locks of a process that died with its node are freed
// within minutes rather than at the TCP timeout.
func (b *pgBackend) advisory(ctx context.Context, keys []lockKey, what string) (func(), error) {
	conn, err := b.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store %s: lock: %v", b.name, oneLine(err))
	}
	// PostgreSQL ≥ 14; older servers keep the TCP timeout.
	conn.ExecContext(ctx, `SET idle_session_timeout = '120s'`)
	var held []lockKey
	unlock := func() {
		bg := context.Background()
		for i := len(held) - 1; i >= 0; i-- {
			fn := "pg_advisory_unlock_shared"
			if held[i].exclusive {
				fn = "pg_advisory_unlock"
			}
			conn.ExecContext(bg, `SELECT `+fn+`($1)`, advisoryKey(held[i].key))
		}
		// The connection goes back to the pool: without the timeout.
		conn.ExecContext(bg, `RESET idle_session_timeout`)
		conn.Close()
	}
	for _, k := range keys {
		fn := "pg_try_advisory_lock_shared"
		if k.exclusive {
			fn = "pg_try_advisory_lock"
		}
		var ok bool
		if err := conn.QueryRowContext(ctx, `SELECT `+fn+`($1)`, advisoryKey(k.key)).Scan(&ok); err != nil {
			unlock()
			return nil, fmt.Errorf("store %s: lock: %v", b.name, oneLine(err))
		}
		if !ok {
			holders := b.holders(ctx, conn, advisoryKey(k.key))
			unlock()
			return nil, fmt.Errorf("%w: %s is being written (%s); wait for it to finish, or if that process is gone, end its session with SELECT pg_terminate_backend(PID) (store %s)",
				ErrLocked, what, holders, b.name)
		}
		held = append(held, k)
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(30 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				conn.ExecContext(context.Background(), `SELECT 1`)
			}
		}
	}()
	var once bool
	return func() {
		if once {
			return
		}
		once = true
		close(done)
		unlock()
	}, nil
}

// holders describes the sessions holding advisory lock k.
func (b *pgBackend) holders(ctx context.Context, conn *sql.Conn, k int64) string {
	rows, err := conn.QueryContext(ctx, `SELECT a.pid, COALESCE(host(a.client_addr), 'local'), COALESCE(a.application_name, ''), a.backend_start
		FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND ((l.classid::bigint << 32) | l.objid::bigint) = $1`, k)
	if err != nil {
		return "holder unknown"
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var pid int
		var addr, app string
		var since time.Time
		if rows.Scan(&pid, &addr, &app, &since) == nil {
			out = append(out, fmt.Sprintf("PID %d from %s since %s", pid, addr, since.Local().Format("2006-01-02 15:04:05")))
		}
	}
	if len(out) == 0 {
		return "holder unknown"
	}
	return "held by " + strings.Join(out, ", ")
}
