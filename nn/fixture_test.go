package nn

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"interloop/engine"
	"interloop/tensor"
)

// torchFixture is one PyTorch parity fixture written by
// scripts/torch_fixtures.py: a JSON index plus a float32 blob.
type torchFixture struct {
	Sizes   []int  `json:"sizes"`
	Labels  []int  `json:"labels"`
	Vocab   int    `json:"vocab"`
	Context int    `json:"context"`
	DModel  int    `json:"d_model"`
	Heads   int    `json:"heads"`
	Layers  int    `json:"layers"`
	Batch   int    `json:"batch"`
	Seq     int    `json:"seq"`
	Tokens  []int  `json:"tokens"`
	Targets []int  `json:"targets"`
	Torch   string `json:"torch"`
	AdamCfg struct {
		LR    float64   `json:"lr"`
		Betas []float64 `json:"betas"`
		Eps   float64   `json:"eps"`
		Steps int       `json:"steps"`
	} `json:"adam"`
	Arrays []struct {
		Name   string `json:"name"`
		Shape  []int  `json:"shape"`
		Offset int    `json:"offset"`
		Linear bool   `json:"linear"`
	} `json:"arrays"`

	blob []float32
}

func loadFixture(t testing.TB, stem string) *torchFixture {
	t.Helper()
	dir := filepath.Join("..", "testdata", "torch")
	js, err := os.ReadFile(filepath.Join(dir, stem+".json"))
	if err != nil {
		t.Fatalf("fixture %s: %v (regenerate with /usr/bin/python3 scripts/torch_fixtures.py)", stem, err)
	}
	fx := &torchFixture{}
	if err := json.Unmarshal(js, fx); err != nil {
		t.Fatalf("fixture %s.json: %v", stem, err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, stem+".bin"))
	if err != nil {
		t.Fatalf("fixture %s: %v", stem, err)
	}
	fx.blob = make([]float32, len(raw)/4)
	for i := range fx.blob {
		fx.blob[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return fx
}

// array returns the named array in interloop's layout (Linear weights
// transposed from torch's [out, in] to [in, out]) converted to T.
func fixtureArray[T tensor.Float](t testing.TB, fx *torchFixture, name string) *tensor.Tensor[T] {
	t.Helper()
	for _, a := range fx.Arrays {
		if a.Name != name {
			continue
		}
		n := tensor.Size(a.Shape)
		if a.Offset+n > len(fx.blob) {
			t.Fatalf("fixture array %s overruns the blob", name)
		}
		src := fx.blob[a.Offset : a.Offset+n]
		if a.Linear {
			out, in := a.Shape[0], a.Shape[1]
			tr := tensor.New[T](in, out)
			for o := 0; o < out; o++ {
				for i := 0; i < in; i++ {
					tr.Data[i*out+o] = T(src[o*in+i])
				}
			}
			return tr
		}
		x := tensor.New[T](a.Shape...)
		for i, v := range src {
			x.Data[i] = T(v)
		}
		return x
	}
	t.Fatalf("fixture has no array %q", name)
	return nil
}

// loadParams copies the fixture's arrays prefix+name into params.
func loadParams[T tensor.Float](t testing.TB, fx *torchFixture, prefix string, params []*engine.Param[T]) {
	t.Helper()
	for _, p := range params {
		a := fixtureArray[T](t, fx, prefix+p.Name)
		if !tensor.SameShape(a.Shape(), p.Value.Shape()) {
			t.Fatalf("param %s: fixture shape %v, model shape %v", p.Name, a.Shape(), p.Value.Shape())
		}
		p.Value.CopyFrom(a)
	}
}

// relErr is the comparison used by every parity test: the norm-relative
// error ‖got − ref‖₂ / max(‖ref‖₂, floor, 1e-30), plus, for diagnostics, the
// largest elementwise |got − ref| / max(|ref|_∞, floor, 1e-30).
func relErr[T tensor.Float](got []T, ref []T, floor float64) (norm, maxAbs float64) {
	var d2, r2, dmax, rmax float64
	for i := range ref {
		d := float64(got[i]) - float64(ref[i])
		d2 += d * d
		r2 += float64(ref[i]) * float64(ref[i])
		dmax = math.Max(dmax, math.Abs(d))
		rmax = math.Max(rmax, math.Abs(float64(ref[i])))
	}
	if len(got) != len(ref) {
		return math.Inf(1), math.Inf(1)
	}
	floor = math.Max(floor, 1e-30)
	return math.Sqrt(d2) / math.Max(math.Sqrt(r2), floor), dmax / math.Max(rmax, floor)
}

// parityTol is the norm-relative tolerance of every parity check.
const parityTol = 1e-5

// worst tracks the largest errors of a parity test for its log line.
type worst struct {
	name      string
	norm, max float64
}

func (w *worst) check(t testing.TB, name string, got, ref []float64, floor, tol float64) {
	t.Helper()
	norm, mx := relErr(got, ref, floor)
	if norm > w.norm {
		w.name, w.norm = name, norm
	}
	w.max = math.Max(w.max, mx)
	if !(norm <= tol) {
		t.Errorf("%s: norm-relative error %.3g > %.3g (max elementwise %.3g of |ref|∞)", name, norm, tol, mx)
	}
}

func (w *worst) String() string {
	return fmt.Sprintf("worst norm-relative error %.3g (%s), worst elementwise/|ref|∞ %.3g", w.norm, w.name, w.max)
}

func f64[T tensor.Float](s []T) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v)
	}
	return out
}
