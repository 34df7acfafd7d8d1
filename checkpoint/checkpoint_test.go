package checkpoint

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"interloop/engine"
	"interloop/probe"
	"interloop/safetensors"
	"interloop/tensor"
)

func TestRoundTrip(t *testing.T) {
	w := tensor.New[float32](2, 3)
	for i := range w.Data {
		w.Data[i] = float32(i) - 2.5
	}
	params := []*engine.Param[float32]{engine.NewParam("enc.0.weight", w)}
	ck := New(`{"rl":{"steps":3}}`)
	ck.Meta["run_id"] = "abc"
	if err := ck.AddParams("policy", params); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "abc.safetensors")
	if err := ck.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Meta["config"] != `{"rl":{"steps":3}}` || back.Meta["format"] != Format || back.Meta["run_id"] != "abc" {
		t.Fatalf("meta %v", back.Meta)
	}
	restored := []*engine.Param[float32]{engine.NewParam("enc.0.weight", tensor.New[float32](2, 3))}
	if err := back.LoadParams("policy", restored); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(restored[0].Value.Data, w.Data) {
		t.Fatalf("%v", restored[0].Value.Data)
	}
	// It is a plain safetensors file.
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v, shape, err := f.Float32("policy.enc.0.weight")
	if err != nil || !reflect.DeepEqual(shape, []int{2, 3}) || v[0] != -2.5 {
		t.Fatalf("%v %v %v", v, shape, err)
	}
	if err := back.LoadParams("policy", []*engine.Param[float32]{engine.NewParam("enc.0.weight", tensor.New[float32](3, 2))}); err == nil {
		t.Fatal("shape mismatch accepted")
	}
	os.WriteFile(path, []byte("junk"), 0o644)
	if _, err := Load(path); err == nil {
		t.Fatal("junk accepted")
	}
	var _ probe.Detector
}
