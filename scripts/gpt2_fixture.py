#!/usr/bin/env python3
"""GPT-2 loader fixtures for interloop's gpt2 package.

Default: writes a tiny, randomly initialised GPT-2-architecture checkpoint in
the Hugging Face hub layout,

    testdata/gpt2/tiny/config.json         n_embd, n_head, n_layer, ... (HF GPT2Config keys)
    testdata/gpt2/tiny/model.safetensors   wte, wpe, h.{i}.ln_1, h.{i}.attn.c_attn (Conv1D: [in, 3·d]),
                                           h.{i}.attn.c_proj, h.{i}.ln_2, h.{i}.mlp.c_fc, h.{i}.mlp.c_proj,
                                           ln_f, and the h.{i}.attn.bias causal-mask buffers old
                                           checkpoints carry (the loader must skip them)

and the reference forward pass on a fixed batch of token ids,

    testdata/gpt2/tiny_ref.json + .bin     ids, logits and hook activations (TransformerLens names)

computed by a plain-PyTorch GPT-2 below (transformers is not installed here),
in float64 from the float32 weights: GELU is the tanh approximation
("gelu_new"), LayerNorm eps 1e-5, the unembedding tied to wte.

--full DIR writes a full-size GPT-2 small (124M parameters, random weights,
~500 MB) to DIR for the forward-throughput benchmark; it is not committed.
--bench DIR times this file's plain-PyTorch forward (float32, 1×128 tokens) on
that checkpoint, for comparison with gpt2.BenchmarkForwardSmall.

Run with the system interpreter: /usr/bin/python3 scripts/gpt2_fixture.py
(CI never runs it; the Go tests read the committed fixtures only).
"""

import argparse
import json
import math
import os
import struct

import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
TINY = dict(vocab_size=96, n_positions=16, n_embd=32, n_head=4, n_layer=2)
SMALL = dict(vocab_size=50257, n_positions=1024, n_embd=768, n_head=12, n_layer=12)


def hf_config(c):
    return dict(c, model_type="gpt2", architectures=["GPT2LMHeadModel"], activation_function="gelu_new",
                layer_norm_epsilon=1e-5, n_ctx=c["n_positions"], n_inner=None, tie_word_embeddings=True)


def init_weights(c, gen, mask_buffers):
    """Random float32 weights with HF names. LayerNorm gains and all biases are
    drawn non-trivially so that a loader mixing them up fails the parity test."""
    d, L = c["n_embd"], c["n_layer"]

    def normal(*shape, std=0.02, mean=0.0):
        return (torch.randn(*shape, generator=gen, dtype=torch.float32) * std + mean).contiguous()

    w = {"wte.weight": normal(c["vocab_size"], d), "wpe.weight": normal(c["n_positions"], d, std=0.01)}
    for i in range(L):
        p = "h.%d." % i
        w[p + "ln_1.weight"] = normal(d, std=0.1, mean=1.0)
        w[p + "ln_1.bias"] = normal(d, std=0.1)
        w[p + "attn.c_attn.weight"] = normal(d, 3 * d)  # Conv1D: [in, out]
        w[p + "attn.c_attn.bias"] = normal(3 * d, std=0.05)
        w[p + "attn.c_proj.weight"] = normal(d, d, std=0.02 / math.sqrt(2 * L))
        w[p + "attn.c_proj.bias"] = normal(d, std=0.05)
        w[p + "ln_2.weight"] = normal(d, std=0.1, mean=1.0)
        w[p + "ln_2.bias"] = normal(d, std=0.1)
        w[p + "mlp.c_fc.weight"] = normal(d, 4 * d)
        w[p + "mlp.c_fc.bias"] = normal(4 * d, std=0.05)
        w[p + "mlp.c_proj.weight"] = normal(4 * d, d, std=0.02 / math.sqrt(2 * L))
        w[p + "mlp.c_proj.bias"] = normal(d, std=0.05)
        if mask_buffers:
            n = c["n_positions"]
            w[p + "attn.bias"] = torch.tril(torch.ones(n, n)).view(1, 1, n, n).contiguous()
    w["ln_f.weight"] = normal(d, std=0.1, mean=1.0)
    w["ln_f.bias"] = normal(d, std=0.1)
    return w


