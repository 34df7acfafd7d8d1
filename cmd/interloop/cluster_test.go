package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"interloop/cluster/k8s"
)

// clusterSweep is a 12-run sweep (2 arms × 2 λ × 3 seeds, three
// pre-training groups) at a tiny budget.
const clusterSweep = `name: cluster-test
seeds: 3
base: {pretrain.steps: 30, pretrain.probe_episodes: 128, rl.steps: 20, rl.log_every: 10, rl.eval_episodes: 32, audit.episodes: 64, rl.arch: end-to-end}
arms:
  - name: none
    set: {arm.kind: none}
  - name: reward
    set: {arm.kind: probe-reward}
sweep:
  grid: {arm.lambda: [0.5, 2]}
`

func writeSweep(t *testing.T, dir string) string {
	t.Helper()
	file := filepath.Join(dir, "sweep.yaml")
	if err := os.WriteFile(file, []byte(clusterSweep), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, err := execute(t, args...)
	if err != nil {
		t.Fatalf("interloop %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// TestShardsMergeStatus runs a sweep as three shards into their own
// SQLite files — one index from the flags, one from Slurm's environment,
// one from Kubernetes' — checks status before and after, merges them, and
// prints the whole sweep's table from the merged store without running
// anything again.
func TestShardsMergeStatus(t *testing.T) {
	dir := t.TempDir()
	file := writeSweep(t, dir)
	shard := func(i int) string { return filepath.Join(dir, "shard-"+string(rune('0'+i))+".db") }
	main := filepath.Join(dir, "main.db")

	out := mustRun(t, "run", file, "--quiet", "--shard-count", "3", "--shard-index", "0", "--store", shard(0))
	if !strings.Contains(out, "cluster-test shard 0/3: 4 runs (0 failed)") {
		t.Fatalf("shard 0:\n%s", out)
	}
	t.Setenv("SLURM_ARRAY_TASK_ID", "1")
	t.Setenv("SLURM_ARRAY_TASK_COUNT", "3")
	mustRun(t, "run", file, "--quiet", "--store", shard(1))
	t.Setenv("SLURM_ARRAY_TASK_ID", "")
	t.Setenv("JOB_COMPLETION_INDEX", "2")
	if out, err := execute(t, "run", file, "--quiet", "--store", shard(2)); err == nil || !strings.Contains(err.Error(), "--shard-count") {
		t.Fatalf("an index without a count: %v\n%s", err, out)
	}
	mustRun(t, "merge", "--store", main, shard(0), shard(1))
	out = mustRun(t, "status", file, "--shards", "3", "--store", main)
	for _, want := range []string{"12 runs in 3 shards", "done         8", "missing      4", "shard 2", "shards to run again: 2 (1 of 3)",
		"--shard-count 3 --shard-index $i --store " + main} {
		if !strings.Contains(out, want) {
			t.Fatalf("status lacks %q:\n%s", want, out)
		}
	}
	mustRun(t, "run", file, "--quiet", "--shard-count", "3", "--store", shard(2))
	t.Setenv("JOB_COMPLETION_INDEX", "")
	out = mustRun(t, "merge", "--store", main, shard(0), shard(1), shard(2))
	if !strings.Contains(out, "merged 12 runs from 3 stores") || !strings.Contains(out, "(8 were there already)") {
		t.Fatalf("merge:\n%s", out)
	}
	if out = mustRun(t, "status", file, "--shards", "3", "--store", main); !strings.Contains(out, "every run is stored") {
		t.Fatalf("status:\n%s", out)
	}
	out = mustRun(t, "run", file, "--out", dir, "--store", main)
	if !strings.Contains(out, "12 runs already stored; 0 tasks") || !strings.Contains(out, "12 runs (0 failed)") {
		t.Fatalf("the table from the merged store:\n%s", out)
	}
}

// TestSubmitSlurmFake submits through a stand-in sbatch, then re-submits
// some shards from the recorded submission.
func TestSubmitSlurmFake(t *testing.T) {
	dir := t.TempDir()
	file := writeSweep(t, dir)
	fake := filepath.Join(dir, "sbatch")
	os.WriteFile(fake, []byte("#!/bin/sh\necho \"$@\" >> "+filepath.Join(dir, "sbatch.log")+"\necho 4242\n"), 0o755)
	out := mustRun(t, "submit", "slurm", file, "--sbatch", fake, "--binary", "/opt/interloop", "--shards", "4", "--concurrency", "2",
		"--partition", "cpu", "--cpus-per-task", "2", "--export", "GOMAXPROCS=2", "--out", dir)
	if !strings.Contains(out, "submitted slurm job 4242: cluster-test, 12 runs in 4 shards (--array=0-3%2)") {
		t.Fatalf("%s", out)
	}
	scripts, _ := filepath.Glob(filepath.Join(dir, "submissions", "cluster-test-*", "job.sbatch"))
	if len(scripts) != 1 {
		t.Fatalf("scripts %v", scripts)
	}
	script, _ := os.ReadFile(scripts[0])
	for _, want := range []string{"#SBATCH --array=0-3%2", "#SBATCH --partition=cpu", "#SBATCH --cpus-per-task=2", "export GOMAXPROCS=2",
		"exec /opt/interloop run " + filepath.Join(filepath.Dir(scripts[0]), "experiment.yaml") + " --shard-count 4 --jobs 2",
		"--store '" + filepath.Join(filepath.Dir(scripts[0]), "shards") + "/shard-'\"$SLURM_ARRAY_TASK_ID\"'.db'"} {
		if !strings.Contains(string(script), want) {
			t.Errorf("script lacks %q:\n%s", want, script)
		}
	}
	db := filepath.Join(dir, "results.db")
	out = mustRun(t, "status", "slurm-4242", "--store", db)
	for _, want := range []string{"submission slurm-4242: slurm job 4242", "missing     12", "shards to run again: 0-3 (4 of 4)",
		"re-submit them: interloop submit slurm --from slurm-4242 --only 0-3 --store " + db} {
		if !strings.Contains(out, want) {
			t.Fatalf("status lacks %q:\n%s", want, out)
		}
	}
	os.WriteFile(fake, []byte("#!/bin/sh\necho \"$@\" >> "+filepath.Join(dir, "sbatch.log")+"\necho 4243\n"), 0o755)
	out = mustRun(t, "submit", "slurm", "--from", "slurm-4242", "--only", "1,3", "--retry-failed", "--store", db, "--sbatch", fake)
	if !strings.Contains(out, "submitted slurm job 4243: cluster-test, shards 1,3 of 4 (12 runs in all) (--array=1,3%2)") {
		t.Fatalf("re-submit:\n%s", out)
	}
	scripts, _ = filepath.Glob(filepath.Join(dir, "submissions", "cluster-test-*", "job.sbatch"))
	again, _ := os.ReadFile(scripts[len(scripts)-1])
	if len(scripts) != 2 || !strings.Contains(string(again), "--retry-failed") || !strings.Contains(string(again), "#SBATCH --partition=cpu") ||
		!strings.Contains(string(again), filepath.Dir(scripts[0])+"/shards/shard-") {
		t.Fatalf("re-submission script:\n%s", again)
	}
	for _, args := range [][]string{
		{"submit", "slurm", file, "--sbatch", fake, "--binary", "/x", "--shards", "13", "--out", dir},
		{"submit", "slurm", file, "--sbatch", fake, "--binary", "/x", "--only", "4", "--shards", "4", "--out", dir},
		{"submit", "slurm", file, "--sbatch", fake, "--store", filepath.Join(dir, "x.db"), "--out", dir},
		{"submit", "slurm", "--from", "slurm-1", "--store", db, "--sbatch", fake},
	} {
		if out, err := execute(t, args...); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: %v\n%s", args, err, out)
		}
	}
}

// TestSubmitK8s emits the manifest, then creates it through the fake
// clientset.
func TestSubmitK8s(t *testing.T) {
	dir := t.TempDir()
	file := writeSweep(t, dir)
	out := mustRun(t, "submit", "k8s", file, "--image", "reg/interloop:v1", "--store-secret", "pg", "--shards", "6", "--parallelism", "3", "--out", dir)
	for _, want := range []string{"kind: ConfigMap", "kind: Job", "completionMode: Indexed", "completions: 6", "parallelism: 3",
		"- --shard-count\n        - \"6\"", "secretKeyRef", "name: cluster-test"} {
		if !strings.Contains(out, want) {
			t.Fatalf("manifest lacks %q:\n%s", want, out)
		}
	}
	cs := fake.NewClientset()
	defer func(f func(string) (k8s.API, string, error)) { k8sAPI = f }(k8sAPI)
	k8sAPI = func(string) (k8s.API, string, error) {
		return k8s.API{
			ConfigMaps: func(ns string) k8s.ConfigMaps { return cs.CoreV1().ConfigMaps(ns) },
			Jobs:       func(ns string) k8s.Jobs { return cs.BatchV1().Jobs(ns) },
		}, "lab", nil
	}
	out = mustRun(t, "submit", "k8s", file, "--image", "reg/interloop:v1", "--store-secret", "pg", "--apply", "--out", dir)
	m := regexp.MustCompile(`created job lab/(\S+): cluster-test, 12 runs in 3 shards, 3 pods at once`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("%s", out)
	}
	j, err := cs.BatchV1().Jobs("lab").Get(t.Context(), m[1], metav1.GetOptions{})
	if err != nil || *j.Spec.Completions != 3 {
		t.Fatalf("%v %+v", err, j)
	}
	if _, err := execute(t, "submit", "k8s", file, "--image", "x", "--out", dir); err == nil {
		t.Fatal("a k8s submission without a store was accepted")
	}
}
