#!/usr/bin/env bash
# Query latency before/after, side by side: `splade serve` built at two
# commits (default: BEFORE=c529598, the native engine before its small-M
# paths, and the working tree), the BERT-base-sized random model of
# side_by_side.sh, one query through POST /encode on loopback: p50 of 50
# requests after 5 warm-ups, servers alternating, for a 16-token and an
# 18-token query, fp32 and bf16. The random weights give a query vector
# of ~27,000 terms (446 KB of JSON, where a trained SPLADE model gives tens
# of terms), so each query is also sent with "max_active_dims": 100
# ("16k100"), which leaves the encoder's work as it is and trims the
# response.
#
#     flock /tmp/splade-bench.lock bench/query_latency.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=auto GOEXPERIMENT=simd
rounds=${1:-2}
before=${BEFORE:-c529598}
work=${WORK:-/tmp/splade-side-by-side}
m=$work/model
[ -f "$m/model.safetensors" ] || /usr/bin/python3 bench/torch_bert_base.py write-model "$m"
tmp=$(mktemp -d)
trap 'git worktree remove --force "$tmp/src" 2>/dev/null || true; rm -rf "$tmp"' EXIT
git worktree add -q --detach "$tmp/src" "$before"
(cd "$tmp/src" && go build -o "$tmp/splade-before" ./cmd/splade)
go build -o "$tmp/splade-after" ./cmd/splade
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores; before: $before, after: $(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
q16='investigation of the aerodynamics of a wing in a slipstream at speed'
q18='experimental investigation of the aerodynamics of a wing in a slipstream at high speed'
for r in $(seq "$rounds"); do
  for prec in fp32 bf16; do
    for build in before after; do
      "$tmp/splade-$build" serve --model "$m" --addr 127.0.0.1:0 --precision "$prec" 2> "$tmp/serve.log" &
      pid=$!
      for _ in $(seq 600); do grep -q listening "$tmp/serve.log" && break; sleep 0.1; done
      url=$(grep -o 'http://[0-9.:]*' "$tmp/serve.log" | head -1)
      for tokens in 16 18 16k100; do
        q=q${tokens%k100}
        body="{\"texts\":[\"${!q}\"]}"
        [ "$tokens" = 16k100 ] && body="{\"texts\":[\"${!q}\"],\"max_active_dims\":100}"
        for _ in $(seq 5); do curl -s --retry 5 --retry-connrefused -o /dev/null -d "$body" "$url/encode"; done
        p50=$(for _ in $(seq 50); do curl -s -o /dev/null -w '%{time_total}\n' -d "$body" "$url/encode"; done | sort -n | sed -n 25p)
        printf "round %d  %-6s %-4s %6s tokens  p50 %6.1f ms\n" "$r" "$build" "$prec" "$tokens" "$(echo "$p50 * 1000" | bc -l)"
      done
      kill "$pid"; wait "$pid" 2>/dev/null || true
    done
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
