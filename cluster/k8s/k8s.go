// Package k8s runs a sweep's shards as a Kubernetes Indexed Job: N
// completions, K pods at once (parallelism), pod i running shard i
// (`interloop run --shard-count N`, which reads JOB_COMPLETION_INDEX).
// The experiment file the shards run travels in a ConfigMap mounted into
// every pod; results go to a PostgreSQL store the pods reach (pods share
// no filesystem), its URL from a Secret or the manifest.
//
// Kubernetes retries a failed index up to backoffLimitPerIndex times
// (Kubernetes ≥ 1.29; older servers drop the field and fall back to the
// Job's backoffLimit). Shards that still fail are re-submitted as a
// smaller Indexed Job whose completion index picks an entry of
// --shard-list, so re-submitting shards 3, 7 and 12 of 20 is a Job of 3.
package k8s

import (
	"bytes"
	"context"
	"fmt"
	"interloop/internal/shardlist"
	"regexp"
	"strconv"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// ExperimentPath is where pods find the experiment file.
const ExperimentPath = "/etc/interloop/experiment.yaml"

// Job describes an Indexed Job over a sweep's shards.
type Job struct {
	// Name names the Job and its ConfigMap (a DNS label, ≤ 52 characters
	// so that pod names fit).
	Name, Namespace string
	// Image is the container image holding the interloop binary.
	Image string
	// Command is the container's entrypoint (nil: ["interloop"]).
	Command []string
	// Shards is the sweep's shard count; Indexes, when not nil, the
	// shards this Job runs (a re-submission), one completion each.
	Shards  int
	Indexes []int
	// Parallelism is the pods at once (0: all).
	Parallelism int
	// CPU and Memory are each pod's requests and limits ("2", "4Gi"); ""
	// leaves them unset. With CPU set, the pod runs that many runs at once.
	CPU, Memory string
	// Experiment is the experiment file (YAML) the shards run.
	Experiment string
	// StoreSecret names a Secret whose key "url" is the store's
	// postgres:// URL; otherwise Store is written into the manifest.
	StoreSecret, Store string
	// Args are further `interloop run` arguments (e.g. --retry-failed).
	Args []string
	// Retries is each index's retry budget (backoffLimitPerIndex).
	Retries int
	// Labels are added to the Job, its pods and the ConfigMap.
	Labels map[string]string
}

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// Objects builds the ConfigMap and the Indexed Job.
func (j Job) Objects() (*corev1.ConfigMap, *batchv1.Job, error) {
	switch {
	case !dnsLabel.MatchString(j.Name) || len(j.Name) > 52:
		return nil, nil, fmt.Errorf("k8s: job name %q: want a DNS label of at most 52 characters", j.Name)
	case j.Image == "":
		return nil, nil, fmt.Errorf("k8s: no --image")
	case j.Shards < 1:
		return nil, nil, fmt.Errorf("k8s: %d shards", j.Shards)
	case j.StoreSecret == "" && j.Store == "":
		return nil, nil, fmt.Errorf("k8s: no store: pods share no filesystem, so give a postgres:// store or a Secret holding its URL")
	case j.Indexes != nil && len(j.Indexes) == 0:
		return nil, nil, fmt.Errorf("k8s: no shards to submit")
	}
	for _, i := range j.Indexes {
		if i < 0 || i >= j.Shards {
			return nil, nil, fmt.Errorf("k8s: shard %d out of range [0, %d)", i, j.Shards)
		}
	}
	labels := map[string]string{"app.kubernetes.io/name": "interloop", "interloop/submission": j.Name}
	for k, v := range j.Labels {
		labels[k] = v
	}
	meta := metav1.ObjectMeta{Name: j.Name, Namespace: j.Namespace, Labels: labels}
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta,
		Data:       map[string]string{"experiment.yaml": j.Experiment},
	}
	completions := int32(j.Shards)
	args := []string{"run", ExperimentPath, "--shard-count", strconv.Itoa(j.Shards), "--store", "$(INTERLOOP_STORE)"}
	if j.Indexes != nil {
		completions = int32(len(j.Indexes))
		args = append(args, "--shard-list", shardlist.Format(j.Indexes))
	}
	if j.CPU != "" {
		q, err := resource.ParseQuantity(j.CPU)
		if err != nil {
			return nil, nil, fmt.Errorf("k8s: --cpu %q: %v", j.CPU, err)
		}
		args = append(args, "--jobs", strconv.FormatInt(max(q.Value(), 1), 10))
	}
	args = append(args, j.Args...)
	env := corev1.EnvVar{Name: "INTERLOOP_STORE", Value: j.Store}
	if j.StoreSecret != "" {
		env = corev1.EnvVar{Name: "INTERLOOP_STORE", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: j.StoreSecret}, Key: "url"}}}
	}
	res := corev1.ResourceList{}
	for name, v := range map[corev1.ResourceName]string{corev1.ResourceCPU: j.CPU, corev1.ResourceMemory: j.Memory} {
		if v == "" {
			continue
		}
		q, err := resource.ParseQuantity(v)
		if err != nil {
			return nil, nil, fmt.Errorf("k8s: %s %q: %v", name, v, err)
		}
		res[name] = q
	}
	command := j.Command
	if command == nil {
		command = []string{"interloop"}
	}
	mode := batchv1.IndexedCompletion
	parallelism := int32(j.Parallelism)
	if parallelism <= 0 {
		parallelism = completions
	}
	retries := int32(max(j.Retries, 0))
	job := &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: meta,
		Spec: batchv1.JobSpec{
			CompletionMode:       &mode,
			Completions:          &completions,
			Parallelism:          &parallelism,
			BackoffLimitPerIndex: &retries,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					RestartPolicy: corev1.RestartPolicyNever,
					Containers: []corev1.Container{{
						Name:         "interloop",
						Image:        j.Image,
						Command:      command,
						Args:         args,
						Env:          []corev1.EnvVar{env},
						Resources:    corev1.ResourceRequirements{Requests: res, Limits: res},
						VolumeMounts: []corev1.VolumeMount{{Name: "experiment", MountPath: "/etc/interloop", ReadOnly: true}},
					}},
					Volumes: []corev1.Volume{{Name: "experiment", VolumeSource: corev1.VolumeSource{
						ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: j.Name}}}}},
				},
			},
		},
	}
	return cm, job, nil
}

