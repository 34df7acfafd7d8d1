package engine

import "math"

// Unary elementwise ops. Each saves nothing beyond its input and output
// values; the backward uses whichever is cheaper.

type unKind uint8

const (
	unNeg unKind = iota
	unExp
	unLog
	unSqrt
	unRelu
	unGelu
	unTanh
	unSigmoid
	unSoftplus
	unPow   // x^f[0]
	unScale // x·f[0] + f[1]
)

var unNames = [...]string{"Neg", "Exp", "Log", "Sqrt", "Relu", "Gelu", "Tanh", "Sigmoid", "Softplus", "Pow", "Scale"}

type unaryOp[T Float] struct{ k unKind }

func (o unaryOp[T]) name() string { return unNames[o.k] }

// Neg returns −x.
func (tp *Tape[T]) Neg(x *Node[T]) *Node[T] { return tp.unary(unNeg, x, 0, 0) }

// Exp returns eˣ.
func (tp *Tape[T]) Exp(x *Node[T]) *Node[T] { return tp.unary(unExp, x, 0, 0) }

// Log returns ln x.
func (tp *Tape[T]) Log(x *Node[T]) *Node[T] { return tp.unary(unLog, x, 0, 0) }

// Sqrt returns √x.
func (tp *Tape[T]) Sqrt(x *Node[T]) *Node[T] { return tp.unary(unSqrt, x, 0, 0) }

// Relu returns max(x, 0) (NaN for NaN). Its gradient is 0 where x ≤ 0 and
// passes where x > 0 or x is NaN, as PyTorch's.
func (tp *Tape[T]) Relu(x *Node[T]) *Node[T] { return tp.unary(unRelu, x, 0, 0) }

// Gelu returns x·Φ(x) with the exact normal CDF Φ (PyTorch's default GELU,
// not the tanh approximation). On a float32 tape it is evaluated with a
// fitted erfc (see fastmath.go: within 1.5e-7 relative of exact); the
// forward saves Φ(x) + x·φ(x), so the backward is one multiply.
func (tp *Tape[T]) Gelu(x *Node[T]) *Node[T] { return tp.unary(unGelu, x, 0, 0) }

// Tanh returns tanh x.
func (tp *Tape[T]) Tanh(x *Node[T]) *Node[T] { return tp.unary(unTanh, x, 0, 0) }

// Sigmoid returns 1/(1+e⁻ˣ).
func (tp *Tape[T]) Sigmoid(x *Node[T]) *Node[T] { return tp.unary(unSigmoid, x, 0, 0) }

// Softplus returns ln(1+eˣ), computed stably.
func (tp *Tape[T]) Softplus(x *Node[T]) *Node[T] { return tp.unary(unSoftplus, x, 0, 0) }

// Pow returns x^p for a constant exponent p.
func (tp *Tape[T]) Pow(x *Node[T], p float64) *Node[T] { return tp.unary(unPow, x, p, 0) }

// Scale returns a·x + b for constants a and b.
func (tp *Tape[T]) Scale(x *Node[T], a, b float64) *Node[T] { return tp.unary(unScale, x, a, b) }

func (tp *Tape[T]) unary(k unKind, x *Node[T], p, q float64) *Node[T] {
	if tp.err != nil {
		return tp.deadNode()
	}
	out := tp.alloc(false, x.Shape()...)
	nd := tp.newNode(unaryOp[T]{k}, out, x)
	nd.f = [2]float64{p, q}
	src, dst := x.Value.Data, out.Data[:len(x.Value.Data)]
	switch k {
	case unNeg:
		for i, v := range src {
			dst[i] = -v
		}
	case unExp:
		for i, v := range src {
			dst[i] = T(math.Exp(float64(v)))
		}
	case unLog:
		for i, v := range src {
			dst[i] = T(math.Log(float64(v)))
		}
	case unSqrt:
		for i, v := range src {
			dst[i] = T(math.Sqrt(float64(v)))
		}
	case unRelu:
		if s32, ok := asF32(src); ok {
			d32, _ := asF32(dst)
			reluF32(d32, s32)
			break
		}
		for i, v := range src {
			dst[i] = max(v, 0)
		}
	case unGelu:
		var deriv []T
		if nd.requiresGrad {
			nd.saved[0] = tp.alloc(false, x.Shape()...)
			deriv = nd.saved[0].Data
		}
		if s32, ok := asF32(src); ok {
			d32, _ := asF32(dst)
			g32, _ := asF32(deriv)
			geluF32(d32, g32, s32)
			break
		}
		for i, v := range src {
			y, d := gelu64(float64(v))
			dst[i] = T(y)
			if deriv != nil {
				deriv[i] = T(d)
			}
		}
	case unTanh:
		for i, v := range src {
			dst[i] = T(math.Tanh(float64(v)))
		}
	case unSigmoid:
		for i, v := range src {
			dst[i] = T(sigmoid(float64(v)))
		}
	case unSoftplus:
		for i, v := range src {
			dst[i] = T(softplus(float64(v)))
		}
	case unPow:
		for i, v := range src {
			dst[i] = T(math.Pow(float64(v), p))
		}
	case unScale:
		a, b := T(p), T(q)
		for i, v := range src {
			dst[i] = a*v + b
		}
	}
	return nd
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

func (o unaryOp[T]) backward(tp *Tape[T], nd *Node[T]) {
	x := nd.in[0]
	if !x.requiresGrad {
		return
	}
	g, src, y := nd.Grad.Data, x.Value.Data, nd.Value.Data
	gx, acc := tp.gradFor(x)
	gx = gx[:len(g)]
	switch o.k {
	case unRelu:
		if g32, ok := asF32(g); ok {
			gx32, _ := asF32(gx)
			y32, _ := asF32(y)
			reluGradF32(gx32, g32, y32, acc)
			return
		}
		if !acc {
			clear(gx)
		}
		for i, gi := range g {
			if y[i] != 0 {
				gx[i] += gi
			}
		}
		return
	case unGelu:
		mulTo(gx, g, nd.saved[0].Data, acc)
		return
	case unScale:
		scaleTo(gx, g, T(nd.f[0]), acc)
		return
	}
	if !acc {
		clear(gx)
	}
	switch o.k {
	case unNeg:
		for i, gi := range g {
			gx[i] -= gi
		}
	case unExp:
		for i, gi := range g {
			gx[i] += gi * y[i]
		}
	case unLog:
		for i, gi := range g {
			gx[i] += gi / src[i]
		}
	case unSqrt:
		for i, gi := range g {
			gx[i] += gi / (2 * y[i])
		}
	case unTanh:
		for i, gi := range g {
			gx[i] += gi * (1 - y[i]*y[i])
		}
	case unSigmoid:
		for i, gi := range g {
			gx[i] += gi * y[i] * (1 - y[i])
		}
	case unSoftplus:
		for i, gi := range g {
			gx[i] += gi * T(sigmoid(float64(src[i])))
		}
	case unPow:
		p := nd.f[0]
		for i, gi := range g {
			gx[i] += gi * T(p*math.Pow(float64(src[i]), p-1))
		}
	}
}
