// Package slurmtest starts a throwaway single-node Slurm cluster for a
// test: munged with a fresh key on a private socket, slurmctld and slurmd
// with a generated slurm.conf, all on loopback ports chosen free, all
// state in a temporary directory — nothing of the machine's own Slurm or
// MUNGE configuration is read or touched. Clients reach it through
// SLURM_CONF (see Cluster.Conf). The daemons are stopped and the
// directory removed when the test ends.
//
// Where Slurm or MUNGE is not installed, or the test does not run as root
// (slurmd must), the test is skipped with a message naming what is
// missing; CI installs Debian's slurm-wlm and munge and runs as root.
package slurmtest

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"text/template"
	"time"
)

// Cluster is a running single-node cluster.
type Cluster struct {
	// Conf is the slurm.conf path; set SLURM_CONF to it for sbatch,
	// squeue and the jobs' own Slurm commands.
	Conf string
	// Dir holds the configuration, state and logs.
	Dir string
	// Partition is the one partition's name.
	Partition string
	// CPUs is the node's CPU count.
	CPUs int

	procs []*exec.Cmd
}

// find looks a daemon up on PATH and in the sbin directories (not on a
// non-root PATH).
func find(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, d := range []string{"/usr/sbin", "/usr/local/sbin", "/sbin"} {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found", name)
}

// Start starts a cluster for t, or skips t.
func Start(t testing.TB) *Cluster {
	t.Helper()
	progs := map[string]string{}
	for _, name := range []string{"munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "scancel"} {
		p, err := find(name)
		if err != nil {
			t.Skipf("slurmtest: %v (Debian: apt-get install slurm-wlm munge)", err)
		}
		progs[name] = p
	}
	if os.Geteuid() != 0 {
		t.Skip("slurmtest: a single-node Slurm needs root (slurmd runs the jobs)")
	}
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	host, _, _ = strings.Cut(host, ".")
	dir, err := os.MkdirTemp("", "interloop-slurm-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c := &Cluster{Conf: filepath.Join(dir, "slurm.conf"), Dir: dir, Partition: "debug", CPUs: runtime.NumCPU()}
	t.Cleanup(func() { c.stop(t, progs["scancel"]) })

	// MUNGE: a fresh key, a private socket.
	key := make([]byte, 1024)
	rand.Read(key)
	keyFile := filepath.Join(dir, "munge.key")
	if err := os.WriteFile(keyFile, key, 0o400); err != nil {
		t.Fatal(err)
	}
	socket := filepath.Join(dir, "munge.socket")
	c.start(t, progs["munged"], "--foreground", "--force", "--key-file="+keyFile, "--socket="+socket,
		"--pid-file="+filepath.Join(dir, "munged.pid"), "--log-file="+filepath.Join(dir, "munged.log"),
		"--seed-file="+filepath.Join(dir, "munged.seed"))
	waitFor(t, 10*time.Second, "munged socket", func() bool { _, err := os.Stat(socket); return err == nil })

	ports := freePorts(t, 2)
	for _, d := range []string{"state", "spool"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	var conf bytes.Buffer
	err = confTemplate.Execute(&conf, map[string]any{"Host": host, "Dir": dir, "Socket": socket, "CtldPort": ports[0],
		"SlurmdPort": ports[1], "CPUs": c.CPUs, "Partition": c.Partition})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.Conf, conf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	c.start(t, progs["slurmctld"], "-D", "-i", "-f", c.Conf)
	c.start(t, progs["slurmd"], "-D", "-N", host, "-f", c.Conf)
	waitFor(t, 60*time.Second, "the node to be idle", func() bool {
		out, _ := c.Command(progs["sinfo"], "--noheader", "--format=%T").Output()
		return strings.TrimSpace(string(out)) == "idle"
	})
	return c
}

var confTemplate = template.Must(template.New("slurm.conf").Parse(`# A single-node cluster on loopback for tests (interloop slurmtest).
ClusterName=interloop-test
SlurmctldHost={{.Host}}(127.0.0.1)
SlurmctldPort={{.CtldPort}}
SlurmdPort={{.SlurmdPort}}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={{.Socket}}
CredType=cred/munge
StateSaveLocation={{.Dir}}/state
SlurmdSpoolDir={{.Dir}}/spool
SlurmctldPidFile={{.Dir}}/slurmctld.pid
SlurmdPidFile={{.Dir}}/slurmd.pid
SlurmctldLogFile={{.Dir}}/slurmctld.log
SlurmdLogFile={{.Dir}}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MinJobAge=600
NodeName={{.Host}} NodeAddr=127.0.0.1 CPUs={{.CPUs}} State=UNKNOWN
PartitionName={{.Partition}} Nodes=ALL Default=YES MaxTime=INFINITE State=UP
`))

// Command is a Slurm client command against this cluster.
func (c *Cluster) Command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "SLURM_CONF="+c.Conf)
	return cmd
}

// Logs returns the tail of the daemons' logs, for failure messages.
func (c *Cluster) Logs() string {
	var b strings.Builder
	for _, f := range []string{"slurmctld.log", "slurmd.log"} {
		data, _ := os.ReadFile(filepath.Join(c.Dir, f))
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		fmt.Fprintf(&b, "--- %s (last lines)\n%s\n", f, strings.Join(lines[max(0, len(lines)-15):], "\n"))
	}
	return b.String()
}

func (c *Cluster) start(t testing.TB, prog string, args ...string) {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Env = append(os.Environ(), "SLURM_CONF="+c.Conf)
	cmd.Dir = c.Dir
	log, err := os.Create(filepath.Join(c.Dir, filepath.Base(prog)+".out"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	// Its own process group, so a terminal's Ctrl-C goes to the test only.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("slurmtest: %s: %v", prog, err)
	}
	c.procs = append(c.procs, cmd)
	go cmd.Wait()
}

// stop cancels every job, stops the daemons (slurmd, slurmctld, munged,
// in that order) and removes the directory.
func (c *Cluster) stop(t testing.TB, scancel string) {
	if len(c.procs) >= 3 {
		c.Command(scancel, "--full", "--user=root").Run()
		time.Sleep(500 * time.Millisecond)
	}
	for i := len(c.procs) - 1; i >= 0; i-- {
		p := c.procs[i].Process
		p.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() {
			for p.Signal(syscall.Signal(0)) == nil {
				time.Sleep(50 * time.Millisecond)
			}
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			p.Kill()
		}
	}
	if !t.Failed() {
		os.RemoveAll(c.Dir)
	} else {
		t.Logf("slurmtest: left %s for inspection", c.Dir)
	}
}

func waitFor(t testing.TB, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("slurmtest: timed out after %s waiting for %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ls []net.Listener
	var out []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return out
}
