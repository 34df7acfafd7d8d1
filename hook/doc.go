// Package hook names the points inside a model where activations can be
// read or changed, and carries the interventions for one forward call.
//
// # Hooks belong to a call, not to a model
//
// Interpretability-in-the-loop training reads and edits activations on
// every step: a probe reads the residual stream (Capture), a steering vector
// is added during fine-tuning (Add, as in preventative steering), concept
// directions are ablated (ProjectOut, as in CAFT), an activation is patched
// (Replace). In interloop none of this is state on the model. A caller
// builds a *Set of plain-data Hooks and passes it to one Forward call:
//
//	hooks := hook.NewSet(
//		hook.CaptureAt[float32](hook.Block(3, hook.ResidPost)),
//		hook.AddAt(hook.Block(2, hook.ResidPost), steer), // steer: [d_model]
//	)
//	logits := model.Forward(tp, x, hooks)
//	resid := hooks.Captured(hook.Block(3, hook.ResidPost)) // .Value, and after Backward .Grad
//
// The next call with nil hooks is the unmodified model; nothing persists.
// Models call hooks.At(tp, site, x) at every site; a nil *Set returns x
// without allocating, so model code never checks for hooks.
//
// # Sites
//
// Sites are comparable values built by functions, never parsed: Block(i, p)
// for transformer blocks, Layer(i, p) for MLP layers, and the globals Embed,
// PosEmbed and FinalNorm. Their names follow TransformerLens
// ("blocks.0.hook_resid_post", "blocks.0.attn.hook_pattern",
// "layers.1.hook_pre"); see the BlockPoint constants for each site's shape.
// A model lists its sites, in the order Forward reaches them, through
// Lister; shapes use −1 for the batch and position axes. Find looks a name
// up among a model's listed sites (for names from config files).
//
// # Verbs and gradients
//
// Every verb is written out = x + δ(x):
//
//	Capture     δ = 0            record the node: its Value, and its Grad (∂L/∂x) after Backward
//	Replace     δ = v − x        out = v broadcast to x's shape
//	Add         δ = v            steering
//	ProjectOut  δ = −(x·Q)·Qᵀ    Q [d, k] orthonormal (ProjectOutAt orthonormalises)
//
// By default gradients follow the intervention: after a ProjectOut the
// gradient reaching x is projected too, (I − QQᵀ)·∂L/∂out, and a Replace
// passes none to x. Detached (Hook.Detach) computes δ on a stop-gradient
// path, out = x + stopgrad(δ): the forward value is identical, but the
// backward pass sees the identity (straight-through). Which of the two a
// training technique wants is part of the technique: ablating a direction
// with a gradient through the ablation tells the optimizer the direction is
// useless; detaching lets it keep learning the direction's upstream
// computation while downstream never sees it.
//
// Hooks at one site run in the order given to NewSet, each seeing the
// previous one's output, so Capture, ProjectOut, Capture records the
// activation before and after. Recorded nodes live on the tape: they are
// valid until the tape's Reset, and a Set can be Reset and reused across
// steps without allocating. A hook that does not fit the site's shape is
// skipped and reported by Set.Err, naming the site.
package hook
