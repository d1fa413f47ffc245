"""PyTorch yardstick for `go test -bench BERTBase ./model` and for
bench/side_by_side.sh.

A BERT-base-sized SPLADE forward pass (12 layers, 768 hidden, 12 heads,
3072 intermediate, 30522 vocabulary, random weights) built from PyTorch's
own modules, timed on the same machine.

    /usr/bin/python3 bench/torch_bert_base.py [BATCH LENGTH [THREADS [fp32|bf16]]]
        random ids of one shape: sequences/s (best of the runs) and peak RSS
    /usr/bin/python3 bench/torch_bert_base.py write-model DIR
        a BertForMaskedLM folder of such a model (config.json,
        model.safetensors, the bert-base-uncased tokenizer from ../shared),
        that `splade encode --model DIR` reads
    /usr/bin/python3 bench/torch_bert_base.py encode DIR IDS.jsonl [fp32|bf16 [BATCH [THREADS]]]
        the whole process of encoding the token ids of `splade tokenize`
        output with the weights of DIR, as a sentence-transformers user
        would: texts sorted by length, padded batches; bf16 casts the model
        to torch.bfloat16 (what model_kwargs={"torch_dtype": torch.bfloat16}
        gives), which oneDNN runs on AMX or AVX512-BF16

Needs Debian's python3-torch, python3-numpy and libopenblas0-pthread.
"""
import json
import os
import resource
import shutil
import struct
import sys
import time

import numpy as np

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


def hf_state(model):
    """The model's weights under BertForMaskedLM's names (decoder tied)."""
    sd = {k: v.detach().float().contiguous() for k, v in model.state_dict().items()}
    out = {
        "bert.embeddings.word_embeddings.weight": sd["word.weight"],
        "bert.embeddings.position_embeddings.weight": sd["pos.weight"],
        "bert.embeddings.token_type_embeddings.weight": sd["typ.weight"],
        "bert.embeddings.LayerNorm.weight": sd["ln.weight"],
        "bert.embeddings.LayerNorm.bias": sd["ln.bias"],
        "cls.predictions.transform.dense.weight": sd["transform.weight"],
        "cls.predictions.transform.dense.bias": sd["transform.bias"],
        "cls.predictions.transform.LayerNorm.weight": sd["transform_ln.weight"],
        "cls.predictions.transform.LayerNorm.bias": sd["transform_ln.bias"],
        "cls.predictions.bias": sd["bias"],
    }
    for i in range(LAYERS):
        p, q = f"enc.layers.{i}.", f"bert.encoder.layer.{i}."
        w, b = sd[p + "self_attn.in_proj_weight"], sd[p + "self_attn.in_proj_bias"]
        for j, name in enumerate(["query", "key", "value"]):
            out[q + f"attention.self.{name}.weight"] = w[j * H:(j + 1) * H].contiguous()
            out[q + f"attention.self.{name}.bias"] = b[j * H:(j + 1) * H].contiguous()
        for src, dst in [("self_attn.out_proj", "attention.output.dense"), ("norm1", "attention.output.LayerNorm"),
                         ("linear1", "intermediate.dense"), ("linear2", "output.dense"), ("norm2", "output.LayerNorm")]:
            out[q + dst + ".weight"] = sd[p + src + ".weight"]
            out[q + dst + ".bias"] = sd[p + src + ".bias"]
    return out


