#!/usr/bin/env bash
# tessera vs OpenCV op by op, libvips and Halide (bench/compare), alternating in one session
# on the same in-memory 8192x8192 images: P1 (gray) and the colour chain (BGR).
# Installs libvips-dev and libhalide14-0-dev if missing, builds in build-compare/, runs.
# Usage: scripts/compare_bench.sh [tessera_compare options, e.g. --reps 9 --threads 2 --pipeline p1]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh >/dev/null
missing=()
for p in libvips-dev libhalide14-0-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "compare_bench: installing ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

cmake -S . -B build-compare -G Ninja -DCMAKE_BUILD_TYPE=Release -DTESSERA_BUILD_BENCH=ON -DTESSERA_BUILD_TESTS=OFF \
  >/dev/null
cmake --build build-compare --parallel --target compare >/dev/null

echo "compare_bench: load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on these cores skews the figures)"
exec build-compare/bin/tessera_compare "$@"
