// Package checkpoint saves trained networks and detectors as safetensors
// files, with the run's resolved config in the file's metadata (as nanoGPT
// keeps its config inside every checkpoint), so a checkpoint says how it
// was made.
//
// Layout of a run's checkpoint:
//
//	policy.<param>        F32  the trained network's parameters, by name
//	probe.<name>.weight   F64  [d] a linear detector's raw weights w
//	probe.<name>.bias     F64  []  its bias b (score = σ(w·x + b))
//	__metadata__          format "interloop.checkpoint/v1", config (JSON),
//	                      run_id, experiment, arm, seed, interloop_version,
//	                      and probe.<name>.{kind,site,threshold}
//
// The files are plain safetensors: PyTorch reads them with
// safetensors.torch.load_file.
package checkpoint

import (
	"fmt"
	"strconv"

	"interloop/engine"
	"interloop/probe"
	"interloop/safetensors"
)

// Format is the metadata "format" value of a checkpoint.
const Format = "interloop.checkpoint/v1"

// Checkpoint is a set of named tensors with string metadata.
type Checkpoint struct {
	Tensors map[string]safetensors.Tensor
	Meta    map[string]string
}

// New returns an empty checkpoint carrying config (the resolved config as
// JSON) in its metadata.
func New(config string) *Checkpoint {
	return &Checkpoint{Tensors: map[string]safetensors.Tensor{}, Meta: map[string]string{"format": Format, "config": config}}
}

// AddParams adds each parameter as prefix + "." + its name.
func (c *Checkpoint) AddParams(prefix string, params []*engine.Param[float32]) error {
	for _, p := range params {
		name := prefix + "." + p.Name
		if _, dup := c.Tensors[name]; dup {
			return fmt.Errorf("checkpoint: duplicate tensor %q", name)
		}
		c.Tensors[name] = safetensors.FromFloat32(p.Value.Shape(), p.Value.Data)
	}
	return nil
}

// AddDetector adds a detector: a linear one's weights and bias as tensors,
// and for every kind its kind, site and threshold in the metadata.
func (c *Checkpoint) AddDetector(name string, d probe.Detector, site string, threshold float64) {
	c.Meta["probe."+name+".kind"] = d.Kind()
	c.Meta["probe."+name+".site"] = site
	c.Meta["probe."+name+".threshold"] = strconv.FormatFloat(threshold, 'g', -1, 64)
	if l, ok := d.(probe.Linear); ok {
		w, b := l.Weights()
		c.Tensors["probe."+name+".weight"] = safetensors.FromFloat64([]int{len(w)}, w)
		c.Tensors["probe."+name+".bias"] = safetensors.FromFloat64([]int{}, []float64{b})
	}
}

// Save writes the checkpoint to path atomically.
func (c *Checkpoint) Save(path string) error {
	return safetensors.WriteFile(path, c.Tensors, c.Meta)
}

// Load reads a checkpoint written by Save.
func Load(path string) (*Checkpoint, error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c := &Checkpoint{Tensors: map[string]safetensors.Tensor{}, Meta: f.Metadata()}
	if c.Meta["format"] != Format {
		return nil, fmt.Errorf("checkpoint %s: format %q, want %q", path, c.Meta["format"], Format)
	}
	for _, n := range f.Names() {
		if c.Tensors[n], err = f.Tensor(n); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// LoadParams copies the tensors prefix.<name> into params, checking shapes.
func (c *Checkpoint) LoadParams(prefix string, params []*engine.Param[float32]) error {
	for _, p := range params {
		name := prefix + "." + p.Name
		t, ok := c.Tensors[name]
		if !ok {
			return fmt.Errorf("checkpoint: no tensor %q", name)
		}
		if fmt.Sprint(t.Shape) != fmt.Sprint(p.Value.Shape()) {
			return fmt.Errorf("checkpoint: %s has shape %v, the parameter %v", name, t.Shape, p.Value.Shape())
		}
		v, err := t.Float32()
		if err != nil {
			return fmt.Errorf("checkpoint: %s: %w", name, err)
		}
		copy(p.Value.Data, v)
	}
	return nil
}
