#!/usr/bin/env bash
# Generates the 4-gigapixel benchmark input: a 65536x65536 8-bit gray tiled TIFF (BigTIFF,
# deflate, 256x256 tiles) of the synthetic slide scene, streamed band by band (a few MiB of
# memory). Usage: data/make_big_tiff.sh [SIDE=65536] [OUT=data/generated/slide-SIDE.tif]
# Needs the Release build (scripts/setup.sh). Takes a few minutes; the file is ~1-2 GiB.
set -euo pipefail
cd "$(dirname "$0")/.."
side=${1:-65536}
out=${2:-data/generated/slide-${side}.tif}
mkdir -p "$(dirname "$out")"
if [ -f "$out" ]; then
  echo "make_big_tiff: $out exists"
  exit 0
fi
build/bin/make_image "$out" -W "$side" -H "$side" --compression deflate --tile 256
