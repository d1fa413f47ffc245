"""PyTorch yardstick for `go test -bench BERTBase ./model`.

A BERT-base-sized SPLADE forward pass (12 layers, 768 hidden, 12 heads,
3072 intermediate, 30522 vocabulary, random weights) at the same batch and
length as the Go benchmark, built from PyTorch's own modules, timed on the
same machine. Prints sequences/s (best of the runs) and peak RSS.

    /usr/bin/python3 bench/torch_bert_base.py [BATCH LENGTH [THREADS]]

Needs Debian's python3-torch and libopenblas0-pthread.
"""
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

V, H, LAYERS, HEADS, INTER, POS = 30522, 768, 12, 12, 3072, 512


class Splade(nn.Module):
    def __init__(self):
        super().__init__()
        self.word = nn.Embedding(V, H)
        self.pos = nn.Embedding(POS, H)
        self.typ = nn.Embedding(2, H)
        self.ln = nn.LayerNorm(H, eps=1e-12)
        layer = nn.TransformerEncoderLayer(H, HEADS, INTER, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=False, layer_norm_eps=1e-12)
        self.enc = nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
        self.transform = nn.Linear(H, H)
        self.transform_ln = nn.LayerNorm(H, eps=1e-12)
        self.bias = nn.Parameter(torch.zeros(V))

    def forward(self, ids, mask):
        x = self.word(ids) + self.pos(torch.arange(ids.shape[1]))[None] + self.typ(torch.zeros_like(ids))
        x = self.enc(self.ln(x), src_key_padding_mask=mask == 0)
        h = self.transform_ln(F.gelu(self.transform(x)))
        z = h @ self.word.weight.T + self.bias
        w = torch.log1p(torch.relu(z)) * mask[..., None]
        return w.max(dim=1).values


def main():
    batch = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    length = int(sys.argv[2]) if len(sys.argv) > 2 else 128
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = Splade().eval()
    ids = torch.randint(5, V, (batch, length))
    mask = torch.ones(batch, length, dtype=torch.float32)
    best = 0.0
    with torch.inference_mode():
        model(ids, mask)  # warm-up
        for _ in range(4):
            start = time.perf_counter()
            model(ids, mask)
            best = max(best, batch / (time.perf_counter() - start))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"torch {torch.__version__} threads={threads} batch={batch}x{length}: "
          f"{best:.2f} seq/s (best of 4), peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
