#!/usr/bin/env bash
# Prepares the run on a lent GPU machine (docs/gpu.md). Here, on the CPU:
# builds the cgo test binary of package model and the splade command (the
# GoMLX engine with its XLA/PJRT backend), copies the fixtures and data
# they read into bench/gpu/kit (git-ignored; carried to the device), then
# runs what needs no GPU on this machine's CPU with the very same
# binaries, so that a broken kit shows here and not on the device's clock.
#
#     bash bench/gpu/prepare.sh
#
# Then, in a session lent a GPU, one call of the device tool:
#     run(command="bash bench/gpu/device.sh", carry=["bench/gpu/kit"], timeout_s=540)
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOTOOLCHAIN=auto GOEXPERIMENT=simd CGO_ENABLED=1
kit=bench/gpu/kit
shared=../shared
[ -d "$shared/fixtures" ] || { echo "prepare: $shared/fixtures is missing (the shared test data sits beside the repository)" >&2; exit 1; }
rm -rf "$kit"
mkdir -p "$kit/shared/fixtures" "$kit/shared/data" "$kit/shared/conformance/tokenizer"

echo "prepare: building the test binary of ./model and the splade command with cgo (XLA backend compiled in)"
go test -c -ldflags='-s -w' -o "$kit/model.test" ./model
go build -ldflags='-s -w' -o "$kit/splade" ./cmd/splade

echo "prepare: copying fixtures (without pytorch_model.bin) and data"
# edge-bert-30522 (17 MiB) stays behind to keep the kit carriable: tiny-bert
# and small-bert-30522 cover the BERT family; its parity cases skip there.
for d in "$shared"/fixtures/*/; do
	n=$(basename "$d")
	[ "$n" != edge-bert-30522 ] || continue
	mkdir -p "$kit/shared/fixtures/$n"
	for f in "$d"*; do
		[ "$(basename "$f")" = pytorch_model.bin ] || cp -r "$f" "$kit/shared/fixtures/$n/"
	done
done
cp "$shared"/conformance/tokenizer/{vocab.txt,tokenizer.json,tokenizer_config.json} "$kit/shared/conformance/tokenizer/"
# The first 96 Cranfield abstracts, one per line (bench/side_by_side.sh's texts).
awk '/^\.I/{if(n++)print t; t=""; w=0; next} /^\.W/{w=1; next} /^\./{w=0; next} w{t=t (t==""?"":" ") $0} END{print t}' \
	"$shared/data/cranfield/cran.all.1400" | sed -n 1,96p > "$kit/texts.txt"

echo "prepare: CPU checks with the kit's own binaries"
# The parity tests through the same switch the device uses, on GoMLX's
# pure-Go backend.
(cd model && SPLADE_TEST_BACKENDS=go "../$kit/model.test" -test.run '^TestParity$' -test.count 1 | tail -1)
# The benchmark command the device runs, on a small model.
"$kit/splade" bench --model "$shared/fixtures/tiny-bert" --backend go --texts 8 --queries 2 --rounds 2
# The XLA backend is compiled in: without a plugin it must say how to get one.
if out=$("$kit/splade" encode --model "$shared/fixtures/tiny-bert" --backend xla:/nonexistent/xla_cuda_plugin.so x 2>&1); then
	echo "prepare: xla with a missing plugin did not fail: $out" >&2
	exit 1
fi
echo "prepare: xla without a plugin fails as it should: $(echo "$out" | head -1 | cut -c1-160)"
python3 -c 'import ast,sys; [ast.parse(open(f).read()) for f in sys.argv[1:]]' bench/gpu/crosscheck.py bench/gpu/st_bench.py
/usr/bin/python3 bench/gpu/crosscheck.py "$shared/fixtures" --device cpu

echo "prepare: packing the binaries"
gzip -9 "$kit/model.test" "$kit/splade"
kitsize=$(du -sb "$kit" | cut -f1)
tree=$(git ls-files -z | du -cb --files0-from=- | tail -1 | cut -f1)
echo "prepare: kit $((kitsize >> 20)) MiB + working tree $((tree >> 20)) MiB (the device takes at most 64 MiB in all)"
[ $((kitsize + tree)) -le $((62 << 20)) ] || { echo "prepare: too large to carry: leave out a fixture above" >&2; exit 1; }
