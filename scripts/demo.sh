#!/usr/bin/env bash
# Sets everything up, then runs the main job on the bundled sample: edge detection on a
# slide-like image, tiled on all cores. Prints where the output went and how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
mkdir -p out
build/bin/tessera run data/slide.png out/slide-edges.png \
  --pipeline "gaussian sigma=2 | sobel_mag | threshold t=40" --tile 256
