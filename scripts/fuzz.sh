#!/usr/bin/env bash
# Fuzzing (README, "Fuzzing"): builds the libFuzzer targets of tests/fuzz with clang, ASan and
# UBSan in build-fuzz, makes the seed corpora, and runs each target for FUZZ_SECONDS (default 60)
# from its seeds, its crash corpus and its dictionary. Exits non-zero when a target finds an
# input that crashes it, trips a sanitizer, hangs or breaks an invariant; the input is kept in
# build-fuzz/findings/<target>/.
#
# Usage: scripts/fuzz.sh [TARGET...]   (spec, tiff, codecs; default all)
#        FUZZ_SECONDS=600 scripts/fuzz.sh tiff
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
targets=("$@")
((${#targets[@]})) || targets=(spec tiff codecs)
out=build-fuzz
command -v clang++ >/dev/null || { echo "fuzz: needs clang++ (scripts/setup.sh --sanitize installs it)" >&2; exit 1; }

cmake -S . -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DTESSERA_FUZZ=ON \
      -DTESSERA_BUILD_BENCH=OFF -DTESSERA_BUILD_APPS=OFF >/dev/null
cmake --build "$out" --parallel --target fuzz_make_seeds "${targets[@]/#/fuzz_}"
rm -rf "$out/seeds"
"$out/tests/fuzz/fuzz_make_seeds" "$out/seeds"

status=0
for t in "${targets[@]}"; do
  corpus=$out/corpus/$t  # grows across local runs; new inputs libFuzzer finds go here
  findings=$out/findings/$t
  mkdir -p "$corpus" "$findings"
  cp "$out/seeds/$t"/* "$corpus/"
  dict=tests/fuzz/dict/$t.dict
  [ "$t" = spec ] && dict=$out/seeds/spec.dict  # made from the registry
  echo "fuzz: running fuzz_$t for $seconds s"
  # The sanitizers' reports go to files too: fuzz_codecs sends stderr to a capture while OpenCV
  # decodes, so a crash inside a decoder would otherwise leave no report in the log.
  rm -f "$findings"/sanitizer.*
  if ! ASAN_OPTIONS="log_path=$findings/sanitizer" UBSAN_OPTIONS="log_path=$findings/sanitizer" \
        "$out/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -dict="$dict" -timeout=20 -rss_limit_mb=2560 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" "tests/fuzz/crashes/$t" \
        >"$out/fuzz_$t.log" 2>&1; then
    tail -60 "$out/fuzz_$t.log"
    cat "$findings"/sanitizer.* 2>/dev/null | head -60
    echo "fuzz: fuzz_$t found an input that breaks it, kept in $findings/. Replay it with" \
         "$out/tests/fuzz/fuzz_$t FILE (with the sanitizers); once fixed, add it to" \
         "tests/fuzz/crashes/$t/." >&2
    status=1
  else
    grep -E "^stat::(number_of_executed_units|new_units_added|peak_rss_mb)" "$out/fuzz_$t.log" | tr '\n' ' '
    echo
  fi
done
exit $status
