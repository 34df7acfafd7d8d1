package probe

import "fmt"

// Document encoders and decoders of the families in this package that do
// not need the autodiff engine. Each decoder validates what it reads: a
// loaded detector is as well-formed as a fitted one.

func init() {
	register("logistic", decodeLogistic)
	register("diffmeans", decodeDiffMeans)
	register("lda", decodeLDA)
	register("ensemble", decodeEnsemble)
	register("calibrated", decodeCalibrated)
	register("pooled", decodePooled)
}

func (l *Logistic) encode() (*document, error) {
	cfg, err := rawConfig(l.cfg)
	return &document{
		Config:  cfg,
		Tensors: map[string]Array{"w": f64Array(l.w, len(l.w))},
		Scalars: map[string]float64{"b": l.b},
	}, err
}

func decodeLogistic(doc *document) (Kinded, error) {
	var cfg LogisticConfig
	if err := strictConfig(doc.Config, &cfg); err != nil {
		return nil, err
	}
	w, _, err := doc.tensor("w", -1)
	if err != nil {
		return nil, err
	}
	b, err := doc.scalar("b")
	if err != nil {
		return nil, err
	}
	return &Logistic{cfg: cfg, w: w, b: b}, nil
}

func (m *DiffMeans) encode() (*document, error) {
	cfg, err := rawConfig(m.cfg)
	return &document{
		Config:  cfg,
		Tensors: map[string]Array{"u": f64Array(m.u, len(m.u))},
		Scalars: map[string]float64{"t": m.t, "a": m.a},
	}, err
}

func decodeDiffMeans(doc *document) (Kinded, error) {
	var cfg DiffMeansConfig
	if err := strictConfig(doc.Config, &cfg); err != nil {
		return nil, err
	}
	u, _, err := doc.tensor("u", -1)
	if err != nil {
		return nil, err
	}
	t, err := doc.scalar("t")
	if err != nil {
		return nil, err
	}
	a, err := doc.scalar("a")
	if err != nil {
		return nil, err
	}
	return &DiffMeans{cfg: cfg, u: u, t: t, a: a}, nil
}

func (l *LDA) encode() (*document, error) {
	cfg, err := rawConfig(l.cfg)
	return &document{
		Config:  cfg,
		Tensors: map[string]Array{"w": f64Array(l.w, len(l.w))},
		Scalars: map[string]float64{"b": l.b},
	}, err
}

func decodeLDA(doc *document) (Kinded, error) {
	var cfg LDAConfig
	if err := strictConfig(doc.Config, &cfg); err != nil {
		return nil, err
	}
	w, _, err := doc.tensor("w", -1)
	if err != nil {
		return nil, err
	}
	b, err := doc.scalar("b")
	if err != nil {
		return nil, err
	}
	return &LDA{cfg: cfg, w: w, b: b}, nil
}

// encodeMembers encodes nested detectors.
func encodeMembers(ms ...Kinded) ([]*document, error) {
	out := make([]*document, len(ms))
	for i, m := range ms {
		doc, err := encode(m)
		if err != nil {
			return nil, fmt.Errorf("member %d: %w", i, err)
		}
		out[i] = doc
	}
	return out, nil
}

func decodeMembers(doc *document, want int) ([]Detector, error) {
	if want >= 0 && len(doc.Members) != want {
		return nil, fmt.Errorf("%w: %d members, want %d", ErrConfig, len(doc.Members), want)
	}
	out := make([]Detector, len(doc.Members))
	for i, m := range doc.Members {
		d, err := decodeDetector(m)
		if err != nil {
			return nil, fmt.Errorf("member %d: %w", i, err)
		}
		out[i] = d
	}
	return out, nil
}

func (e *Ensemble) encode() (*document, error) {
	ms := make([]Kinded, len(e.members))
	for i, m := range e.members {
		ms[i] = m
	}
	members, err := encodeMembers(ms...)
	return &document{Members: members}, err
}

func decodeEnsemble(doc *document) (Kinded, error) {
	ms, err := decodeMembers(doc, -1)
	if err != nil {
		return nil, err
	}
	return NewEnsemble(ms...)
}

func (c *Calibrated) encode() (*document, error) {
	members, err := encodeMembers(c.base)
	return &document{
		Scalars: map[string]float64{"a": c.platt.A, "b": c.platt.B},
		Members: members,
	}, err
}

func decodeCalibrated(doc *document) (Kinded, error) {
	ms, err := decodeMembers(doc, 1)
	if err != nil {
		return nil, err
	}
	a, err := doc.scalar("a")
	if err != nil {
		return nil, err
	}
	b, err := doc.scalar("b")
	if err != nil {
		return nil, err
	}
	return NewCalibrated(ms[0], Platt{A: a, B: b}), nil
}

type pooledConfig struct {
	Pool Pool `json:"pool"`
}

func (p *Pooled) encode() (*document, error) {
	cfg, err := rawConfig(pooledConfig{Pool: p.pool})
	if err != nil {
		return nil, err
	}
	members, err := encodeMembers(p.token)
	return &document{Config: cfg, Members: members}, err
}

func decodePooled(doc *document) (Kinded, error) {
	var cfg pooledConfig
	if err := strictConfig(doc.Config, &cfg); err != nil {
		return nil, err
	}
	ms, err := decodeMembers(doc, 1)
	if err != nil {
		return nil, err
	}
	return NewPooled(ms[0], cfg.Pool)
}
