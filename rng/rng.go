// Package rng is interloop's deterministic random number generator.
//
// Every random choice in interloop (weight initialisation, dropout masks,
// world sampling, policy sampling, bootstrap resampling) draws from an
// *rng.PCG seeded explicitly, so the same config and seed give bit-identical
// results on every machine and Go version. The generator is PCG-XSH-RR 64/32
// (O'Neill 2014): a 64-bit LCG state with a permuted 32-bit output. We do not
// use math/rand/v2 because its derived distributions (NormFloat64, Perm) are not
// promised to stay identical across Go releases.
//
// A PCG is not safe for concurrent use; give each goroutine its own stream
// (Split derives independent child streams deterministically).
package rng

import "math"

const (
	pcgMult = 6364136223846793005
	pcgInc  = 1442695040888963407
)

// PCG is a PCG-XSH-RR 64/32 generator. The zero value is a valid generator
// (equivalent to New(0, 0)) but seeding with New is clearer.
type PCG struct {
	state uint64
	inc   uint64 // always odd
}

// New returns a generator for the given seed and stream. Different streams
// with the same seed are independent sequences.
func New(seed, stream uint64) *PCG {
	p := &PCG{}
	p.Seed(seed, stream)
	return p
}

// Seed resets the generator to the given seed and stream.
func (p *PCG) Seed(seed, stream uint64) {
	p.state = 0
	p.inc = stream<<1 | 1
	p.Uint32()
	p.state += seed
	p.Uint32()
}

// Uint32 returns the next 32 random bits.
func (p *PCG) Uint32() uint32 {
	if p.inc == 0 {
		p.inc = pcgInc
	}
	old := p.state
	p.state = old*pcgMult + p.inc
	xorshifted := uint32(((old >> 18) ^ old) >> 27)
	rot := uint32(old >> 59)
	return xorshifted>>rot | xorshifted<<((-rot)&31)
}

// Uint64 returns 64 random bits (two outputs, high word first).
func (p *PCG) Uint64() uint64 {
	hi := uint64(p.Uint32())
	return hi<<32 | uint64(p.Uint32())
}

// Float64 returns a uniform value in [0, 1) with 53 random bits.
func (p *PCG) Float64() float64 {
	return float64(p.Uint64()>>11) / (1 << 53)
}

// Float32 returns a uniform value in [0, 1) with 24 random bits.
func (p *PCG) Float32() float32 {
	return float32(p.Uint32()>>8) / (1 << 24)
}

// Uniform returns a uniform value in [lo, hi).
func (p *PCG) Uniform(lo, hi float64) float64 {
	return lo + (hi-lo)*p.Float64()
}

// Intn returns a uniform integer in [0, n) without modulo bias (Lemire's
// method). It panics if n <= 0, which is a programming error.
func (p *PCG) Intn(n int) int {
	if n <= 0 {
		panic("rng: Intn with n <= 0")
	}
	if n <= math.MaxUint32 {
		bound := uint32(n)
		m := uint64(p.Uint32()) * uint64(bound)
		if low := uint32(m); low < bound {
			thresh := -bound % bound
			for low < thresh {
				m = uint64(p.Uint32()) * uint64(bound)
				low = uint32(m)
			}
		}
		return int(m >> 32)
	}
	// Rejection sampling for very large n.
	max := uint64(n)
	limit := math.MaxUint64 - math.MaxUint64%max
	for {
		v := p.Uint64()
		if v < limit {
			return int(v % max)
		}
	}
}

// Normal returns a standard normal variate (Box–Muller, one value per call;
// deterministic, no cached second value so streams are easy to reason about).
func (p *PCG) Normal() float64 {
	u1 := p.Float64()
	for u1 == 0 {
		u1 = p.Float64()
	}
	u2 := p.Float64()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// Bernoulli returns true with probability prob.
func (p *PCG) Bernoulli(prob float64) bool { return p.Float64() < prob }

// Categorical samples an index with probability proportional to weights
// (which need not sum to one). Non-positive total weight returns -1.
func (p *PCG) Categorical(weights []float64) int {
	total := 0.0
	for _, w := range weights {
		if w > 0 {
			total += w
		}
	}
	if !(total > 0) {
		return -1
	}
	u := p.Float64() * total
	last := -1
	for i, w := range weights {
		if w <= 0 {
			continue
		}
		last = i
		if u < w {
			return i
		}
		u -= w
	}
	return last // floating-point slack: the last positive weight
}

// Shuffle permutes n elements with swap (Fisher–Yates).
func (p *PCG) Shuffle(n int, swap func(i, j int)) {
	for i := n - 1; i > 0; i-- {
		swap(i, p.Intn(i+1))
	}
}

// Perm returns a random permutation of [0, n).
func (p *PCG) Perm(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	p.Shuffle(n, func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// Split derives a new independent generator from this one, advancing this
// generator. Use it to give sub-tasks their own deterministic streams.
func (p *PCG) Split() *PCG {
	return New(p.Uint64(), p.Uint64())
}