// Manifest renders objects as one YAML stream (for kubectl apply -f).
func Manifest(objs ...any) ([]byte, error) {
	var b bytes.Buffer
	for i, o := range objs {
		y, err := yaml.Marshal(o)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b.WriteString("---\n")
		}
		b.Write(stripStatus(y))
	}
	return b.Bytes(), nil
}

// stripStatus drops the empty status and creationTimestamp fields that
// marshalling an object to be created writes.
func stripStatus(y []byte) []byte {
	var out []string
	for _, l := range strings.Split(string(y), "\n") {
		t := strings.TrimSpace(l)
		if t == "creationTimestamp: null" || t == "status: {}" {
			continue
		}
		out = append(out, l)
	}
	return []byte(strings.Join(out, "\n"))
}

// Apply creates the ConfigMap, then the Job, then makes the Job own the
// ConfigMap, so deleting the Job deletes both. cms and jobs are the
// objects' namespace's (Client's, or a clientset's CoreV1().ConfigMaps(ns)
// and BatchV1().Jobs(ns)).
func Apply(ctx context.Context, cms ConfigMaps, jobs Jobs, cm *corev1.ConfigMap, job *batchv1.Job) (*batchv1.Job, error) {
	created, err := cms.Create(ctx, cm, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("k8s: create configmap %s: %w", cm.Name, err)
	}
	j, err := jobs.Create(ctx, job, metav1.CreateOptions{})
	if err != nil {
		cms.Delete(ctx, cm.Name, metav1.DeleteOptions{})
		return nil, fmt.Errorf("k8s: create job %s: %w", job.Name, err)
	}
	yes := true
	created.OwnerReferences = append(created.OwnerReferences, metav1.OwnerReference{
		APIVersion: "batch/v1", Kind: "Job", Name: j.Name, UID: j.UID, BlockOwnerDeletion: &yes})
	if _, err := cms.Update(ctx, created, metav1.UpdateOptions{}); err != nil {
		return j, fmt.Errorf("k8s: job %s created, but its configmap could not be given to it (delete it with the job): %w", j.Name, err)
	}
	return j, nil
}

// Name makes a Job name from parts: lower case, runs of other characters
// as "-", at most 52 characters.
func Name(parts ...string) string {
	s := strings.ToLower(strings.Join(parts, "-"))
	s = regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(s, "-")
	s = strings.Trim(s, "-")
	if len(s) > 52 {
		s = strings.Trim(s[len(s)-52:], "-")
	}
	return s
}
