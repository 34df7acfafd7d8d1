package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"

	"interloop/cluster/k8s"
	"interloop/store"
)

// k8sAPI connects to the cluster of the kubeconfig's current context (or
// in-cluster) and returns its namespace; tests replace it with a fake
// clientset.
var k8sAPI = func(kubeconfig string) (k8s.API, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if kubeconfig != "" {
		rules.ExplicitPath = kubeconfig
	}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, nil)
	cfg, err := cc.ClientConfig()
	if err != nil {
		return k8s.API{}, "", fmt.Errorf("kubernetes config: %v", err)
	}
	ns, _, err := cc.Namespace()
	if err != nil {
		return k8s.API{}, "", err
	}
	c, err := k8s.NewClient(cfg)
	if err != nil {
		return k8s.API{}, "", err
	}
	return c.API(), ns, nil
}

func newSubmitK8sCmd() *cobra.Command {
	var f submitFlags
	var apply bool
	var kubeconfig string
	cmd := &cobra.Command{
		Use:   "k8s [experiment | file.yaml]",
		Short: "Emit (and with --apply create) a Kubernetes Indexed Job running a sweep, one shard per pod",
		Long: `K8s writes a ConfigMap holding the frozen experiment file and an Indexed Job
of N completions (one per shard), --parallelism pods at once, each running
interloop run /etc/interloop/experiment.yaml --shard-count N, which reads
JOB_COMPLETION_INDEX. Results go to a PostgreSQL store: --store-secret names
a Secret whose key "url" holds its postgres:// URL (or --store writes the URL
into the manifest). The manifest is printed (kubectl apply -f -) and saved
under <out>/submissions/; --apply creates it with the current kubeconfig
context instead, and records the submission for interloop status.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return submitK8s(cmd, args, &f, apply, kubeconfig)
		},
	}
	addSubmitFlags(cmd, &f)
	fl := cmd.Flags()
	fl.StringVar(&f.opt.Image, "image", "", "container image with the interloop binary on PATH (required)")
	fl.StringVar(&f.opt.Namespace, "namespace", "", "namespace (default: the kubeconfig context's)")
	fl.IntVar(&f.opt.Parallelism, "parallelism", 0, "pods at once (0: all shards)")
	fl.StringVar(&f.opt.CPU, "cpu", "1", "CPU request and limit per pod; the pod runs that many runs at once")
	fl.StringVar(&f.opt.Memory, "memory", "", "memory request and limit per pod, e.g. 2Gi")
	fl.StringVar(&f.opt.StoreSecret, "store-secret", "", "a Secret whose key \"url\" is the postgres:// store URL")
	fl.IntVar(&f.opt.Retries, "retries", 2, "retries of a failed shard (backoffLimitPerIndex)")
	fl.BoolVar(&apply, "apply", false, "create the Job in the cluster (client-go, the kubeconfig's context)")
	fl.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG or ~/.kube/config, or in-cluster)")
	return cmd
}

func submitK8s(cmd *cobra.Command, args []string, f *submitFlags, apply bool, kubeconfig string) error {
	ctx := cmd.Context()
	if f.store != "" && !store.IsURL(f.store) {
		return fmt.Errorf("--store %s: pods share no filesystem, so the store must be a postgres:// URL", f.store)
	}
	if f.from != "" && f.store == "" {
		return fmt.Errorf("--from needs the --store that recorded the submission")
	}
	sw, err := prepareSweep(cmd, args, f, "k8s")
	if err != nil {
		return err
	}
	o := &f.opt
	if o.StoreSecret == "" && f.store == "" {
		return fmt.Errorf("no store for the pods: give --store-secret NAME (a Secret with key url) or --store postgres://…")
	}
	var extra []string
	if f.retryFailed {
		extra = append(extra, "--retry-failed")
	}
	if o.Checkpoints {
		extra = append(extra, "--checkpoints", "--out", "/tmp/interloop-results")
	}
	var api k8s.API
	if apply {
		var ns string
		if api, ns, err = k8sAPI(kubeconfig); err != nil {
			return err
		}
		if o.Namespace == "" {
			o.Namespace = ns
		}
	}
	inline := ""
	if o.StoreSecret == "" {
		inline = f.store
	}
	job := k8s.Job{Name: k8s.Name("interloop", sw.id), Namespace: o.Namespace, Image: o.Image, Shards: sw.shards, Indexes: sw.only,
		Parallelism: o.Parallelism, CPU: o.CPU, Memory: o.Memory, Experiment: sw.spec, StoreSecret: o.StoreSecret, Store: inline,
		Args: extra, Retries: o.Retries, Labels: map[string]string{"interloop/experiment": k8s.Name(sw.name)}}
	cm, j, err := job.Objects()
	if err != nil {
		return err
	}
	manifest, err := k8s.Manifest(cm, j)
	if err != nil {
		return err
	}
	path := filepath.Join(sw.dir, "job.yaml")
	if err := os.WriteFile(path, manifest, 0o600); err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	if !apply {
		_, err := fmt.Fprintf(w, "# interloop submit k8s: %s, %d runs in %d shards; saved to %s\n# create it: kubectl apply -f %s\n%s",
			sw.name, sw.runs, sw.shards, path, path, manifest)
		return err
	}
	var st *store.Store
	if f.store != "" {
		if st, err = store.Open(ctx, f.store); err != nil {
			return err
		}
		defer st.Close()
	}
	created, err := k8s.Apply(ctx, api.ConfigMaps(cm.Namespace), api.Jobs(j.Namespace), cm, j)
	if err != nil {
		return err
	}
	id := "k8s-" + created.Name
	fmt.Fprintf(w, "created job %s/%s: %s, %d runs in %d shards, %d pods at once\nmanifest: %s\n",
		created.Namespace, created.Name, sw.name, sw.runs, sw.shards, *created.Spec.Parallelism, path)
	if st == nil {
		fmt.Fprintf(w, "follow: interloop status %s --shards %d --store postgres://…\n", filepath.Join(sw.dir, "experiment.yaml"), sw.shards)
		return nil
	}
	o.Store = st.Name()
	optJSON, _ := json.Marshal(o)
	sub := store.Submission{ID: id, Experiment: sw.name, Scheduler: "k8s", Job: created.Namespace + "/" + created.Name,
		Shards: sw.shards, Spec: sw.spec, Options: string(optJSON)}
	if err := st.PutSubmission(ctx, sub); err != nil {
		return fmt.Errorf("job created, but recording it failed: %w", err)
	}
	_, err = fmt.Fprintf(w, "follow: interloop status %s --store %s\n", id, st.Name())
	return err
}
