package k8s

import (
	"context"
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"sigs.k8s.io/yaml"
)

func sample() Job {
	return Job{Name: "interloop-sweep-20260101-120000", Namespace: "lab", Image: "registry.example/interloop:v1",
		Shards: 20, Parallelism: 4, CPU: "2", Memory: "2Gi", Experiment: "name: sweep\nseeds: 3\n",
		StoreSecret: "interloop-store", Retries: 2, Labels: map[string]string{"interloop/experiment": "sweep"}}
}

// TestApplyFake creates the objects through the fake clientset and checks
// what a cluster would get.
func TestApplyFake(t *testing.T) {
	ctx := context.Background()
	cs := fake.NewClientset()
	cm, job, err := sample().Objects()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Apply(ctx, cs.CoreV1().ConfigMaps("lab"), cs.BatchV1().Jobs("lab"), cm, job); err != nil {
		t.Fatal(err)
	}
	j, err := cs.BatchV1().Jobs("lab").Get(ctx, "interloop-sweep-20260101-120000", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := j.Spec
	if *s.CompletionMode != batchv1.IndexedCompletion || *s.Completions != 20 || *s.Parallelism != 4 || *s.BackoffLimitPerIndex != 2 {
		t.Fatalf("spec %+v", s)
	}
	pod := s.Template.Spec
	c := pod.Containers[0]
	wantArgs := []string{"run", ExperimentPath, "--shard-count", "20", "--store", "$(INTERLOOP_STORE)", "--jobs", "2"}
	if pod.RestartPolicy != corev1.RestartPolicyNever || c.Image != "registry.example/interloop:v1" || !slices.Equal(c.Args, wantArgs) {
		t.Fatalf("container %+v", c)
	}
	if ref := c.Env[0].ValueFrom.SecretKeyRef; ref.Name != "interloop-store" || ref.Key != "url" {
		t.Fatalf("env %+v", c.Env)
	}
	if c.Resources.Limits.Cpu().String() != "2" || c.Resources.Requests.Memory().String() != "2Gi" {
		t.Fatalf("resources %+v", c.Resources)
	}
	if pod.Volumes[0].ConfigMap.Name != j.Name || c.VolumeMounts[0].MountPath != "/etc/interloop" {
		t.Fatalf("volume %+v %+v", pod.Volumes, c.VolumeMounts)
	}
	got, err := cs.CoreV1().ConfigMaps("lab").Get(ctx, j.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Data["experiment.yaml"] != "name: sweep\nseeds: 3\n" || len(got.OwnerReferences) != 1 || got.OwnerReferences[0].Kind != "Job" {
		t.Fatalf("configmap %+v", got)
	}
	if got.Labels["interloop/experiment"] != "sweep" || j.Spec.Template.Labels["interloop/submission"] != j.Name {
		t.Fatalf("labels %v %v", got.Labels, j.Spec.Template.Labels)
	}
	// A second submission of the same name fails and leaves nothing new.
	if _, err := Apply(ctx, cs.CoreV1().ConfigMaps("lab"), cs.BatchV1().Jobs("lab"), cm, job); err == nil {
		t.Fatal("second apply succeeded")
	}
}

// TestResubmit: some shards only, one completion each, picked by
// --shard-list.
func TestResubmit(t *testing.T) {
	j := sample()
	j.Indexes = []int{3, 7, 12, 13}
	_, job, err := j.Objects()
	if err != nil {
		t.Fatal(err)
	}
	args := job.Spec.Template.Spec.Containers[0].Args
	if *job.Spec.Completions != 4 || !strings.Contains(strings.Join(args, " "), "--shard-count 20 --store $(INTERLOOP_STORE) --shard-list 3,7,12-13") {
		t.Fatalf("%d %v", *job.Spec.Completions, args)
	}
}

// TestManifest: the emitted YAML reads back as the same objects.
func TestManifest(t *testing.T) {
	j := sample()
	j.StoreSecret, j.Store = "", "postgres://interloop@db:5432/results"
	cm, job, err := j.Objects()
	if err != nil {
		t.Fatal(err)
	}
	y, err := Manifest(cm, job)
	if err != nil {
		t.Fatal(err)
	}
	docs := strings.Split(string(y), "\n---\n")
	if len(docs) != 2 || strings.Contains(string(y), "creationTimestamp") || strings.Contains(string(y), "status:") {
		t.Fatalf("manifest:\n%s", y)
	}
	var back batchv1.Job
	if err := yaml.UnmarshalStrict([]byte(docs[1]), &back); err != nil {
		t.Fatal(err)
	}
	if back.Kind != "Job" || *back.Spec.Completions != 20 || back.Spec.Template.Spec.Containers[0].Env[0].Value != j.Store {
		t.Fatalf("%+v", back)
	}
	var cmBack corev1.ConfigMap
	if err := yaml.UnmarshalStrict([]byte(docs[0]), &cmBack); err != nil || cmBack.Data["experiment.yaml"] != j.Experiment {
		t.Fatalf("%v %+v", err, cmBack)
	}
}

func TestObjectErrors(t *testing.T) {
	for name, mod := range map[string]func(*Job){
		"bad name":     func(j *Job) { j.Name = "Bad_Name" },
		"long name":    func(j *Job) { j.Name = strings.Repeat("a", 60) },
		"no image":     func(j *Job) { j.Image = "" },
		"no store":     func(j *Job) { j.StoreSecret = "" },
		"out of range": func(j *Job) { j.Indexes = []int{20} },
		"bad cpu":      func(j *Job) { j.CPU = "lots" },
	} {
		j := sample()
		mod(&j)
		if _, _, err := j.Objects(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if n := Name("interloop", "My Sweep/v2", "20260101"); n != "interloop-my-sweep-v2-20260101" {
		t.Errorf("Name: %q", n)
	}
}
