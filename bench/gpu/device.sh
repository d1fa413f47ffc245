#!/usr/bin/env bash
# The GPU check, run on a lent GPU machine from the repository root after
# bench/gpu/prepare.sh built the kit here (docs/gpu.md):
#
#     run(command="bash bench/gpu/device.sh", carry=["bench/gpu/kit"], timeout_s=540)
#
# Every step prints into $OUT/gpu-report.txt (it comes back to the caller);
# a failing step is reported and the next one runs. Steps:
#  1. the machine: GPU, driver, Python packages, the PJRT CUDA plugin path;
#  2. parity of every fixture on GoMLX's XLA backend with the CUDA plugin
#     (model's TestParity: input ids, each text alone and as one padded
#     batch, similarity and sparsity, 1e-4 of the independent reference);
#  3. (in the background, during 2) the fixtures cross-checked with transformers' own classes and fast
#     tokenizers (bench/gpu/crosscheck.py);
#  4. throughput and query latency on a BERT-base-sized random model
#     (bench/torch_bert_base.py write-model), the first 96 Cranfield
#     abstracts, batch 32, max 256: `splade bench --backend xla:PLUGIN`
#     and sentence-transformers' SparseEncoder (bench/gpu/st_bench.py) on
#     the same GPU, fp32 and bf16.
set -uo pipefail
cd "$(dirname "$0")/../.."
kit=bench/gpu/kit
out=${OUT:-/tmp/gpu-out}
mkdir -p "$out"
exec > >(tee "$out/gpu-report.txt") 2>&1
export PYTHONUNBUFFERED=1
step() { echo; echo "== $* ($(date -u +%H:%M:%S))"; }

step "machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
python3 -c 'import torch, transformers, sentence_transformers, tokenizers; print("torch", torch.__version__, "transformers", transformers.__version__, "sentence-transformers", sentence_transformers.__version__, "tokenizers", tokenizers.__version__)' || true
gunzip -kf "$kit/model.test.gz" "$kit/splade.gz" && chmod +x "$kit/model.test" "$kit/splade"
# The tests and scripts read ../shared beside the repository.
[ -e ../shared ] || ln -s "$PWD/$kit/shared" ../shared || { echo "cannot link ../shared"; exit 1; }
plugin=$(python3 - <<'PY'
import glob, importlib, os, sys
for mod in ("jax_plugins.xla_cuda13", "jax_plugins.xla_cuda12"):
    try:
        m = importlib.import_module(mod)
    except Exception:
        continue
    hits = glob.glob(os.path.join(os.path.dirname(m.__file__), "**", "xla_cuda_plugin.so"), recursive=True)
    if hits:
        print(hits[0]); sys.exit(0)
for root in sys.path:
    hits = glob.glob(os.path.join(root, "jax_plugins", "**", "xla_cuda_plugin.so"), recursive=True)
    if hits:
        print(hits[0]); sys.exit(0)
PY
)
[ -n "$plugin" ] || plugin=$(find / -name xla_cuda_plugin.so 2>/dev/null | head -1)
echo "PJRT CUDA plugin: ${plugin:-not found}"
[ -n "$plugin" ] || exit 1
backend="xla:$plugin"
# go-xla warns when the pip "nvidia" folder is not beside the plugin; the
# plugin found CUDA's libraries on the H200 image all the same.
export GOPJR_CUDA_CHECKS=0
# The plugin finds CUDA's libraries through its rpath into the pip
# "nvidia-*" packages; list them too, for a Go process that dlopens it.
nvlibs=$(python3 -c 'import glob, site, os; print(":".join(sorted(set(os.path.dirname(p) for d in site.getsitepackages() for p in glob.glob(d + "/nvidia/*/lib/*.so*")))))' 2>/dev/null)
# Only the Go binaries get them: PyTorch brings its own.
golibs="$nvlibs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "CUDA library folders from pip: $(echo "$nvlibs" | tr ':' '\n' | grep -c . || true)"

# The model for step 4 and the transformers cross-check (step 3) run in
# the background while the parity tests have the GPU's attention: the
# device's minutes are few, and neither is timed.
m=/tmp/bert-base
(timeout 120 python3 bench/torch_bert_base.py write-model "$m" > "$out/write-model.txt" 2>&1) &
writer=$!
(timeout 150 python3 bench/gpu/crosscheck.py ../shared/fixtures --device cuda > "$out/crosscheck.txt" 2>&1; echo "crosscheck exit $?" >> "$out/crosscheck.txt") &
checker=$!

# Parity is of fp32 arithmetic: TF32 (cuBLAS on Ampere and later) is
# turned off for it; the benchmark keeps the default.
step "parity of every fixture on $backend (NVIDIA_TF32_OVERRIDE=0)"
(cd model && NVIDIA_TF32_OVERRIDE=0 LD_LIBRARY_PATH="$golibs" SPLADE_TEST_BACKENDS="$backend" timeout 180 "../$kit/model.test" -test.run '^TestParity$' -test.count 1 -test.v > "$out/parity.txt" 2>&1)
echo "parity exit $?"
grep -E '^(\s*--- (PASS|FAIL|SKIP)|PASS|FAIL|ok|panic)|Error|want' "$out/parity.txt" | head -80
grep -q -- '--- PASS' "$out/parity.txt" || tail -25 "$out/parity.txt"

step "BERT-base-sized random model"
wait "$writer"; tail -3 "$out/write-model.txt"; ls -la "$m" | head -5
mapfile -t texts < "$kit/texts.txt"
for prec in fp32 bf16; do
	step "splade bench, $backend, $prec"
	# Exact fp32 spends most of its first minutes compiling and autotuning.
	LD_LIBRARY_PATH="$golibs" timeout 170 "$kit/splade" bench --model "$m" --backend "$backend" --precision "$prec" --max-length 256 --batch-size 32 \
		--queries 50 --rounds 3 "${texts[@]}"
	if [ "$prec" = fp32 ]; then
		step "splade bench, $backend,tf32=true (TF32 tensor-core math), fp32"
		LD_LIBRARY_PATH="$golibs" timeout 80 "$kit/splade" bench --model "$m" --backend "$backend,tf32=true" --max-length 256 --batch-size 32 \
			--queries 50 --rounds 3 "${texts[@]}"
	fi
	step "sentence-transformers, cuda, $prec"
	timeout 80 python3 bench/gpu/st_bench.py "$m" "$kit/texts.txt" "$prec" 32 256 3
	if [ "$prec" = fp32 ]; then
		step "fixtures cross-checked with transformers"
		wait "$checker"; cat "$out/crosscheck.txt"
	fi
done
step "done"