def load_hf_state(model, state):
    """Loads BertForMaskedLM-named weights (see hf_state) into model."""
    names = hf_state(model)
    sd = {}
    own = {
        "word.weight": "bert.embeddings.word_embeddings.weight",
        "pos.weight": "bert.embeddings.position_embeddings.weight",
        "typ.weight": "bert.embeddings.token_type_embeddings.weight",
        "ln.weight": "bert.embeddings.LayerNorm.weight", "ln.bias": "bert.embeddings.LayerNorm.bias",
        "transform.weight": "cls.predictions.transform.dense.weight",
        "transform.bias": "cls.predictions.transform.dense.bias",
        "transform_ln.weight": "cls.predictions.transform.LayerNorm.weight",
        "transform_ln.bias": "cls.predictions.transform.LayerNorm.bias",
        "bias": "cls.predictions.bias",
    }
    for k, v in own.items():
        sd[k] = state[v]
    for i in range(LAYERS):
        p, q = f"enc.layers.{i}.", f"bert.encoder.layer.{i}."
        sd[p + "self_attn.in_proj_weight"] = torch.cat([state[q + f"attention.self.{n}.weight"] for n in ["query", "key", "value"]])
        sd[p + "self_attn.in_proj_bias"] = torch.cat([state[q + f"attention.self.{n}.bias"] for n in ["query", "key", "value"]])
        for src, dst in [("self_attn.out_proj", "attention.output.dense"), ("norm1", "attention.output.LayerNorm"),
                         ("linear1", "intermediate.dense"), ("linear2", "output.dense"), ("norm2", "output.LayerNorm")]:
            sd[p + src + ".weight"] = state[q + dst + ".weight"]
            sd[p + src + ".bias"] = state[q + dst + ".bias"]
    assert set(sd) == set(model.state_dict()) and len(names) == len(state)
    model.load_state_dict(sd)


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, t in tensors.items():
        data = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        b, e = meta["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data, dtype="<f4", count=(e - b) // 4, offset=b).copy()).reshape(meta["shape"])
    return out


def write_model(d):
    """A random BERT-base-sized BertForMaskedLM folder: BERT's initializer
    (normal, std 0.02; LayerNorm 1 and 0; biases 0), seed 1."""
    torch.manual_seed(1)
    model = Splade().eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name or name.startswith("ln.") or name.startswith("transform_ln."):
                p.fill_(1.0 if name.endswith("weight") else 0.0)
            elif name.endswith("bias"):
                p.zero_()
            else:
                p.normal_(0, 0.02)
    os.makedirs(d, exist_ok=True)
    write_safetensors(os.path.join(d, "model.safetensors"), hf_state(model))
    cfg = {"architectures": ["BertForMaskedLM"], "model_type": "bert", "vocab_size": V, "hidden_size": H,
           "num_hidden_layers": LAYERS, "num_attention_heads": HEADS, "intermediate_size": INTER,
           "max_position_embeddings": POS, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
           "hidden_act": "gelu", "pad_token_id": 0}
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    tok = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "conformance", "tokenizer")
    for name in ["vocab.txt", "tokenizer.json", "tokenizer_config.json"]:
        shutil.copy(os.path.join(tok, name), d)


def encode(d, ids_path, dtype="fp32", batch=32, threads=2):
    """The whole process of encoding the ids of ids_path (splade tokenize
    output): load the weights, sort by length, pad, run, sparsify."""
    torch.set_num_threads(threads)
    start = time.perf_counter()
    model = Splade().eval()
    load_hf_state(model, read_safetensors(os.path.join(d, "model.safetensors")))
    if dtype == "bf16":
        model = model.to(torch.bfloat16)
    seqs = [json.loads(line)["ids"] for line in open(ids_path)]
    order = sorted(range(len(seqs)), key=lambda i: -len(seqs[i]))
    loaded = time.perf_counter()
    nnz = 0
    with torch.inference_mode():
        for s in range(0, len(order), batch):
            group = [seqs[i] for i in order[s:s + batch]]
            T = max(len(g) for g in group)
            ids = torch.zeros(len(group), T, dtype=torch.long)
            mask = torch.zeros(len(group), T)
            for r, g in enumerate(group):
                ids[r, :len(g)] = torch.tensor(g)
                mask[r, :len(g)] = 1
            if dtype == "bf16":
                mask = mask.to(torch.bfloat16)
            w = model(ids, mask).float()
            nnz += int((w > 0).sum())
    done = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"torch {torch.__version__} {dtype} threads={threads}: {len(seqs)} texts, load {loaded - start:.2f} s, "
          f"encode {done - loaded:.2f} s ({len(seqs) / (done - loaded):.2f} texts/s), mean nnz {nnz / len(seqs):.0f}, "
          f"peak RSS {peak:.0f} MiB")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "write-model":
        return write_model(sys.argv[2])
    if len(sys.argv) > 1 and sys.argv[1] == "encode":
        a = sys.argv[2:]
        return encode(a[0], a[1], a[2] if len(a) > 2 else "fp32", int(a[3]) if len(a) > 3 else 32, int(a[4]) if len(a) > 4 else 2)
    batch = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    length = int(sys.argv[2]) if len(sys.argv) > 2 else 128
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    dtype = sys.argv[4] if len(sys.argv) > 4 else "fp32"
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = Splade().eval()
    if dtype == "bf16":
        model = model.to(torch.bfloat16)
    ids = torch.randint(5, V, (batch, length))
    mask = torch.ones(batch, length, dtype=torch.bfloat16 if dtype == "bf16" else torch.float32)
    best = 0.0
    with torch.inference_mode():
        model(ids, mask)  # warm-up
        for _ in range(4):
            start = time.perf_counter()
            model(ids, mask)
            best = max(best, batch / (time.perf_counter() - start))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"torch {torch.__version__} {dtype} threads={threads} batch={batch}x{length}: "
          f"{best:.2f} seq/s (best of 4), peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
