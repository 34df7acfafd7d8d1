package probe

import (
	"fmt"
	"math"

	"interloop/engine"
	"interloop/optim"
	"interloop/rng"
	"interloop/tensor"
)

// MLPConfig configures a small multilayer-perceptron probe trained with the
// autodiff engine: Layers hidden ReLU layers of width Hidden, then one logit.
// The zero value is 1 hidden layer of 64 units, 100 epochs of minibatch Adam
// (batch 128, learning rate 3e-3, no weight decay), seed 0.
type MLPConfig struct {
	Hidden      int     `json:"hidden,omitempty"`       // hidden width; 0 = 64
	Layers      int     `json:"layers,omitempty"`       // hidden layers; 0 = 1
	Epochs      int     `json:"epochs,omitempty"`       // passes over the data; 0 = 100
	BatchSize   int     `json:"batch_size,omitempty"`   // rows per Adam step; 0 = 128
	LR          float64 `json:"lr,omitempty"`           // Adam learning rate; 0 = 3e-3
	WeightDecay float64 `json:"weight_decay,omitempty"` // Adam L2 coefficient; 0 = none
	Seed        uint64  `json:"seed,omitempty"`         // initialisation and shuffling
}

func (c MLPConfig) resolved() (MLPConfig, error) {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Hidden, 64)
	def(&c.Layers, 1)
	def(&c.Epochs, 100)
	def(&c.BatchSize, 128)
	if c.LR == 0 {
		c.LR = 3e-3
	}
	if c.Hidden < 1 || c.Layers < 1 || c.Epochs < 1 || c.BatchSize < 1 || !(c.LR > 0) || !(c.WeightDecay >= 0) {
		return c, fmt.Errorf("%w: MLP %+v", ErrConfig, c)
	}
	return c, nil
}

// Fit implements Fitter.
func (c MLPConfig) Fit(X *tensor.Tensor[float32], y []bool) (Detector, error) {
	m, err := FitMLP(X, y, c)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// mlpStream separates the MLP's random draws from other uses of a seed.
const mlpStream = 0x31F

// MLP is a fitted MLP probe. Its weights are frozen float32 tensors:
// w[i] is [in, out], b[i] is [out]; the last layer has out = 1.
type MLP struct {
	cfg  MLPConfig
	w, b []*tensor.Tensor[float32]
}

// FitMLP trains an MLP probe by minibatch Adam on the mean binary
// cross-entropy of its logits. Weights start as torch's nn.Linear default
// (uniform in ±1/√fan_in); the run is deterministic given cfg.Seed.
func FitMLP(X *tensor.Tensor[float32], y []bool, cfg MLPConfig) (*MLP, error) {
	cfg, err := cfg.resolved()
	if err != nil {
		return nil, err
	}
	n, d, _, err := checkFit(X, y)
	if err != nil {
		return nil, fmt.Errorf("mlp: %w", err)
	}
	r := rng.New(cfg.Seed, mlpStream)
	m := &MLP{cfg: cfg}
	var params []*engine.Param[float32]
	in := d
	for i := 0; i <= cfg.Layers; i++ {
		out := cfg.Hidden
		if i == cfg.Layers {
			out = 1
		}
		bound := 1 / math.Sqrt(float64(in))
		w := tensor.Rand[float32](r, -bound, bound, in, out)
		b := tensor.Rand[float32](r, -bound, bound, out)
		m.w, m.b = append(m.w, w), append(m.b, b)
		params = append(params,
			engine.NewParam(fmt.Sprintf("w%d", i), w), engine.NewParam(fmt.Sprintf("b%d", i), b))
		in = out
	}
	opt, err := optim.NewAdam(params, optim.AdamConfig{LR: cfg.LR, WeightDecay: cfg.WeightDecay})
	if err != nil {
		return nil, fmt.Errorf("mlp: %w", err)
	}
	err = minibatches(n, cfg.Epochs, cfg.BatchSize, r, func(idx []int, tp *engine.Tape[float32]) (*engine.Node[float32], error) {
		xb := tensor.New[float32](len(idx), d) // [b, d]
		yb := tensor.New[float32](len(idx))    // [b]
		for k, i := range idx {
			copy(xb.Data[k*d:(k+1)*d], X.Data[i*d:(i+1)*d])
			if y[i] {
				yb.Data[k] = 1
			}
		}
		ws, bs := make([]*engine.Node[float32], len(params)/2), make([]*engine.Node[float32], len(params)/2)
		for i := range ws {
			ws[i], bs[i] = tp.Param(params[2*i]), tp.Param(params[2*i+1])
		}
		return bceWithLogits(tp, mlpLogits(tp, tp.Const(xb), ws, bs), tp.Const(yb)), nil
	}, opt)
	if err != nil {
		return nil, fmt.Errorf("mlp: %w", err)
	}
	return m, nil
}

// minibatches runs epochs of shuffled minibatch steps: loss builds the graph
// for one batch on a reset tape, then Backward and opt.Step run. A
// non-finite loss stops training with an error.
func minibatches(n, epochs, batch int, r *rng.PCG, loss func(idx []int, tp *engine.Tape[float32]) (*engine.Node[float32], error), opt *optim.Adam[float32]) error {
	tp := engine.NewTape[float32]()
	for epoch := 0; epoch < epochs; epoch++ {
		perm := r.Perm(n)
		for start := 0; start < n; start += batch {
			tp.Reset()
			l, err := loss(perm[start:min(start+batch, n)], tp)
			if err != nil {
				return err
			}
			opt.ZeroGrad()
			if err := tp.Backward(l); err != nil {
				return err
			}
			if v := float64(l.Value.Data[0]); math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%w: loss %v at epoch %d", ErrNotConverged, v, epoch)
			}
			opt.Step()
		}
	}
	return nil
}

