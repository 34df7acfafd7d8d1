#!/usr/bin/env python3
"""The tiny GPT's pre-training step in PyTorch, for bench/lm_bench.sh.

The same model and step as interloop's BenchmarkLMTrainStep (lm/bench_test.go):
a pre-LN GPT (nn.Transformer's layout: separate q, k, v, o Linear layers, exact
GELU, learned positions, untied unembedding with a bias), vocabulary 2×34 (the
instruction selects one of two unembeddings), d_model 32, 4 heads, 2 layers,
MLP 128, context 12; a batch of 64 episodes; logits of each row's head, next-
token cross-entropy with the prompt positions ignored, backward, AdamW.

Prints one line: "torch threads=N step_ms=... tokens_per_s=...".
Run: OPENBLAS_NUM_THREADS=N /usr/bin/python3 bench/lm_bench.py --threads N
"""

import argparse
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB, CONTEXT, D, HEADS, LAYERS, BATCH, PROMPT = 34, 12, 32, 4, 2, 64, 6


class Attn(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x):
        B, T, Dm = x.shape
        H, dh = self.heads, Dm // self.heads
        q = self.q(x).view(B, T, H, dh).transpose(1, 2)
        k = self.k(x).view(B, T, H, dh).transpose(1, 2)
        v = self.v(x).view(B, T, H, dh).transpose(1, 2)
        s = q @ k.transpose(-2, -1) / math.sqrt(dh)
        s = s.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf"))
        z = s.softmax(-1) @ v
        return self.o(z.transpose(1, 2).reshape(B, T, Dm))


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln1, self.attn, self.ln2 = nn.LayerNorm(d), Attn(d, heads), nn.LayerNorm(d)
        self.fc_in, self.fc_out = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.fc_out(F.gelu(self.fc_in(self.ln2(x))))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed, self.pos = nn.Embedding(2 * VOCAB, D), nn.Embedding(CONTEXT, D)
        self.blocks = nn.ModuleList(Block(D, HEADS) for _ in range(LAYERS))
        self.ln_final, self.unembed = nn.LayerNorm(D), nn.Linear(D, 2 * VOCAB)

    def forward(self, ids, sel):
        x = self.embed(ids) + self.pos.weight[: ids.shape[1]]
        for b in self.blocks:
            x = b(x)
        both = self.unembed(self.ln_final(x)).view(ids.shape[0], ids.shape[1], 2, VOCAB)
        return (both * sel).sum(2)  # each row's instruction head


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=300)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = GPT()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    ids = torch.randint(0, VOCAB, (BATCH, CONTEXT))
    targets = torch.cat([ids[:, 1:], torch.zeros(BATCH, 1, dtype=torch.long)], 1)
    targets[:, : PROMPT - 1] = -1
    targets[:, -1] = -1
    sel = torch.zeros(BATCH, 1, 2, 1)
    sel[torch.arange(BATCH), 0, torch.randint(0, 2, (BATCH,)), 0] = 1

    def step():
        logits = model(ids, sel)
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), targets.reshape(-1), ignore_index=-1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(20):
        step()
    best = float("inf")
    for _ in range(3):  # best of three timed blocks
        t = time.perf_counter()
        for _ in range(args.steps):
            step()
        best = min(best, (time.perf_counter() - t) / args.steps)
    print("torch threads=%d step_ms=%.3f tokens_per_s=%.0f" % (args.threads, 1e3 * best, BATCH * CONTEXT / best))


if __name__ == "__main__":
    main()
