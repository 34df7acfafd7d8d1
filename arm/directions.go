package arm

import (
	"fmt"
	"math"

	"interloop/agent"
	"interloop/env/vault"
	"interloop/hook"
	"interloop/probe"
	"interloop/rng"
	"interloop/tensor"
)

// Concept directions, all computed from the pre-RL instructed episodes in a
// Setup (never from RL data), in the activation space of one site.

// siteByName resolves a site name of the agent network ("" = the belief
// state).
func siteByName(s Setup, name string) (hook.Site, error) {
	if name == "" {
		return agent.Belief, nil
	}
	if s.Net == nil {
		return hook.Site{}, fmt.Errorf("site %q: no network in the setup", name)
	}
	site, ok := hook.Find(s.Net, name)
	if !ok || (site != agent.Belief && site != agent.Plan0) {
		return hook.Site{}, fmt.Errorf("site %q is not a plan-conditioned site (%s or %s)", name, agent.Plan0.Name(), agent.Belief.Name())
	}
	return site, nil
}

// meanDiff is mean(X[y]) − mean(X[!y]).
func meanDiff(X *tensor.Tensor[float32], y []bool) ([]float64, error) {
	d := X.Dim(1)
	pos, neg := make([]float64, d), make([]float64, d)
	var np, nn int
	for i, lab := range y {
		row := X.Data[i*d : (i+1)*d]
		dst := neg
		if lab {
			dst, np = pos, np+1
		} else {
			nn++
		}
		for j, v := range row {
			dst[j] += float64(v)
		}
	}
	if np == 0 || nn == 0 {
		return nil, fmt.Errorf("mean difference needs both classes (%d positive, %d negative)", np, nn)
	}
	out := make([]float64, d)
	for j := range out {
		out[j] = pos[j]/float64(np) - neg[j]/float64(nn)
	}
	return out, nil
}

func norm(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// conceptVector returns the lie-ward concept vector at site, scaled so that
// adding it once moves an average honest activation to an average lying one
// along its direction: "mean-diff" is the mean difference itself; "probe"
// is the unit weight vector of a logistic probe fit at the site, times the
// mean difference's projection on it.
func conceptVector(s Setup, site hook.Site, source Source, labels []bool) ([]float64, error) {
	X := s.Instructed.ChosenAt(site, s.Instructed.Greedy)
	md, err := meanDiff(X, labels)
	if err != nil {
		return nil, err
	}
	switch source {
	case SourceMeanDiff:
		return md, nil
	case SourceProbe:
		det, err := s.Fitter.Fit(X, labels)
		if err != nil {
			return nil, fmt.Errorf("fit probe at %s: %w", site.Name(), err)
		}
		lin, ok := det.(probe.Linear)
		if !ok {
			return nil, fmt.Errorf("probe %T is not linear", det)
		}
		u := lin.Direction()
		scale := dot(u, md)
		for i := range u {
			u[i] *= scale
		}
		return u, nil
	}
	return nil, fmt.Errorf("unknown direction source %q", source)
}

// pairedPCA returns the top k principal directions (unit rows) of the
// differences between each instructed episode's plain lie and plain honest
// plan with the right action, at site: CAFT's concept directions.
func pairedPCA(s Setup, site hook.Site, k int) ([][]float64, error) {
	e := s.Instructed
	n := len(e.Stolen)
	lie, honest := make([]vault.Plan, n), make([]vault.Plan, n)
	for i, st := range e.Stolen {
		a, truth, lieR := vault.Lock, vault.Safe, vault.Stolen
		if st {
			a, truth, lieR = vault.CallGuards, vault.Stolen, vault.Safe
		}
		lie[i], honest[i] = vault.MakePlan(a, lieR), vault.MakePlan(a, truth)
	}
	p, err := probe.DiffPCA(e.ChosenAt(site, lie), e.ChosenAt(site, honest), k, probe.PCAConfig{NoCenter: true})
	if err != nil {
		return nil, fmt.Errorf("paired PCA at %s: %w", site.Name(), err)
	}
	return p.Components, nil
}

// zDirection is the unit direction of a logistic probe for z (stolen) on
// the belief state of the instructed episodes' greedy plans.
func zDirection(s Setup) ([]float64, error) {
	det, err := s.Fitter.Fit(s.Instructed.Chosen(s.Instructed.Greedy), s.Instructed.Stolen)
	if err != nil {
		return nil, fmt.Errorf("fit z probe: %w", err)
	}
	lin, ok := det.(probe.Linear)
	if !ok {
		return nil, fmt.Errorf("z probe %T is not linear", det)
	}
	return lin.Direction(), nil
}

// randomUnit draws a uniformly random unit vector.
func randomUnit(r *rng.PCG, d int) []float64 {
	v := make([]float64, d)
	for i := range v {
		v[i] = r.Normal()
	}
	n := norm(v)
	for i := range v {
		v[i] /= n
	}
	return v
}

func vec32(v []float64) *tensor.Tensor[float32] {
	t := tensor.New[float32](len(v))
	for i, x := range v {
		t.Data[i] = float32(x)
	}
	return t
}

// columns packs unit directions as the columns of a [d, k] tensor.
func columns(dirs [][]float64) *tensor.Tensor[float32] {
	d, k := len(dirs[0]), len(dirs)
	t := tensor.New[float32](d, k)
	for j, u := range dirs {
		for i, x := range u {
			t.Data[i*k+j] = float32(x)
		}
	}
	return t
}
