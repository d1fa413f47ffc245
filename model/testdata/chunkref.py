"""Expected vectors of chunked encoding (model.Options.Chunk), from the
independent PyTorch reference of ../shared/reference.

For each text of the small-bert-30522 fixture, its reference token ids
(expected.json: [CLS] content [SEP]) are cut, content only, into windows
of L-2 tokens starting every L-2-O tokens while a window ends before the
last token, plus a last window ending at the last token; each window gets
[CLS] and [SEP] back and is encoded alone by splade_ref.py; the text's
vector is the elementwise max of its windows'.

    /usr/bin/python3 model/testdata/chunkref.py ../shared > model/testdata/chunk-small-bert-30522.json
"""
import json
import os
import subprocess
import sys
import tempfile

shared = sys.argv[1]
fixture = os.path.join(shared, "fixtures", "small-bert-30522")
cases = json.load(open(os.path.join(fixture, "expected.json")))["cases"]
settings = [(16, 0), (16, 4), (12, 9)]


def windows(content, size, overlap):
    if len(content) <= size:
        return [content]
    out, start = [], 0
    while start + size < len(content):
        out.append(content[start:start + size])
        start += size - overlap
    out.append(content[len(content) - size:])
    return out


result = {"fixture": "small-bert-30522", "runs": []}
for L, O in settings:
    seqs, owner = [], []
    for i, c in enumerate(cases):
        ids = c["input_ids"]
        cls, sep, content = ids[0], ids[-1], ids[1:-1]
        for w in windows(content, L - 2, O):
            seqs.append({"text": c["text"], "ids": [cls] + w + [sep], "tokens": []})
            owner.append(i)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(seqs, f)
    out = subprocess.run(["/usr/bin/python3", os.path.join(shared, "reference", "splade_ref.py"), "encode", fixture, f.name],
                         check=True, capture_output=True).stdout
    os.unlink(f.name)
    enc = json.loads(out)["cases"]
    vecs = [dict() for _ in cases]
    windows_of = [0] * len(cases)
    for k, e in enumerate(enc):
        v = vecs[owner[k]]
        windows_of[owner[k]] += 1
        for idx, val in zip(e["indices"], e["values"]):
            v[idx] = max(v.get(idx, 0.0), val)
    run = {"max_length": L, "overlap": O, "cases": []}
    for i, c in enumerate(cases):
        idx = sorted(vecs[i])
        run["cases"].append({"text": c["text"], "windows": windows_of[i], "indices": idx, "values": [vecs[i][j] for j in idx]})
    result["runs"].append(run)
json.dump(result, sys.stdout, ensure_ascii=False)
