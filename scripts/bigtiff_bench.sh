#!/usr/bin/env bash
# Streaming with bounded memory: P1 (gaussian sigma=2 | sobel_mag | threshold t=40) on a
# 65536x65536 8-bit tiled TIFF (4 gigapixels), TIFF to TIFF, with --memory 512M. Prints the
# wall time, throughput and peak RSS (GNU time), which must stay under 512 MiB.
# Usage: scripts/bigtiff_bench.sh [SIDE=65536]
set -euo pipefail
cd "$(dirname "$0")/.."
side=${1:-65536}
scripts/setup.sh >/dev/null
if ! dpkg-query -W -f='${Status}' time 2>/dev/null | grep -q "install ok installed"; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends time
fi
input=data/generated/slide-${side}.tif
data/make_big_tiff.sh "$side" "$input"
output=out/bigtiff/edges-${side}.tif
mkdir -p out/bigtiff
rm -f "$output"
spec="gaussian sigma=2 | sobel_mag | threshold t=40"
echo "bigtiff_bench: $spec on $input ($(du -h "$input" | cut -f1) on disk), $(nproc) cores, $(date -u +%FT%TZ)"
/usr/bin/time -f "%e %M" -o out/bigtiff/time.txt \
  build/bin/tessera run "$input" "$output" --pipeline "$spec" --memory 512M --quiet
read -r secs kib <out/bigtiff/time.txt
mpix=$(echo "$side * $side / 1000000" | bc -l)
printf "bigtiff_bench: %.0f MP in %.1f s = %.1f MP/s, peak RSS %.1f MiB (limit 512 MiB): %s\n" \
  "$mpix" "$secs" "$(echo "$mpix / $secs" | bc -l)" "$(echo "$kib / 1024" | bc -l)" \
  "$( [ "$kib" -lt $((512 * 1024)) ] && echo OK || echo OVER)"
