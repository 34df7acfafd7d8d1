package hook

import "strconv"

// Site identifies one hook point in a model. It is a small comparable value
// built by Block, Layer or one of the global sites (Embed, PosEmbed,
// FinalNorm); models pass it to Set.At on every forward call, so building a
// Site never allocates. Its Name is the TransformerLens-style string, built
// only when asked for (listings, errors).
type Site struct {
	scope scope
	point uint8
	layer int32
}

type scope uint8

const (
	scopeGlobal scope = iota + 1
	scopeBlock
	scopeLayer
)

// BlockPoint is a hook point inside transformer block i; Block(i, p) makes
// the site "blocks.{i}.<p>".
type BlockPoint uint8

// Block points, in the order a pre-LN block reaches them. Shapes are those
// the nn.Transformer gives (B batch, T positions, H heads).
const (
	ResidPre  BlockPoint = iota // hook_resid_pre     [B, T, d_model]
	Q                           // attn.hook_q        [B, T, H, d_head]
	K                           // attn.hook_k        [B, T, H, d_head]
	V                           // attn.hook_v        [B, T, H, d_head]
	Pattern                     // attn.hook_pattern  [B, H, T_query, T_key], softmax output
	Z                           // attn.hook_z        [B, T, H, d_head], pattern-weighted values
	AttnOut                     // hook_attn_out      [B, T, d_model]
	ResidMid                    // hook_resid_mid     [B, T, d_model]
	MLPPre                      // mlp.hook_pre       [B, T, d_mlp], before the nonlinearity
	MLPPost                     // mlp.hook_post      [B, T, d_mlp], after it
	MLPOut                      // hook_mlp_out       [B, T, d_model]
	ResidPost                   // hook_resid_post    [B, T, d_model]
	numBlockPoints
)

var blockNames = [numBlockPoints]string{
	"hook_resid_pre", "attn.hook_q", "attn.hook_k", "attn.hook_v", "attn.hook_pattern", "attn.hook_z",
	"hook_attn_out", "hook_resid_mid", "mlp.hook_pre", "mlp.hook_post", "hook_mlp_out", "hook_resid_post",
}

// LayerPoint is a hook point of layer i of a plain MLP; Layer(i, p) makes
// the site "layers.{i}.<p>".
type LayerPoint uint8

// Layer points.
const (
	Pre  LayerPoint = iota // hook_pre   [B, out_i], the affine output
	Post                   // hook_post  [B, out_i], after the activation
	numLayerPoints
)

var layerNames = [numLayerPoints]string{"hook_pre", "hook_post"}

// Global (unnumbered) sites of a transformer.
var (
	Embed     = Site{scope: scopeGlobal, point: 0} // hook_embed                [B, T, d_model]
	PosEmbed  = Site{scope: scopeGlobal, point: 1} // hook_pos_embed            [T, d_model], broadcast over the batch
	FinalNorm = Site{scope: scopeGlobal, point: 2} // ln_final.hook_normalized  [B, T, d_model], before gain and bias
)

var globalNames = [...]string{"hook_embed", "hook_pos_embed", "ln_final.hook_normalized"}

// Block returns the site p of transformer block i.
func Block(i int, p BlockPoint) Site {
	return Site{scope: scopeBlock, point: uint8(p), layer: int32(i)}
}

// Layer returns the site p of MLP layer i.
func Layer(i int, p LayerPoint) Site {
	return Site{scope: scopeLayer, point: uint8(p), layer: int32(i)}
}

// Name returns the site's TransformerLens-style name, e.g.
// "blocks.0.hook_resid_post". The zero Site's name is "".
func (s Site) Name() string {
	switch s.scope {
	case scopeGlobal:
		if int(s.point) < len(globalNames) {
			return globalNames[s.point]
		}
	case scopeBlock:
		if s.point < uint8(numBlockPoints) {
			return "blocks." + strconv.Itoa(int(s.layer)) + "." + blockNames[s.point]
		}
	case scopeLayer:
		if s.point < uint8(numLayerPoints) {
			return "layers." + strconv.Itoa(int(s.layer)) + "." + layerNames[s.point]
		}
	}
	return ""
}

// String is Name.
func (s Site) String() string { return s.Name() }

// SiteInfo describes one hook site of a model: its name and the shape of the
// activation there, with -1 for axes whose size depends on the input (batch,
// positions).
type SiteInfo struct {
	Site  Site
	Name  string
	Shape []int
}

// Info returns SiteInfo for s with the given shape.
func Info(s Site, shape ...int) SiteInfo { return SiteInfo{Site: s, Name: s.Name(), Shape: shape} }

// Lister is implemented by models whose hook sites can be listed. Sites
// returns every site a Forward call reaches, in the order it reaches them; the
// slice is freshly allocated and the caller may keep it.
type Lister interface {
	Sites() []SiteInfo
}

// Find returns the site of l whose name is name. It is a lookup among the
// listed sites (for names read from a config file), not a parser.
func Find(l Lister, name string) (Site, bool) {
	for _, si := range l.Sites() {
		if si.Name == name {
			return si.Site, true
		}
	}
	return Site{}, false
}

// ShapeMatches reports whether a concrete shape fits a listed shape, where
// -1 matches any size.
func ShapeMatches(listed, got []int) bool {
	if len(listed) != len(got) {
		return false
	}
	for i, d := range listed {
		if d != -1 && d != got[i] {
			return false
		}
	}
	return true
}
