#!/usr/bin/env python3
"""PyTorch parity fixtures for interloop's nn and optim packages.

Writes testdata/torch/{mlp,transformer}.{json,bin}. Each .bin is the
concatenation of little-endian float32 arrays; the .json index gives, for
every array, its name, shape, element offset into the .bin, and whether it is
a torch nn.Linear weight (stored here in torch's [out, in] layout; the Go
tests transpose it to interloop's [in, out]). Integer data (labels, tokens)
and the configuration live in the JSON itself.

Weights and inputs are drawn in float32 (torch.manual_seed); every reference
value is then computed in float64 from those float32 numbers and rounded to
float32 only when written, so the fixtures carry float32-exact inputs and
near-exact outputs.

Arrays: param/<name> (initial weights), input (MLP features), logits, loss,
grad/<name> (d loss / d param at the initial weights), adam3/<name> (params
after 3 torch.optim.Adam steps on the same batch, recomputing the gradient
each step), adam_loss (the loss before each of the 3 steps).

Run with the system interpreter: /usr/bin/python3 scripts/torch_fixtures.py
(CI never runs it; the Go tests read the committed fixtures only).
"""

import json
import math
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

ADAM_LR = 1e-2
ADAM_STEPS = 3
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata", "torch")


class MLP(nn.Module):
    """layers.{i} Linear, ReLU between (mirrors nn.MLP)."""

    def __init__(self, sizes):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))

    def forward(self, x):
        for i, l in enumerate(self.layers):
            x = l(x)
            if i < len(self.layers) - 1:
                x = F.relu(x)
        return x


class Attn(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x):
        B, T, D = x.shape
        H, dh = self.heads, D // self.heads
        q = self.q(x).view(B, T, H, dh).transpose(1, 2)  # [B, H, T, dh]
        k = self.k(x).view(B, T, H, dh).transpose(1, 2)
        v = self.v(x).view(B, T, H, dh).transpose(1, 2)
        scores = q @ k.transpose(-2, -1) / math.sqrt(dh)  # [B, H, T, T]
        mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
        scores = scores.masked_fill(mask, float("-inf"))
        z = scores.softmax(-1) @ v  # [B, H, T, dh]
        return self.o(z.transpose(1, 2).reshape(B, T, D))


class FF(nn.Module):
    def __init__(self, d, dm):
        super().__init__()
        self.fc_in, self.fc_out = nn.Linear(d, dm), nn.Linear(dm, d)

    def forward(self, x):
        return self.fc_out(F.gelu(self.fc_in(x)))


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = Attn(d, heads)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = FF(d, 4 * d)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class Transformer(nn.Module):
    """Pre-LN GPT with learned positions and an untied unembedding (mirrors nn.Transformer)."""

    def __init__(self, vocab, ctx, d, heads, layers):
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        self.pos_embed = nn.Embedding(ctx, d)
        self.blocks = nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.ln_final = nn.LayerNorm(d)
        self.unembed = nn.Linear(d, vocab)

    def forward(self, ids):
        T = ids.shape[1]
        x = self.embed(ids) + self.pos_embed.weight[:T]
        for b in self.blocks:
            x = b(x)
        return self.unembed(self.ln_final(x))


class Writer:
    def __init__(self):
        self.index, self.blob, self.offset = [], bytearray(), 0

    def add(self, name, t, linear=False):
        t = t.detach().to(torch.float32).contiguous()
        data = t.flatten().tolist()
        self.blob += struct.pack("<%df" % len(data), *data)
        self.index.append({"name": name, "shape": list(t.shape), "offset": self.offset, "linear": linear})
        self.offset += len(data)

    def save(self, stem, meta):
        with open(os.path.join(OUT, stem + ".bin"), "wb") as f:
            f.write(bytes(self.blob))
        meta = dict(meta, torch=torch.__version__, script="scripts/torch_fixtures.py", arrays=self.index)
        # One key per line, one array per line: diffable without 10,000-line label lists.
        lines = []
        for k, v in meta.items():
            if k == "arrays":
                v = "[\n  " + ",\n  ".join(json.dumps(a) for a in v) + "\n ]"
            else:
                v = json.dumps(v)
            lines.append(" %s: %s" % (json.dumps(k), v))
        with open(os.path.join(OUT, stem + ".json"), "w") as f:
            f.write("{\n" + ",\n".join(lines) + "\n}\n")


def is_linear(model, name):
    mod = model.get_submodule(name.rsplit(".", 1)[0])
    return isinstance(mod, nn.Linear) and name.endswith(".weight")


def record(model, loss_fn, w, meta, stem):
    """Writes params, forward, grads and Adam trajectory of model (float64)."""
    for name, p in model.named_parameters():
        w.add("param/" + name, p, is_linear(model, name))
    model.double()
    logits, loss = loss_fn(model)
    loss.backward()
    w.add("logits", logits)
    w.add("loss", loss.reshape(()))
    for name, p in model.named_parameters():
        w.add("grad/" + name, p.grad, is_linear(model, name))
    opt = torch.optim.Adam(model.parameters(), lr=ADAM_LR)
    losses = []
    for _ in range(ADAM_STEPS):
        opt.zero_grad()
        _, loss = loss_fn(model)
        losses.append(loss.item())
        loss.backward()
        opt.step()
    for name, p in model.named_parameters():
        w.add("adam3/" + name, p, is_linear(model, name))
    w.add("adam_loss", torch.tensor(losses))
    w.save(stem, dict(meta, adam={"lr": ADAM_LR, "betas": [0.9, 0.999], "eps": 1e-8, "steps": ADAM_STEPS}))


def mlp_fixture():
    torch.manual_seed(1)
    sizes, batch = [32, 128, 8], 256
    model = MLP(sizes)
    x = torch.randn(batch, sizes[0])
    y = torch.randint(0, sizes[-1], (batch,))
    w = Writer()
    w.add("input", x)

    def loss_fn(m):
        logits = m(x.double())
        return logits, F.cross_entropy(logits, y)

    record(model, loss_fn, w, {"sizes": sizes, "activation": "relu", "labels": y.tolist()}, "mlp")


def transformer_fixture():
    torch.manual_seed(2)
    cfg = {"vocab": 64, "context": 16, "d_model": 64, "heads": 4, "layers": 2}
    batch, seq = 4, 16
    model = Transformer(cfg["vocab"], cfg["context"], cfg["d_model"], cfg["heads"], cfg["layers"])
    toks = torch.randint(0, cfg["vocab"], (batch, seq + 1))
    ids, targets = toks[:, :seq], toks[:, 1:]
    w = Writer()

    def loss_fn(m):
        logits = m(ids)
        return logits, F.cross_entropy(logits.reshape(-1, cfg["vocab"]), targets.reshape(-1))

    meta = dict(cfg, batch=batch, seq=seq, tokens=ids.flatten().tolist(), targets=targets.flatten().tolist())
    record(model, loss_fn, w, meta, "transformer")


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    mlp_fixture()
    transformer_fixture()
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print("wrote %s (%d bytes)" % (os.path.normpath(OUT), total), file=sys.stderr)


if __name__ == "__main__":
    main()
