// Package gpt2 runs GPT-2-architecture checkpoints on interloop's engine:
// load Hugging Face weights from a safetensors file, tokenize with GPT-2's
// byte-level BPE, run the forward pass with TransformerLens hook sites, and
// capture activations to fit probes on (interloop capture).
//
// # The architecture
//
// GPT-2 is a pre-LN decoder: token plus learned position embeddings; per
// block
//
//	resid_mid  = resid_pre + c_proj(attn(c_attn(ln_1(resid_pre))))
//	resid_post = resid_mid + mlp.c_proj(gelu_new(mlp.c_fc(ln_2(resid_mid))))
//
// then ln_f and an unembedding tied to the token table. It differs from
// nn.Transformer in three ways that matter for loading real weights: the
// query, key and value projections are one fused Conv1D (c_attn, weight
// [d, 3d], already in the engine's [in, out] layout, q|k|v side by side);
// the MLP uses the tanh approximation of GELU ("gelu_new", GeluTanh here,
// composed from engine ops), not the exact erf form; and the unembedding is
// wte's transpose with no bias. Model implements all three, keeping the
// hook sites of hook.Block so that nn and gpt2 models share probe code.
//
// # Checkpoints
//
// Load takes a directory in the hub layout (model.safetensors and
// config.json) or a .safetensors file. Names are the hub's (wte.weight,
// h.0.attn.c_attn.weight, ln_f.bias, …) with or without GPT2LMHeadModel's
// "transformer." prefix; old checkpoints' causal-mask buffers
// (h.{i}.attn.bias) are skipped; lm_head.weight, when present, unembeds
// instead of wte. Sizes come from the tensor shapes; the head count comes
// from config.json (n_head) or LoadOptions, defaulting to n_embd/64. Any
// missing, misshapen or unexpected tensor is an error naming it.
//
// # Parity
//
// scripts/gpt2_fixture.py writes a tiny randomly initialised checkpoint
// (testdata/gpt2/tiny) and the logits and hook activations of a plain
// PyTorch GPT-2 on fixed ids, in float64 from the same float32 weights;
// TestParity requires agreement to 1e-4 (relative to max(1, |reference|)).
// The tokenizer is tested against token ids of OpenAI's GPT-2 encoder.
// With --full DIR the script writes a random full-size GPT-2 small for
// BenchmarkForwardSmall (GPT2_SMALL=DIR), which reports tokens/s.
package gpt2
