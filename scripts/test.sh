#!/usr/bin/env bash
# Sets everything up, builds, and runs the whole test suite (ctest). With --sanitize the
# suite also runs under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh "$@"
ctest --test-dir build --output-on-failure --parallel "$(nproc)" --timeout 900
if [ "${1:-}" = "--sanitize" ]; then
  echo "test: running the suite under ASan + UBSan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure --parallel "$(nproc)" --timeout 1800 -LE "bench|package"
fi
