// Package slurm runs a sweep's shards as a Slurm job array: one sbatch
// script whose array task i runs shard i (`interloop run --shard-count N`,
// which reads SLURM_ARRAY_TASK_ID), at most K at once (--array=0-(N-1)%K).
// Slurm does the scheduling, retries and accounting; interloop only writes
// the script and hands it to sbatch.
//
// Failure handling is Slurm's plus the store's: a task that dies stores
// nothing for its unfinished runs, and re-running its shard (a new array
// with --array=LIST, the shards `interloop status` names) runs exactly
// the runs the store lacks.
package slurm

import (
	"bytes"
	"context"
	"fmt"
	"interloop/internal/shardlist"
	"os/exec"
	"strconv"
	"strings"
)

// Job is an array job over a sweep's shards.
type Job struct {
	// Name is the job's name (--job-name).
	Name string
	// Shards is the sweep's shard count N.
	Shards int
	// Indexes are the array's task indexes, which are shard indexes; nil
	// means all of 0..N-1.
	Indexes []int
	// Concurrency caps the tasks running at once (%K); 0: no cap.
	Concurrency int
	// Partition, Time and Mem become --partition, --time and --mem when
	// set; CPUsPerTask --cpus-per-task (0: 1).
	Partition, Time, Mem string
	CPUsPerTask          int
	// Output is the tasks' log path pattern (%x job name, %A job ID, %a
	// task index).
	Output string
	// Dir is the tasks' working directory (--chdir).
	Dir string
	// Extra are further sbatch options, one "#SBATCH" line each
	// (e.g. "--account=lab").
	Extra []string
	// Env are KEY=VALUE pairs the script exports before the command.
	Env []string
	// Command is what every task runs, one argument per element. An
	// element may contain {task}, which the task's shell replaces with its
	// array index (SLURM_ARRAY_TASK_ID): per-shard file names.
	Command []string
}

// Array is the --array value: "0-9%4", or "3,7,12-15%4" for some shards.
func (j Job) Array() string {
	var a string
	if j.Indexes == nil {
		a = fmt.Sprintf("0-%d", j.Shards-1)
		if j.Shards == 1 {
			a = "0"
		}
	} else {
		a = shardlist.Format(j.Indexes)
	}
	if j.Concurrency > 0 {
		a += "%" + strconv.Itoa(j.Concurrency)
	}
	return a
}

// Script renders the sbatch script.
func (j Job) Script() (string, error) {
	switch {
	case j.Shards < 1:
		return "", fmt.Errorf("slurm: %d shards", j.Shards)
	case len(j.Command) == 0:
		return "", fmt.Errorf("slurm: no command")
	case j.Indexes != nil && len(j.Indexes) == 0:
		return "", fmt.Errorf("slurm: no shards to submit")
	}
	for _, i := range j.Indexes {
		if i < 0 || i >= j.Shards {
			return "", fmt.Errorf("slurm: shard %d out of range [0, %d)", i, j.Shards)
		}
	}
	var b strings.Builder
	b.WriteString("#!/bin/bash\n")
	b.WriteString("# Written by `interloop submit slurm`: array task i runs shard i of the sweep.\n")
	opt := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "#SBATCH --%s=%s\n", k, v)
		}
	}
	opt("job-name", j.Name)
	opt("array", j.Array())
	opt("cpus-per-task", strconv.Itoa(max(j.CPUsPerTask, 1)))
	opt("partition", j.Partition)
	opt("time", j.Time)
	opt("mem", j.Mem)
	opt("output", j.Output)
	opt("chdir", j.Dir)
	for _, e := range j.Extra {
		if strings.ContainsAny(e, "\n\r") {
			return "", fmt.Errorf("slurm: option %q spans lines", e)
		}
		fmt.Fprintf(&b, "#SBATCH %s\n", e)
	}
	b.WriteString("set -eu\n")
	for _, kv := range j.Env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !validName(k) {
			return "", fmt.Errorf("slurm: environment %q: want NAME=VALUE", kv)
		}
		fmt.Fprintf(&b, "export %s=%s\n", k, Quote(v))
	}
	words := make([]string, len(j.Command))
	for i, w := range j.Command {
		if strings.Contains(w, "{task}") {
			q := "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
			words[i] = strings.ReplaceAll(q, "{task}", `'"$SLURM_ARRAY_TASK_ID"'`)
		} else {
			words[i] = Quote(w)
		}
	}
	fmt.Fprintf(&b, "exec %s\n", strings.Join(words, " "))
	return b.String(), nil
}

// Quote quotes s for a POSIX shell.
func Quote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@%+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func validName(k string) bool {
	if k == "" || k[0] >= '0' && k[0] <= '9' {
		return false
	}
	for _, r := range k {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// Submit hands the script at path to sbatch (the program; "" finds
// sbatch on PATH) and returns the job ID. extra are further sbatch
// arguments.
func Submit(ctx context.Context, sbatch, path string, extra ...string) (string, error) {
	if sbatch == "" {
		sbatch = "sbatch"
	}
	prog, err := exec.LookPath(sbatch)
	if err != nil {
		return "", fmt.Errorf("slurm: %s not found (is this a Slurm login node?): %v", sbatch, err)
	}
	var out, errb bytes.Buffer
	c := exec.CommandContext(ctx, prog, append(append([]string{"--parsable"}, extra...), path)...)
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		return "", fmt.Errorf("slurm: sbatch %s: %v: %s", path, err, strings.TrimSpace(errb.String()))
	}
	// --parsable prints "JOBID" or "JOBID;CLUSTER".
	id, _, _ := strings.Cut(strings.TrimSpace(out.String()), ";")
	if id == "" {
		return "", fmt.Errorf("slurm: sbatch printed no job ID (stderr: %s)", strings.TrimSpace(errb.String()))
	}
	return id, nil
}

// Active reports how many of the job's tasks Slurm still lists as pending
// or running (squeue; "" finds it on PATH).
func Active(ctx context.Context, squeue, job string) (int, error) {
	if squeue == "" {
		squeue = "squeue"
	}
	var out, errb bytes.Buffer
	c := exec.CommandContext(ctx, squeue, "--noheader", "--array", "--jobs", job, "--states", "PENDING,RUNNING,CONFIGURING,COMPLETING,REQUEUED,SUSPENDED", "--format", "%i")
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		// A job Slurm no longer knows has no active tasks.
		if strings.Contains(errb.String(), "Invalid job id") {
			return 0, nil
		}
		return 0, fmt.Errorf("slurm: squeue: %v: %s", err, strings.TrimSpace(errb.String()))
	}
	return len(strings.Fields(out.String())), nil
}
