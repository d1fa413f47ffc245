#!/usr/bin/env bash
# Side-by-side benchmark: splade encode (each engine and precision) against
# PyTorch fp32 and bf16 on the same machine, same texts, same weights:
# a BERT-base-sized random model (bench/torch_bert_base.py write-model),
# the first 96 Cranfield abstracts, batch 32, at most 256 tokens, whole
# process (start to last vector), runs alternating. Then the query p50
# through `splade serve` on loopback and the cold start to the first vector.
#
#     flock /tmp/splade-bench.lock bench/side_by_side.sh [ROUNDS]
#
# GOMLX=0 leaves out the (slow) GoMLX engine. PyTorch runs with
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (some environments set them
# for other programs; they mistune OpenBLAS for this CPU).
#
# Needs ../shared, Debian's python3-torch python3-numpy libopenblas0-pthread,
# curl and GNU time. Prints one line per run and a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=auto GOEXPERIMENT=simd
rounds=${1:-2}
work=${WORK:-/tmp/splade-side-by-side}
mkdir -p "$work"
go build -o "$work/splade" ./cmd/splade
m=$work/model
[ -f "$m/model.safetensors" ] || /usr/bin/python3 bench/torch_bert_base.py write-model "$m"
awk '/^\.I/{if(n++)print t; t=""; w=0; next} /^\.W/{w=1; next} /^\./{w=0; next} w{t=t (t==""?"":" ") $0} END{print t}' \
    ../shared/data/cranfield/cran.all.1400 | sed -n 1,96p > "$work/texts.txt"
"$work/splade" tokenize --model "$m" --max-length 256 < "$work/texts.txt" > "$work/ids.jsonl"
n=$(wc -l < "$work/texts.txt")
tokens=$(awk -F'"ids":\\[' '{split($2, a, "]"); t += split(a[1], b, ",")} END{printf "%.0f", t/NR}' "$work/ids.jsonl")

echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
echo "flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|fma|avx512f|avx512_bf16|avx512_vnni|avx_vnni|amx_bf16|amx_int8|amx_tile)$' | tr '\n' ' ')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "texts: $n Cranfield abstracts, mean $tokens tokens; batch 32, max 256"

declare -A cmds=(
  [splade-native-fp32]="$work/splade encode --model $m --max-length 256 --batch-size 32 --backend native"
  [splade-native-bf16]="$work/splade encode --model $m --max-length 256 --batch-size 32 --backend native --precision bf16"
  [splade-native-int8]="$work/splade encode --model $m --max-length 256 --batch-size 32 --backend native --precision int8"
  [splade-gomlx-fp32]="$work/splade encode --model $m --max-length 256 --batch-size 32 --backend go:ops_sequential,creation_order"
  [torch-fp32]="env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/torch_bert_base.py encode $m $work/ids.jsonl fp32 32 2"
  [torch-bf16]="env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/torch_bert_base.py encode $m $work/ids.jsonl bf16 32 2"
)
order=(torch-fp32 splade-native-fp32 torch-bf16 splade-native-bf16 splade-native-int8)
[ "${GOMLX:-1}" = 0 ] || order+=(splade-gomlx-fp32)
results=$work/results.txt
: > "$results"
for r in $(seq "$rounds"); do
  for name in "${order[@]}"; do
    /usr/bin/time -f "%e %M %U %S" -o "$work/time.txt" ${cmds[$name]} < "$work/texts.txt" > "$work/out.txt"
    read -r wall rss user sys < "$work/time.txt"
    cpu=$(echo "$user + $sys" | bc -l)
    echo "$name $wall $rss $cpu" >> "$results"
    printf "round %d  %-20s %6.2f s  %6.2f texts/s  CPU %6.2f s  peak RSS %5.0f MiB\n" "$r" "$name" "$wall" "$(echo "$n / $wall" | bc -l)" "$cpu" "$(echo "$rss / 1024" | bc -l)"
  done
done

# Query latency: one 16-token query through splade serve on loopback.
query='{"texts":["experimental investigation of the aerodynamics of a wing in a slipstream at high speed"]}'
for prec in fp32 bf16 int8; do
  "$work/splade" serve --model "$m" --addr 127.0.0.1:0 --precision "$prec" 2> "$work/serve.log" &
  pid=$!
  for _ in $(seq 600); do grep -q listening "$work/serve.log" && break; sleep 0.1; done
  url=$(grep -o 'http://[0-9.:]*' "$work/serve.log" | head -1)
  for _ in $(seq 5); do curl -s -o /dev/null -d "$query" "$url/encode"; done
  for _ in $(seq 50); do curl -s -o /dev/null -w '%{time_total}\n' -d "$query" "$url/encode"; done | sort -n | sed -n 25p |
    awk -v p="$prec" '{printf "query p50 (serve, %s): %.1f ms\n", p, $1 * 1000}'
  kill "$pid"; wait "$pid" 2>/dev/null || true
  # Cold start: process start to the first vector of a cached model.
  /usr/bin/time -f "%e" -o "$work/time.txt" "$work/splade" encode --model "$m" --precision "$prec" "a wing" > /dev/null
  echo "cold start to first vector ($prec): $(cat "$work/time.txt") s"
done

# CPU time (user + sys) is printed beside wall time: on a loaded machine
# it is the steadier measure of the work each engine does.
echo "summary (best of $rounds rounds, texts/s = $n / whole-process wall time; CPU s: least user+sys):"
awk -v n="$n" '{ r = n / $2; if (r > best[$1]) { best[$1] = r; rss[$1] = $3 } if (!($1 in cpu) || $4 < cpu[$1]) cpu[$1] = $4 }
  END {
    for (k in best) printf "  %-20s %6.2f texts/s  CPU %6.2f s  peak RSS %5.0f MiB\n", k, best[k], cpu[k], rss[k] / 1024
    printf "  native fp32 / torch fp32 = %.2fx\n", best["splade-native-fp32"] / best["torch-fp32"]
    printf "  native bf16 / torch bf16 = %.2fx\n", best["splade-native-bf16"] / best["torch-bf16"]
    printf "  native bf16 / torch fp32 = %.2fx\n", best["splade-native-bf16"] / best["torch-fp32"]
    printf "  native bf16 / native fp32 = %.2fx\n", best["splade-native-bf16"] / best["splade-native-fp32"]
    printf "  native int8 / native fp32 = %.2fx\n", best["splade-native-int8"] / best["splade-native-fp32"]
    printf "  by CPU time: bf16 / fp32 = %.2fx, int8 / fp32 = %.2fx\n", cpu["splade-native-fp32"] / cpu["splade-native-bf16"], cpu["splade-native-fp32"] / cpu["splade-native-int8"]
    printf "  native int8 / torch fp32 = %.2fx\n", best["splade-native-int8"] / best["torch-fp32"]
  }' "$results"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