// bceWithLogits is mean(softplus(z) − y·z) over z, y of shape [n]: the mean
// binary cross-entropy of σ(z) against y ∈ {0, 1}.
func bceWithLogits[T tensor.Float](tp *engine.Tape[T], z, y *engine.Node[T]) *engine.Node[T] {
	return tp.Mean(tp.Sub(tp.Softplus(z), tp.Mul(y, z)))
}

// mlpLogits records the MLP on h [..., d] and returns logits [...].
func mlpLogits[T tensor.Float](tp *engine.Tape[T], h *engine.Node[T], ws, bs []*engine.Node[T]) *engine.Node[T] {
	x := h
	for i := range ws {
		x = tp.Linear(x, ws[i], bs[i]) // [..., out_i]
		if i < len(ws)-1 {
			x = tp.Relu(x)
		}
	}
	return dropLast(tp, x) // [..., 1] → [...]
}

// Kind implements Detector.
func (m *MLP) Kind() string { return "mlp" }

// Config returns the resolved config the probe was trained with.
func (m *MLP) Config() MLPConfig { return m.cfg }

// Score implements Detector. The forward pass runs in float64 over the
// float32 weights, independent of any tape.
func (m *MLP) Score(X *tensor.Tensor[float32], dst []float64) error {
	if _, err := checkScore(X, m.w[0].Dim(0), dst); err != nil {
		return fmt.Errorf("mlp: %w", err)
	}
	d := X.Dim(1)
	a := make([]float64, 0, max(d, m.cfg.Hidden))
	next := make([]float64, 0, cap(a))
	for i := range dst {
		a = a[:0]
		for _, v := range X.Data[i*d : (i+1)*d] {
			a = append(a, float64(v))
		}
		for l, w := range m.w {
			in, out := w.Dim(0), w.Dim(1)
			next = next[:out]
			for o := range next {
				next[o] = float64(m.b[l].Data[o])
			}
			for k := 0; k < in; k++ {
				row := w.Data[k*out : (k+1)*out]
				for o, wv := range row {
					next[o] += a[k] * float64(wv)
				}
			}
			if l < len(m.w)-1 {
				for o, v := range next {
					next[o] = math.Max(v, 0)
				}
			}
			a, next = next, a
		}
		dst[i] = sigmoid(a[0])
	}
	return nil
}

// ScoreNode implements Differentiable.
func (m *MLP) ScoreNode(tp *engine.Tape[float32], h *engine.Node[float32]) *engine.Node[float32] {
	ws, bs := make([]*engine.Node[float32], len(m.w)), make([]*engine.Node[float32], len(m.b))
	for i := range ws {
		ws[i], bs[i] = tp.Const(m.w[i]), tp.Const(m.b[i])
	}
	return mlpLogits(tp, h, ws, bs)
}

func init() { register("mlp", decodeMLP) }

func (m *MLP) encode() (*document, error) {
	cfg, err := rawConfig(m.cfg)
	t := map[string]Array{}
	for i := range m.w {
		t[fmt.Sprintf("w%d", i)] = f32Array(m.w[i].Data, m.w[i].Shape()...)
		t[fmt.Sprintf("b%d", i)] = f32Array(m.b[i].Data, m.b[i].Shape()...)
	}
	return &document{Config: cfg, Tensors: t}, err
}

func decodeMLP(doc *document) (Kinded, error) {
	var cfg MLPConfig
	if err := strictConfig(doc.Config, &cfg); err != nil {
		return nil, err
	}
	cfg, err := cfg.resolved()
	if err != nil {
		return nil, err
	}
	m := &MLP{cfg: cfg}
	in := -1
	for i := 0; i <= cfg.Layers; i++ {
		out := cfg.Hidden
		if i == cfg.Layers {
			out = 1
		}
		w, shape, err := doc.tensor(fmt.Sprintf("w%d", i), in, out)
		if err != nil {
			return nil, err
		}
		b, _, err := doc.tensor(fmt.Sprintf("b%d", i), out)
		if err != nil {
			return nil, err
		}
		m.w = append(m.w, tensor.FromData(to32(w), shape...))
		m.b = append(m.b, tensor.FromData(to32(b), out))
		in = out
	}
	if len(doc.Tensors) != 2*(cfg.Layers+1) {
		return nil, fmt.Errorf("%w: %d tensors for %d layers", ErrConfig, len(doc.Tensors), cfg.Layers+1)
	}
	return m, nil
}

func to32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}
