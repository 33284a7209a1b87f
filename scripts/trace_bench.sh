#!/usr/bin/env bash
# What --trace costs from the command line: P1 (gaussian sigma=2 | sobel_mag | threshold t=40)
# on an 8192x8192 deflate tiled TIFF, TIFF to TIFF with 256x256 tiles, run untraced and traced
# in alternating pairs (each pair in the other order than the last; the trace and the output
# are removed before each run, so that no run pays for replacing a file). Prints the medians
# and the median of the pairs' ratios, then the summary of the last trace.
# Usage: scripts/trace_bench.sh [PAIRS=8] [COMPRESSION=deflate]   (bench/RESULTS.md, "Issue 14")
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-8}
compression=${2:-deflate}
scripts/setup.sh >/dev/null
input=data/generated/slide-8192.tif
data/make_big_tiff.sh 8192 "$input" >/dev/null
mkdir -p out/trace
spec="gaussian sigma=2 | sobel_mag | threshold t=40"
echo "trace_bench: $spec on $input, --compression $compression, $pairs pairs, $(nproc) cores, $(date -u +%FT%TZ)"
one() {  # one RUN_KIND: prints "KIND SECONDS"
  rm -f out/trace/out.tif
  local extra=()
  if [ "$1" = traced ]; then
    rm -f out/trace/run.json
    extra=(--trace out/trace/run.json)
  fi
  local start end
  start=$(date +%s%N)
  build/bin/tessera run "$input" out/trace/out.tif -q -p "$spec" --compression "$compression" "${extra[@]}"
  end=$(date +%s%N)
  echo "$1 $(((end - start) / 1000))"
}
for ((i = 0; i < pairs; i++)); do
  if ((i % 2)); then one traced; one untraced; else one untraced; one traced; fi
done | /usr/bin/python3 -c '
import statistics as st, sys
t = {"untraced": [], "traced": []}
for line in sys.stdin:
    kind, us = line.split()
    t[kind].append(int(us) / 1e6)
ratios = [b / a for a, b in zip(t["untraced"], t["traced"])]
print("trace_bench: untraced median %.3f s, traced median %.3f s, median of the pairs'"'"' ratios %+.1f%%"
      % (st.median(t["untraced"]), st.median(t["traced"]), 100 * (st.median(ratios) - 1)))'
build/bin/tessera trace out/trace/run.json --top 3
