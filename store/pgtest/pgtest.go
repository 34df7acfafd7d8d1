// Package pgtest gives tests a throwaway PostgreSQL database: one server
// per test binary, started on first use (initdb into a temporary
// directory, postgres listening on a free loopback port and a socket in
// that directory, fsync off), and a fresh database per call of [New].
//
// Where PostgreSQL is not installed the test is skipped with a message
// naming the missing program; CI installs Debian's postgresql, whose
// programs live in /usr/lib/postgresql/VERSION/bin rather than on PATH.
// PostgreSQL refuses to run as root, so under root (CI) the server runs as
// the "postgres" user (or "nobody").
//
// The server is stopped and its directory removed when the test binary
// exits, however it exits: a watcher shell that holds the read end of a
// pipe from the test process stops it when the pipe closes.
package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

var (
	once     sync.Once
	server   string // base URL without the database, or ""
	startErr error
	skipMsg  string
	keep     *os.File // the pipe's write end: the server lives while it is open
	dbs      atomic.Int64
)

// New returns the URL of a new, empty database on the test binary's
// server, starting the server if needed; it skips t where PostgreSQL is
// not installed. The database is dropped when t ends.
func New(t testing.TB) string {
	t.Helper()
	once.Do(start)
	if skipMsg != "" {
		t.Skip(skipMsg)
	}
	if startErr != nil {
		t.Fatalf("pgtest: %v", startErr)
	}
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbs.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, server+"/postgres?sslmode=disable")
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, server+"/postgres?sslmode=disable"); err == nil {
			c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	return server + "/" + name + "?sslmode=disable"
}

// Binary finds a PostgreSQL program on PATH or in Debian's versioned
// directories (the newest version first).
func Binary(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found on PATH or in /usr/lib/postgresql/*/bin (Debian: apt-get install postgresql)", name)
}

func version(dir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return v
}

func start() {
	initdb, err := Binary("initdb")
	if err != nil {
		skipMsg = "pgtest: " + err.Error()
		return
	}
	postgres, err := Binary("postgres")
	if err != nil {
		skipMsg = "pgtest: " + err.Error()
		return
	}
	dir, err := os.MkdirTemp("", "interloop-pg-")
	if err != nil {
		startErr = err
		return
	}
	// As root, run as an unprivileged user that owns the directory.
	var asUser []string
	if os.Geteuid() == 0 {
		name := "postgres"
		u, err := user.Lookup(name)
		if err != nil {
			name = "nobody"
			if u, err = user.Lookup(name); err != nil {
				startErr = fmt.Errorf("running as root and no postgres or nobody user to run PostgreSQL as")
				return
			}
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			startErr = err
			return
		}
		runuser, err := exec.LookPath("runuser")
		if err != nil {
			skipMsg = "pgtest: running as root, and runuser (to run PostgreSQL as " + name + ") is not on PATH"
			return
		}
		asUser = []string{runuser, "-u", name, "--"}
	}
	data := filepath.Join(dir, "data")
	cmd := command(asUser, initdb, "-D", data, "-U", "interloop", "--auth=trust", "-E", "UTF8", "--no-sync")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		startErr = fmt.Errorf("initdb: %v\n%s", err, out)
		os.RemoveAll(dir)
		return
	}
	port, err := freePort()
	if err != nil {
		startErr = err
		return
	}
	// The watcher: postgres in the background, then wait for stdin to
	// close (the test binary has exited), then stop it and clean up.
	script := `"$0" -D "$1" -p "$2" -k "$3" -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 >"$3/postgres.log" 2>&1 &
pid=$!
cat >/dev/null
kill -INT $pid 2>/dev/null
wait $pid
rm -rf "$3"`
	w := command(asUser, "sh", "-c", script, postgres, data, strconv.Itoa(port), dir)
	r, wr, err := os.Pipe()
	if err != nil {
		startErr = err
		return
	}
	w.Stdin = r
	w.Dir = dir
	if err := w.Start(); err != nil {
		startErr = err
		return
	}
	r.Close()
	keep = wr
	go w.Wait()
	server = fmt.Sprintf("postgres://interloop@127.0.0.1:%d", port)
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c, err := pgx.Connect(ctx, server+"/postgres?sslmode=disable")
		cancel()
		if err == nil {
			c.Close(context.Background())
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
			startErr = fmt.Errorf("postgres did not accept connections within 60s: %v\n%s", err, log)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// command runs prog through runuser when asUser is set (as root).
func command(asUser []string, prog string, args ...string) *exec.Cmd {
	if len(asUser) == 0 {
		return exec.Command(prog, args...)
	}
	return exec.Command(asUser[0], append(append(append([]string{}, asUser[1:]...), prog), args...)...)
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
