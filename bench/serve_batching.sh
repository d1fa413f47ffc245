#!/usr/bin/env bash
# Dynamic batching of `splade serve`, side by side: the same 256 Cranfield
# queries (mean ~20 tokens) sent to POST /encode by 32 concurrent
# clients x 8 one-query requests ("concurrent") and as 8 requests of 32
# queries from one client ("batched"), plus 30 one-query requests from one
# client on the idle server ("single": its p50 is a query's latency).
# Servers: the working tree ("after") and a commit before dynamic
# batching ("before", default BEFORE=80c2a03), alternating, on the
# BERT-base-sized random model of side_by_side.sh, fp32, loopback only.
# Every request asks "max_active_dims":100: the random weights give
# ~27,000 terms per query, which would make JSON the work. Both servers
# run with --timeout 120s, so that admission's speed estimate (from the
# single requests, noisy on a loaded machine) does not refuse the first
# burst of 32 with 429 (the burst's p99 stays far below the deadline).
#
#     flock /tmp/splade-bench.lock bench/serve_batching.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=auto GOEXPERIMENT=simd
rounds=${1:-1}
before=${BEFORE:-80c2a03}
work=${WORK:-/tmp/splade-side-by-side}
m=$work/model
mkdir -p "$work"
[ -f "$m/model.safetensors" ] || /usr/bin/python3 bench/torch_bert_base.py write-model "$m"
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; git worktree remove --force "$tmp/src" 2>/dev/null || true; rm -rf "$tmp"' EXIT
git worktree add -q --detach "$tmp/src" "$before"
(cd "$tmp/src" && go build -o "$tmp/splade-before" ./cmd/splade)
go build -o "$tmp/splade-after" ./cmd/splade
go build -o "$tmp/serveload" ./bench/serveload
jq -r .text ../shared/data/cranfield-beir/queries.jsonl > "$tmp/queries.txt"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores; before: $before, after: $(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
  for build in before after; do
    "$tmp/splade-$build" serve --model "$m" --addr 127.0.0.1:0 --max-length 128 --timeout 120s 2> "$tmp/serve.log" &
    pid=$!
    for _ in $(seq 600); do grep -q listening "$tmp/serve.log" && break; sleep 0.1; done
    url=$(grep -o 'http://[0-9.:]*' "$tmp/serve.log" | head -1)
    "$tmp/serveload" -url "$url" -mode single -requests 5 < "$tmp/queries.txt" > /dev/null # warm-up
    for mode in single concurrent batched; do
      printf "round %d  %-6s  " "$r" "$build"
      "$tmp/serveload" -url "$url" -mode "$mode" -requests $([ $mode = single ] && echo 30 || echo 8) < "$tmp/queries.txt" || true
    done
    if [ "$build" = after ]; then
      curl -s "$url/metrics" | grep -E '^splade_batch_size_texts_(sum|count)' | tr '\n' ' '; echo
    fi
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