def write_safetensors(path, tensors, metadata=None):
    """The safetensors format by hand (the safetensors package is not installed):
    an 8-byte little-endian header length, a JSON header, then the raw data."""
    header, blobs, off = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous()
        b = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def forward(w, c, ids, dtype=torch.float64):
    """GPT-2 forward (float64 by default); returns logits and the hook activations."""
    d, H, L = c["n_embd"], c["n_head"], c["n_layer"]
    dh = d // H
    W = {k: v.to(dtype) for k, v in w.items()}
    B, T = ids.shape
    hooks = {}

    def ln(x, p):
        mu = x.mean(-1, keepdim=True)
        var = ((x - mu) ** 2).mean(-1, keepdim=True)
        return (x - mu) / torch.sqrt(var + 1e-5) * W[p + "weight"] + W[p + "bias"]

    x = W["wte.weight"][ids] + W["wpe.weight"][:T]
    for i in range(L):
        p = "h.%d." % i
        hooks["blocks.%d.hook_resid_pre" % i] = x
        a = ln(x, p + "ln_1.")
        qkv = a @ W[p + "attn.c_attn.weight"] + W[p + "attn.c_attn.bias"]
        q, k, v = qkv.split(d, dim=-1)
        q, k, v = (t.view(B, T, H, dh).transpose(1, 2) for t in (q, k, v))
        s = q @ k.transpose(-2, -1) / math.sqrt(dh)
        s = s.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf"))
        pat = s.softmax(-1)
        hooks["blocks.%d.attn.hook_pattern" % i] = pat
        z = (pat @ v).transpose(1, 2).reshape(B, T, d)
        x = x + z @ W[p + "attn.c_proj.weight"] + W[p + "attn.c_proj.bias"]
        hooks["blocks.%d.hook_resid_mid" % i] = x
        m = gelu_new(ln(x, p + "ln_2.") @ W[p + "mlp.c_fc.weight"] + W[p + "mlp.c_fc.bias"])
        hooks["blocks.%d.mlp.hook_post" % i] = m
        x = x + m @ W[p + "mlp.c_proj.weight"] + W[p + "mlp.c_proj.bias"]
        hooks["blocks.%d.hook_resid_post" % i] = x
    mu = x.mean(-1, keepdim=True)
    norm = (x - mu) / torch.sqrt(((x - mu) ** 2).mean(-1, keepdim=True) + 1e-5)
    hooks["ln_final.hook_normalized"] = norm
    logits = (norm * W["ln_f.weight"] + W["ln_f.bias"]) @ W["wte.weight"].T
    return logits, hooks


def write_reference(stem, ids, logits, hooks, c):
    arrays, blob, off = [], bytearray(), 0
    for name, t in [("logits", logits)] + sorted(hooks.items()):
        data = t.detach().to(torch.float32).contiguous().flatten().tolist()
        blob += struct.pack("<%df" % len(data), *data)
        arrays.append({"name": name, "shape": list(t.shape), "offset": off})
        off += len(data)
    with open(stem + ".bin", "wb") as f:
        f.write(bytes(blob))
    meta = {"script": "scripts/gpt2_fixture.py", "torch": torch.__version__, "config": c,
            "ids": ids.tolist(), "arrays": arrays}
    lines = ['"%s": %s' % (k, json.dumps(v)) for k, v in meta.items() if k != "arrays"]
    lines.append('"arrays": [\n  ' + ",\n  ".join(json.dumps(a) for a in arrays) + "\n ]")
    with open(stem + ".json", "w") as f:
        f.write("{\n " + ",\n ".join(lines) + "\n}\n")


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[b:end]), dtype=torch.float32).reshape(e["shape"])
    return out


def bench(d, threads):
    import time

    torch.set_num_threads(threads)
    with open(os.path.join(d, "config.json")) as f:
        c = json.load(f)
    w = read_safetensors(os.path.join(d, "model.safetensors"))
    ids = torch.randint(0, c["vocab_size"], (1, 128))
    with torch.no_grad():
        forward(w, c, ids, torch.float32)
        best = float("inf")
        for _ in range(5):
            t = time.perf_counter()
            forward(w, c, ids, torch.float32)
            best = min(best, time.perf_counter() - t)
    print("torch threads=%d GPT-2 forward 1x128: %.3fs, %.1f tokens/s" % (threads, best, 128 / best))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--full", metavar="DIR", help="write a random full-size GPT-2 small checkpoint to DIR")
    ap.add_argument("--bench", metavar="DIR", help="time the float32 PyTorch forward on the checkpoint in DIR")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    if args.bench:
        bench(args.bench, args.threads)
        return
    gen = torch.Generator().manual_seed(0)
    if args.full:
        os.makedirs(args.full, exist_ok=True)
        w = init_weights(SMALL, gen, mask_buffers=False)
        write_safetensors(os.path.join(args.full, "model.safetensors"), w, {"format": "pt"})
        with open(os.path.join(args.full, "config.json"), "w") as f:
            json.dump(hf_config(SMALL), f, indent=1)
        print("wrote", args.full)
        return
    out = os.path.join(ROOT, "testdata", "gpt2")
    os.makedirs(os.path.join(out, "tiny"), exist_ok=True)
    w = init_weights(TINY, gen, mask_buffers=True)
    write_safetensors(os.path.join(out, "tiny", "model.safetensors"), w, {"format": "pt"})
    with open(os.path.join(out, "tiny", "config.json"), "w") as f:
        json.dump(hf_config(TINY), f, indent=1)
        f.write("\n")
    ids = torch.randint(0, TINY["vocab_size"], (2, 11), generator=gen)
    with torch.no_grad():
        logits, hooks = forward(w, TINY, ids)
    write_reference(os.path.join(out, "tiny_ref"), ids, logits, hooks, TINY)
    print("wrote", out)


if __name__ == "__main__":
    main()
