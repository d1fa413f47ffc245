"""Cross-check the fixtures' expected outputs with HuggingFace's own code.

Our expected.json files come from an independent PyTorch reference
(../shared/reference). This script loads each fixture folder with
transformers' own *ForMaskedLM class and its own fast tokenizer, computes
SPLADE exactly as the expected file says (max or sum over the tokens of
log1p(relu(logits)), once more log1p for the log1p_relu activation; BGE-M3's
sparse head: max per token id of relu(sparse_linear(h)), specials dropped)
and prints, per fixture and expected file, the largest difference from the
expected vectors and any token-id difference.

    python3 bench/gpu/crosscheck.py [FIXTURES_DIR] [--device cuda|cpu]

Needs torch and transformers (the GPU machine's image has both); where
transformers is missing it says so and exits 0, so the rest of a run goes on.
"""
import argparse
import glob
import json
import os
import sys

CLASSES = {
    "bert": "BertForMaskedLM",
    "distilbert": "DistilBertForMaskedLM",
    "roberta": "RobertaForMaskedLM",
    "xlm-roberta": "XLMRobertaForMaskedLM",
    "camembert": "CamembertForMaskedLM",
    "modernbert": "ModernBertForMaskedLM",
}


def dense(case, vocab):
    import torch
    v = torch.zeros(vocab, dtype=torch.float64)
    if case.get("indices"):
        v[torch.tensor(case["indices"])] = torch.tensor(case["values"], dtype=torch.float64)
    return v


def splade_mlm(model, tok, texts, pooling, activation, device):
    import torch
    out = []
    for t in texts:
        enc = tok(t, return_tensors="pt", truncation=True)
        ids = enc["input_ids"].to(device)
        with torch.no_grad():
            logits = model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits[0].double()
        z = torch.log1p(torch.relu(logits))
        if activation == "log1p_relu":
            z = torch.log1p(z)
        out.append((enc["input_ids"][0].tolist(), (z.max(0).values if pooling == "max" else z.sum(0)).cpu()))
    return out


def splade_bgem3(folder, tok, texts, vocab, device):
    import torch
    from transformers import XLMRobertaModel
    model = XLMRobertaModel.from_pretrained(folder, add_pooling_layer=False).to(device).eval()
    sd = torch.load(os.path.join(folder, "sparse_linear.pt"), map_location="cpu", weights_only=True)
    lin = torch.nn.Linear(sd["weight"].shape[1], 1)
    lin.load_state_dict(sd)
    lin = lin.to(device)
    drop = {tok.cls_token_id, tok.eos_token_id, tok.pad_token_id, tok.unk_token_id}
    out = []
    for t in texts:
        enc = tok(t, return_tensors="pt", truncation=True)
        ids = enc["input_ids"].to(device)
        with torch.no_grad():
            h = model(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state[0]
            w = torch.relu(lin(h))[:, 0].double().cpu()
        v = torch.zeros(vocab, dtype=torch.float64)
        for i, tid in enumerate(enc["input_ids"][0].tolist()):
            if tid not in drop and w[i] > v[tid]:
                v[tid] = w[i]
        out.append((enc["input_ids"][0].tolist(), v))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("fixtures", nargs="?", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "fixtures"))
    ap.add_argument("--device", default=None)
    a = ap.parse_args()
    try:
        import torch
        import transformers
        from transformers import AutoTokenizer
    except ImportError as e:
        print(f"crosscheck: skipped: {e} (needs torch and transformers; the GPU machine's image has both)")
        return 0
    device = a.device or ("cuda" if torch.cuda.is_available() else "cpu")
    print(f"crosscheck: transformers {transformers.__version__}, torch {torch.__version__}, device {device}")
    worst = 0.0
    failed = False
    for folder in sorted(glob.glob(os.path.join(a.fixtures, "*"))):
        cfg_path = os.path.join(folder, "config.json")
        if not os.path.exists(cfg_path):
            continue
        name = os.path.basename(folder)
        cfg = json.load(open(cfg_path))
        mt = cfg.get("model_type", "")
        bgem3 = os.path.exists(os.path.join(folder, "sparse_linear.pt"))
        if mt not in CLASSES and not bgem3:
            print(f"  {name}: skipped: model_type {mt!r} has no class in transformers (remote code: {cfg.get('auto_map', {})})")
            continue
        try:
            tok = AutoTokenizer.from_pretrained(folder, use_fast=True)
            model = None
            if not bgem3:
                model = getattr(transformers, CLASSES[mt]).from_pretrained(folder, attn_implementation="eager").to(device).eval()
            for exp_path in sorted(glob.glob(os.path.join(folder, "expected*.json"))):
                exp = json.load(open(exp_path))
                texts = [c["text"] for c in exp["cases"]]
                vocab = exp["vocab_size"]
                if bgem3:
                    got = splade_bgem3(folder, tok, texts, vocab, device)
                else:
                    got = splade_mlm(model, tok, texts, exp.get("pooling", "max"), exp.get("activation", "relu"), device)
                diff, id_diffs = 0.0, 0
                for c, (ids, v) in zip(exp["cases"], got):
                    if ids != c["input_ids"]:
                        id_diffs += 1
                        print(f"    {name}: token ids differ for {c['text'][:40]!r}: ours {c['input_ids'][:12]}..., transformers {ids[:12]}...")
                        continue
                    diff = max(diff, float((v - dense(c, vocab)).abs().max()))
                worst = max(worst, diff)
                print(f"  {name}/{os.path.basename(exp_path)}: {len(texts)} texts, max |diff| {diff:.3g}, token-id differences {id_diffs}")
                failed |= id_diffs > 0
        except Exception as e:  # report and go on with the next fixture
            failed = True
            print(f"  {name}: error: {type(e).__name__}: {e}")
    print(f"crosscheck: largest difference {worst:.3g}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
