package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"interloop/cluster/slurm/slurmtest"
	"interloop/experiment"
	"interloop/store"
	"interloop/store/pgtest"
)

// TestSlurmPostgresEndToEnd submits a 12-run sweep as a 5-task array to a
// single-node Slurm cluster writing to PostgreSQL, waits, and checks every
// run landed exactly once — counted by a trigger on every write of the
// runs table, not only by the primary key. Then it loses two runs and
// fails a third, and checks that status names their shards and that its
// re-submit command re-runs exactly those three runs. Skipped where Slurm,
// MUNGE or PostgreSQL is not installed, or not as root.
func TestSlurmPostgresEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Slurm cluster and a PostgreSQL server")
	}
	url := pgtest.New(t)
	cluster := slurmtest.Start(t)
	t.Setenv("SLURM_CONF", cluster.Conf)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	file := writeSweep(t, dir)

	// The schema, and a trigger that logs every write of a run.
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	db, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	for _, q := range []string{
		`CREATE TABLE run_writes (run_id TEXT NOT NULL)`,
		`CREATE FUNCTION log_run_write() RETURNS trigger AS $$ BEGIN INSERT INTO run_writes VALUES (NEW.run_id); RETURN NEW; END $$ LANGUAGE plpgsql`,
		`CREATE TRIGGER runs_written AFTER INSERT OR UPDATE ON runs FOR EACH ROW EXECUTE FUNCTION log_run_write()`,
	} {
		if _, err := db.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	writes := func() map[string]int {
		t.Helper()
		rows, err := db.Query(ctx, `SELECT run_id, COUNT(*) FROM run_writes GROUP BY run_id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]int{}
		for rows.Next() {
			var id string
			var n int
			rows.Scan(&id, &n)
			out[id] = n
		}
		return out
	}

	start := time.Now()
	out := mustRun(t, "submit", "slurm", file, "--store", url, "--shards", "5", "--concurrency", "2", "--partition", cluster.Partition,
		"--binary", os.Args[0], "--export", "INTERLOOP_AS_COMMAND=1", "--out", dir)
	m := regexp.MustCompile(`submitted slurm job (\d+): cluster-test, 12 runs in 5 shards \(--array=0-4%2\)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("submit:\n%s", out)
	}
	sub := "slurm-" + m[1]
	out, err = execute(t, "status", sub, "--store", url, "--wait", "--timeout", "150s")
	if err != nil || !strings.Contains(out, "every run is stored") {
		t.Fatalf("status --wait: %v\n%s\n%s\n%s", err, out, taskLogs(dir), cluster.Logs())
	}
	t.Logf("12 runs in 5 Slurm tasks: %.1fs", time.Since(start).Seconds())

	// Exactly the sweep's runs, each written once.
	e, err := experiment.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := experiment.Plan(e, 0, 5)
	if err != nil {
		t.Fatal(err)
	}
	w := writes()
	if len(w) != len(plan) {
		t.Fatalf("%d runs written, want %d: %v", len(w), len(plan), w)
	}
	for _, p := range plan {
		if w[p.ID] != 1 {
			t.Fatalf("run %s (%s seed %d, shard %d) written %d times", p.ID, p.Arm, p.Seed, p.Shard, w[p.ID])
		}
	}
	var links int
	db.QueryRow(ctx, `SELECT COUNT(*) FROM experiment_runs WHERE experiment = 'cluster-test'`).Scan(&links)
	if links != len(plan) {
		t.Fatalf("%d experiment links, want %d", links, len(plan))
	}

	// A shard died with two runs unstored, another stored a failure.
	lost := []experiment.PlannedRun{plan[0], plan[len(plan)-1]}
	broken := plan[5]
	for _, p := range lost {
		if _, err := db.Exec(ctx, `DELETE FROM runs WHERE run_id = $1`, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(ctx, `UPDATE runs SET status = 'failed', error = 'node lost' WHERE run_id = $1`, broken.ID); err != nil {
		t.Fatal(err)
	}
	out = mustRun(t, "status", sub, "--store", url)
	shards := []int{lost[0].Shard, lost[1].Shard, broken.Shard}
	slices.Sort(shards)
	shards = slices.Compact(shards)
	list := experiment.FormatShardList(shards)
	flat := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{"done 9", "failed 1", "missing 2", "node lost", "shards to run again: " + list} {
		if !strings.Contains(flat, want) {
			t.Fatalf("status lacks %q:\n%s", want, out)
		}
	}
	resubmit := regexp.MustCompile(`re-submit them: interloop (.*)`).FindStringSubmatch(out)
	if resubmit == nil || !strings.Contains(resubmit[1], "--only "+list+" --retry-failed") {
		t.Fatalf("no re-submit command:\n%s", out)
	}
	base := writes()
	out = mustRun(t, strings.Fields(resubmit[1])...)
	if !strings.Contains(out, "--array="+list+"%2") {
		t.Fatalf("re-submit:\n%s", out)
	}
	out, err = execute(t, "status", sub, "--store", url, "--wait", "--timeout", "150s")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "every run is stored") {
		// status --wait follows the first job; the second may still run.
		out, err = execute(t, "status", "cluster-test", "--store", url, "--wait", "--timeout", "150s")
		if err != nil || !strings.Contains(out, "every run is stored") {
			t.Fatalf("after re-submitting: %v\n%s\n%s", err, out, taskLogs(dir))
		}
	}
	// Only the lost and the failed runs were run again.
	after := writes()
	for _, p := range plan {
		want := base[p.ID]
		if p.ID == lost[0].ID || p.ID == lost[1].ID || p.ID == broken.ID {
			want++
		}
		if after[p.ID] != want {
			t.Errorf("run %s (shard %d): %d writes, want %d", p.ID, p.Shard, after[p.ID], want)
		}
	}
	// The whole sweep's table comes from the store without running again.
	frozen, _ := filepath.Glob(filepath.Join(dir, "submissions", "cluster-test-*", "experiment.yaml"))
	out = mustRun(t, "run", frozen[0], "--store", url, "--out", dir)
	if !strings.Contains(out, "12 runs (0 failed)") || !strings.Contains(out, "12 runs already stored") {
		t.Fatalf("the table from PostgreSQL:\n%s", out)
	}
	t.Logf("whole test, with a re-submission: %.1fs", time.Since(start).Seconds())
}

// taskLogs returns the Slurm tasks' logs, for failure messages.
func taskLogs(dir string) string {
	files, _ := filepath.Glob(filepath.Join(dir, "submissions", "*", "logs", "*.out"))
	var b strings.Builder
	for _, f := range files {
		data, _ := os.ReadFile(f)
		b.WriteString("--- " + filepath.Base(f) + "\n" + string(data))
	}
	return b.String()
}
