"""PyTorch reference for policylab's LLM policy speed (examples/llm_speed.rs): the same model,
the same sampling protocol and the same scoring pass, timed on the CPU.

Model (src/llm/model.rs, preset names alike): pre-norm decoder-only transformer, learned absolute
positions, tied input/output embeddings, LayerNorm (eps 1e-5), MLP d -> 4d -> d with exact GELU,
no biases in the output head, no dropout. Protocol: batch 64 prompts of 16 tokens; 48 decoding
steps through a key/value cache, one multinomial draw per row per step at temperature 1 (the
whole decode is timed, like the Rust sampler, which also reads the logits back each step); then
log pi of the sampled tokens and the full-vocabulary entropies of a [64, 64] batch, forward only
and forward + backward.

Usage: python torch_llm.py [preset] [threads]   (prints one JSON line per repeat)

Install: `pip install torch` (PyPI's build pulls several GB of NVIDIA libraries and runs on the
CPU when no GPU is present). Measured side by side with policylab on 2026-11-23: see
benches/README.md, "LLM policy speed against PyTorch".
"""

import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {"tiny": (64, 2, 4), "mini": (96, 3, 4), "small": (128, 4, 4), "medium": (256, 6, 8), "large": (384, 6, 6)}


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(d, eps=1e-5)
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)
        self.v = nn.Linear(d, d)
        self.o = nn.Linear(d, d)
        self.norm2 = nn.LayerNorm(d, eps=1e-5)
        self.up = nn.Linear(d, 4 * d)
        self.down = nn.Linear(4 * d, d)

    def split(self, x):
        b, t, d = x.shape
        return x.view(b, t, self.heads, d // self.heads).transpose(1, 2)

    def forward(self, x, cache=None):
        h = self.norm1(x)
        q, k, v = self.split(self.q(h)), self.split(self.k(h)), self.split(self.v(h))
        if cache is not None:
            if "k" in cache:
                k = torch.cat([cache["k"], k], dim=2)
                v = torch.cat([cache["v"], v], dim=2)
            cache["k"], cache["v"] = k, v
        t_q, t_k = q.shape[2], k.shape[2]
        causal = t_q > 1
        attended = F.scaled_dot_product_attention(q, k, v, is_causal=causal and t_q == t_k)
        b, _, t, dh = attended.shape
        x = x + self.o(attended.transpose(1, 2).reshape(b, t, self.heads * dh))
        return x + self.down(F.gelu(self.up(self.norm2(x))))


class Transformer(nn.Module):
    def __init__(self, vocab, d, layers, heads, max_len):
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        self.positions = nn.Embedding(max_len, d)
        self.blocks = nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.norm = nn.LayerNorm(d, eps=1e-5)
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.normal_(p, std=0.02)

    def forward(self, tokens, offset=0, caches=None):
        t = tokens.shape[1]
        x = self.embed(tokens) + self.positions(torch.arange(offset, offset + t))
        for i, block in enumerate(self.blocks):
            x = block(x, None if caches is None else caches[i])
        return self.norm(x) @ self.embed.weight.T


def main():
    preset = sys.argv[1] if len(sys.argv) > 1 else "small"
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    d, layers, heads = PRESETS[preset]
    vocab, max_len, batch, prompt_len, new_tokens = 25, 64, 64, 16, 48
    model = Transformer(vocab, d, layers, heads, max_len)
    parameters = sum(p.numel() for p in model.parameters())
    prompts = torch.tensor(
        [[3 + (row * 7 + t * 3) % 20 for t in range(prompt_len)] for row in range(batch)]
    )
    for repeat in range(4):
        with torch.no_grad():
            started = time.perf_counter()
            caches = [dict() for _ in range(layers)]
            logits = model(prompts, 0, caches)[:, -1]
            generated = []
            for step in range(new_tokens):
                token = torch.multinomial(F.softmax(logits, dim=-1), 1)
                generated.append(token)
                logits = model(token, prompt_len + step, caches)[:, -1]
            sample_seconds = time.perf_counter() - started
        sequences = torch.cat([prompts] + generated, dim=1)
        started = time.perf_counter()
        with torch.no_grad():
            log_probs = F.log_softmax(model(sequences)[:, :-1], dim=-1)
            picked = log_probs.gather(2, sequences[:, 1:, None])
        forward_seconds = time.perf_counter() - started
        started = time.perf_counter()
        log_probs = F.log_softmax(model(sequences)[:, :-1], dim=-1)
        entropy = -(log_probs.exp() * log_probs).sum(-1)
        picked = log_probs.gather(2, sequences[:, 1:, None]).squeeze(-1)
        (picked.sum() + 0.0 * entropy.sum()).backward()
        model.zero_grad(set_to_none=True)
        backward_seconds = time.perf_counter() - started
        if repeat == 0:
            continue  # warm-up
        print(json.dumps({
            "preset": preset, "parameters": parameters, "threads": threads,
            "torch": torch.__version__,
            "decoded_tokens_per_second": batch * new_tokens / sample_seconds,
            "forward_seconds": forward_seconds,
            "forward_backward_seconds": backward_seconds,
        }))


if __name__ == "__main__":
    main()
