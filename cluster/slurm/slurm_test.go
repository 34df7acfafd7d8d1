package slurm

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestArray(t *testing.T) {
	cases := []struct {
		job  Job
		want string
	}{
		{Job{Shards: 10, Concurrency: 4}, "0-9%4"},
		{Job{Shards: 1}, "0"},
		{Job{Shards: 20, Indexes: []int{3, 7, 12, 13, 14, 15}, Concurrency: 2}, "3,7,12-15%2"},
	}
	for _, c := range cases {
		if got := c.job.Array(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.job, got, c.want)
		}
	}
}

// TestScriptRuns runs a generated script under bash as task 7 of an array
// and checks what its command received: quoting survives, {task} expands.
func TestScriptRuns(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not found")
	}
	j := Job{Name: "interloop-x", Shards: 10, Concurrency: 3, Partition: "cpu", CPUsPerTask: 2, Time: "1:00:00",
		Output: "/logs/%x-%A_%a.out", Extra: []string{"--account=lab"}, Env: []string{"GREETING=hello world"},
		Command: []string{"printf", `%s\n`, "a b", "it's", "shard-{task}.db", "$HOME", "{x,y}"}}
	script, err := j.Script()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"#!/bin/bash\n", "#SBATCH --array=0-9%3\n", "#SBATCH --cpus-per-task=2\n", "#SBATCH --partition=cpu\n",
		"#SBATCH --time=1:00:00\n", "#SBATCH --output=/logs/%x-%A_%a.out\n", "#SBATCH --account=lab\n", "#SBATCH --job-name=interloop-x\n"} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %q:\n%s", want, script)
		}
	}
	path := filepath.Join(t.TempDir(), "job.sbatch")
	os.WriteFile(path, []byte(script), 0o755)
	cmd := exec.Command(bash, path)
	cmd.Env = append(os.Environ(), "SLURM_ARRAY_TASK_ID=7")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s\n%s", err, out, script)
	}
	if got, want := string(out), "a b\nit's\nshard-7.db\n$HOME\n{x,y}\n"; got != want {
		t.Fatalf("command got\n%s\nwant\n%s\nscript:\n%s", got, want, script)
	}
}

func TestScriptErrors(t *testing.T) {
	for name, j := range map[string]Job{
		"no shards":    {Command: []string{"x"}},
		"no command":   {Shards: 2},
		"out of range": {Shards: 2, Indexes: []int{2}, Command: []string{"x"}},
		"empty subset": {Shards: 2, Indexes: []int{}, Command: []string{"x"}},
		"bad env":      {Shards: 2, Env: []string{"1X=2"}, Command: []string{"x"}},
		"multi-line":   {Shards: 2, Extra: []string{"--a\n--b"}, Command: []string{"x"}},
	} {
		if _, err := j.Script(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestSubmitFake(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "sbatch")
	os.WriteFile(fake, []byte("#!/bin/sh\necho \"$@\" > "+filepath.Join(dir, "args")+"\necho '4242;cluster'\n"), 0o755)
	id, err := Submit(context.Background(), fake, "/x/job.sbatch")
	if err != nil || id != "4242" {
		t.Fatalf("%q %v", id, err)
	}
	args, _ := os.ReadFile(filepath.Join(dir, "args"))
	if strings.TrimSpace(string(args)) != "--parsable /x/job.sbatch" {
		t.Fatalf("sbatch got %q", args)
	}
	failing := filepath.Join(dir, "sbatch-fails")
	os.WriteFile(failing, []byte("#!/bin/sh\necho 'sbatch: error: invalid partition' >&2\nexit 1\n"), 0o755)
	if _, err := Submit(context.Background(), failing, "/x/job.sbatch"); err == nil || !strings.Contains(err.Error(), "invalid partition") {
		t.Fatalf("%v", err)
	}
}
