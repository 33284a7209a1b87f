#!/usr/bin/env bash
# The libvips benchmark job, end to end, three ways in one session, alternating:
#   tessera run (one command, streaming TIFF to TIFF), a libvips C program and an OpenCV
#   program (bench/vips_job/). Load a 10000x10000 RGB tiled TIFF, crop 100 pixels off each
#   edge, shrink to 90% (bilinear), sharpen with [-1 -1 -1; -1 16 -1; -1 -1 -1] / 8, save TIFF
#   (uncompressed for all three: libvips' default).
# Prints wall time and peak RSS of each run, the medians and the ratios.
# Usage: scripts/vips_bench.sh [ROUNDS=5] [SIZE=10000]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
size=${2:-10000}

scripts/setup.sh >/dev/null
missing=()
for p in libvips-dev time bc; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "vips_bench: installing ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
cmake -S . -B build >/dev/null  # finds libvips now
cmake --build build --parallel --target tessera_cli vips_job opencv_job make_image >/dev/null

work=out/vips-bench
mkdir -p "$work"
input=$work/input-${size}.tif
if [ ! -f "$input" ]; then
  echo "vips_bench: generating $input (${size}x${size} RGB, tiled TIFF)"
  build/bin/make_image "$input" -W "$size" -H "$size" --bgr >/dev/null
fi

spec="crop margin=100 | resize scale=0.9 interp=linear | filter kernel='-1 -1 -1; -1 16 -1; -1 -1 -1' scale=0.125"
declare -A cmd=(
  [tessera]="build/bin/tessera run $input $work/out-tessera.tif --quiet --compression none --pipeline \"$spec\""
  [libvips]="build/bin/vips_job $input $work/out-vips.tif"
  [opencv]="build/bin/opencv_job $input $work/out-opencv.tif"
)
order=(tessera libvips opencv)
declare -A times rss
echo "vips_bench: $rounds rounds on $(nproc) cores, $(date -u +%FT%TZ)"
for ((r = 1; r <= rounds; r++)); do
  for name in "${order[@]}"; do
    sync
    out=$( { /usr/bin/time -f "%e %M" bash -c "${cmd[$name]}" >/dev/null; } 2>&1 | tail -1)
    read -r secs kib <<<"$out"
    times[$name]+="$secs "
    rss[$name]+="$kib "
    printf "  round %d %-8s %6.2f s  %7.1f MiB\n" "$r" "$name" "$secs" "$(echo "$kib / 1024" | bc -l)"
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo
printf "| %-8s | %12s | %15s | %17s | %17s |\n" job "median s" "median peak MiB" "time vs tessera" "RSS vs tessera"
printf "|%s|%s|%s|%s|%s|\n" "----------" "--------------" "-----------------" "-------------------" "-------------------"
t0=$(echo "${times[tessera]}" | median)
m0=$(echo "${rss[tessera]}" | median)
for name in "${order[@]}"; do
  t=$(echo "${times[$name]}" | median)
  m=$(echo "${rss[$name]}" | median)
  printf "| %-8s | %12.2f | %15.1f | %16.2fx | %16.2fx |\n" "$name" "$t" "$(echo "$m / 1024" | bc -l)" \
    "$(echo "$t / $t0" | bc -l)" "$(echo "$m / $m0" | bc -l)"
done
echo "(ratios > 1: that job took longer / used more memory than tessera)"
