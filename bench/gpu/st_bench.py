"""sentence-transformers' SparseEncoder on the GPU: the yardstick that
bench/gpu/device.sh runs beside `splade bench --backend xla:...`.

    python3 bench/gpu/st_bench.py MODEL_DIR TEXTS.txt fp32|bf16 [BATCH [MAX_LENGTH [ROUNDS]]]

Builds a SparseEncoder from the model folder as a user would (an
MLMTransformer module and SpladePooling with max pooling and relu), on
"cuda", casts it to torch.bfloat16 for bf16, then prints one line with
texts/s (best of ROUNDS encodes of all the texts, batch BATCH, after one
warm-up) and the p50 of 50 single 16-token queries. The texts are the
lines of TEXTS.txt.
"""
import statistics
import sys
import time

import torch


def build(model_dir, max_length):
    try:  # sentence-transformers 6 names the folder "modules"
        from sentence_transformers.sparse_encoder.modules import MLMTransformer, SpladePooling
    except ImportError:
        from sentence_transformers.sparse_encoder.models import MLMTransformer, SpladePooling
    from sentence_transformers import SparseEncoder
    mlm = MLMTransformer(model_dir, max_seq_length=max_length)
    pool = SpladePooling(pooling_strategy="max", activation_function="relu")
    return SparseEncoder(modules=[mlm, pool], device="cuda")


def main():
    model_dir, texts_path, prec = sys.argv[1], sys.argv[2], sys.argv[3]
    batch = int(sys.argv[4]) if len(sys.argv) > 4 else 32
    max_length = int(sys.argv[5]) if len(sys.argv) > 5 else 256
    rounds = int(sys.argv[6]) if len(sys.argv) > 6 else 3
    texts = [l.rstrip("\n") for l in open(texts_path) if l.strip()]
    import sentence_transformers
    model = build(model_dir, max_length)
    if prec == "bf16":
        model = model.to(torch.bfloat16)
    model.eval()

    def run(xs, bs):
        with torch.inference_mode():
            out = model.encode(xs, batch_size=bs, convert_to_sparse_tensor=True, show_progress_bar=False)
        torch.cuda.synchronize()
        return out

    run(texts[:batch], batch)  # warm-up: CUDA context, kernels
    best = 0.0
    for _ in range(rounds):
        t0 = time.perf_counter()
        run(texts, batch)
        best = max(best, len(texts) / (time.perf_counter() - t0))
    query = "experimental investigation of the aerodynamics of a wing in a slipstream at high speed"
    for _ in range(5):
        run([query], 1)
    lat = []
    for _ in range(50):
        t0 = time.perf_counter()
        run([query], 1)
        lat.append(time.perf_counter() - t0)
    print(f"sentence-transformers {sentence_transformers.__version__} torch {torch.__version__} {prec}: "
          f"{len(texts)} texts batch {batch} max {max_length}: {best:.1f} texts/s (best of {rounds}); "
          f"query p50 {statistics.median(lat) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
