#!/usr/bin/env bash
# compare.sh: encode a corpus with splade encode and with splade-beam on
# prism, check that they agree (every id once, the same indices, values
# within 1e-5) and print both wall times.
#
#   beam/compare.sh [CORPUS.jsonl [MODEL [ROUNDS]]]
#
# Defaults: the Cranfield corpus in the BEIR layout (1,400 abstracts) and
# the small-bert-30522 fixture from ../shared, 1 round. Rounds alternate
# the two commands. Run it under `flock /tmp/splade-bench.lock` on a
# shared machine.
set -euo pipefail
cd "$(dirname "$0")"
export GOTOOLCHAIN=auto GOEXPERIMENT=simd
root=$(cd .. && pwd)
corpus=${1:-$root/../shared/data/cranfield-beir/corpus.jsonl}
model=${2:-$root/../shared/fixtures/small-bert-30522}
rounds=${3:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$root" && go build -o "$work/splade" ./cmd/splade)
go build -o "$work/splade-beam" ./cmd/splade-beam

now() { date +%s.%N; }
for r in $(seq "$rounds"); do
	t0=$(now)
	"$work/splade" encode --model "$model" --input beir --quiet <"$corpus" >"$work/cli.jsonl"
	t1=$(now)
	"$work/splade-beam" --model "$model" --input "$corpus" --input-format beir --output "$work/beam" 2>"$work/beam.log"
	t2=$(now)
	echo "round $r: splade encode $(echo "$t1 - $t0" | bc) s, splade-beam (prism) $(echo "$t2 - $t1" | bc) s, ratio $(echo "scale=2; ($t2 - $t1) / ($t1 - $t0)" | bc)"
done
grep '^splade-beam' "$work/beam.log"

python3 - "$work/cli.jsonl" "$work"/beam-*-of-* <<'PY'
import json, sys
def load(paths):
    out = {}
    for p in paths:
        for line in open(p):
            v = json.loads(line)
            k = json.dumps(v["id"])
            if k in out:
                sys.exit(f"id {k} twice in {p}")
            out[k] = v
    return out
cli, beam = load(sys.argv[1:2]), load(sys.argv[2:])
if cli.keys() != beam.keys():
    sys.exit(f"ids differ: {len(cli)} from splade encode, {len(beam)} from the pipeline, {len(cli.keys() ^ beam.keys())} not in both")
worst = 0.0
for k, a in cli.items():
    b = beam[k]
    if a["indices"] != b["indices"]:
        sys.exit(f"id {k}: indices differ")
    worst = max([worst] + [abs(x - y) for x, y in zip(a["values"], b["values"])])
if worst > 1e-5:
    sys.exit(f"values differ by up to {worst}")
print(f"equal: {len(cli)} ids, each once; same indices; values differ by at most {worst:g}")
PY
