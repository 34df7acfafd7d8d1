package k8s

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/rest"
)

// TestClientREST applies through Client against a recorder standing in for
// the API server: the requests go to the Kubernetes paths, with the objects
// as JSON, and the server's answers come back decoded.
func TestClientREST(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	var jobBody map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		calls = append(calls, r.Method+" "+r.URL.Path)
		mu.Unlock()
		var obj map[string]any
		json.Unmarshal(body, &obj)
		if strings.HasSuffix(r.URL.Path, "/jobs") {
			jobBody = obj
		}
		// Echo the object back with a UID, as the API server does.
		if meta, ok := obj["metadata"].(map[string]any); ok {
			meta["uid"] = "uid-" + meta["name"].(string)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(obj)
	}))
	defer srv.Close()
	c, err := NewClient(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	cm, job, err := sample().Objects()
	if err != nil {
		t.Fatal(err)
	}
	api := c.API()
	got, err := Apply(context.Background(), api.ConfigMaps("lab"), api.Jobs("lab"), cm, job)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"POST /api/v1/namespaces/lab/configmaps",
		"POST /apis/batch/v1/namespaces/lab/jobs",
		"PUT /api/v1/namespaces/lab/configmaps/interloop-sweep-20260101-120000",
	}
	if strings.Join(calls, "\n") != strings.Join(want, "\n") {
		t.Fatalf("calls:\n%s\nwant\n%s", strings.Join(calls, "\n"), strings.Join(want, "\n"))
	}
	if got.UID != "uid-interloop-sweep-20260101-120000" || *got.Spec.Completions != 20 {
		t.Fatalf("decoded job %+v", got)
	}
	spec := jobBody["spec"].(map[string]any)
	if jobBody["kind"] != "Job" || spec["completionMode"] != "Indexed" || spec["completions"] != float64(20) {
		t.Fatalf("sent job %v", jobBody)
	}
}
