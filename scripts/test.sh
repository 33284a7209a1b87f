#!/usr/bin/env bash
# Sets everything up, builds, and runs the whole test suite (ctest). With --sanitize the
# suite also runs under AddressSanitizer + UndefinedBehaviorSanitizer (the package tests,
# which build a program against the installed library, run in the Release build only).
# Prints how long each stage took.
set -euo pipefail
cd "$(dirname "$0")/.."
stage() {  # stage NAME COMMAND...: runs it and prints its time
  local name=$1 start=$SECONDS
  shift
  "$@"
  echo "test: stage '$name' took $((SECONDS - start)) s"
}
stage setup scripts/setup.sh "$@"
stage tests ctest --test-dir build --output-on-failure --parallel "$(nproc)" --timeout 900
if [ "${1:-}" = "--sanitize" ]; then
  echo "test: running the suite under ASan + UBSan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    stage sanitized-tests ctest --test-dir build-asan --output-on-failure --parallel "$(nproc)" --timeout 1800 -LE "bench|package"
fi
echo "test: all stages took $SECONDS s"
