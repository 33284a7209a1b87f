#!/usr/bin/env bash
# Race checks: the library and the tests of its threaded paths built with ThreadSanitizer, run
# against a oneTBB that is itself built with ThreadSanitizer.
#
# Why a oneTBB of our own: Debian's libtbb.so is not instrumented, so TSan cannot see the
# synchronisation inside it (a task spawned on one thread and run on another) and reports
# every hand-off as a race, in TBB's own headers and in ours. oneTBB supports
# TBB_SANITIZE=thread; this script builds Debian's own oneTBB source package (the same version as
# libtbb-dev) that way, only libtbb (~25 s on 2 cores), into build-tsan/tbb.
#
# What runs (label and name filters below): the invariance tests, the fused row runtime, the
# DAG scheduler, run control (cancel, progress, memory), the recycled buffers, embedding, and
# the TIFF/codec I/O. Left out: the SIMD-level comparisons (the tile paths of the invariance
# tests again, once per vector width);
# anything on the OpenMP backend -- GCC's libgomp is not
# instrumented, so its barriers are invisible to TSan in the same way and every OpenMP tile
# loop would be reported; the CLI tests (the CLI is the same library behind a process
# boundary, and its signal tests time their waits for a fast binary); the benches.
# Suppressions (tests/tsan.supp) each carry a one-line reason.
#
# Usage: scripts/tsan.sh   (after scripts/setup.sh has installed the packages)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=build-tsan
mkdir -p "$out"

# 1. oneTBB with TSan, from the upstream sources of Debian's onetbb package of the installed
# version (its .orig tarball; Debian's patches concern packaging and are not needed for libtbb).
tbb_prefix=$root/$out/tbb
if [ ! -f "$tbb_prefix/lib/libtbb.so.12" ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  version=$(dpkg-query -W -f='${source:Version}' libtbb-dev)
  if ! apt-get indextargets --format '$(CREATED_BY)' | grep -qx "Sources"; then
    # Source entries for the Debian archive the machine already uses (deb822 or one-line lists).
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
        $sudo tee /etc/apt/sources.list.d/tessera-deb-src.sources >/dev/null
    else
      grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | sed 's/^deb /deb-src /' |
        $sudo tee /etc/apt/sources.list.d/tessera-deb-src.list >/dev/null
    fi
    $sudo apt-get update -q
  fi
  rm -rf "$out/tbb-src" && mkdir -p "$out/tbb-src"
  (cd "$out/tbb-src" && apt-get source -q --download-only "onetbb=$version" && tar xf onetbb_*.orig.tar.xz)
  src=$(find "$out/tbb-src" -maxdepth 1 -type d -name 'oneTBB-*' | head -1)
  [ -n "$src" ] || { echo "tsan: no oneTBB source in $out/tbb-src" >&2; exit 1; }
  cmake -S "$src" -B "$out/tbb-build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTBB_TEST=OFF \
        -DTBB_EXAMPLES=OFF -DTBBMALLOC_BUILD=OFF -DTBB_STRICT=OFF -DTBB_SANITIZE=thread \
        -DCMAKE_INSTALL_PREFIX="$tbb_prefix" >/dev/null
  cmake --build "$out/tbb-build" --parallel >"$out/tbb-build.log" 2>&1 || { tail -40 "$out/tbb-build.log"; exit 1; }
  cmake --install "$out/tbb-build" >/dev/null
fi

# 2. tessera with TSan, linked to that oneTBB; only the tests that run below.
targets=(invariance_test fused_whitebox_test dag_whitebox_test run_control_test memory_test
         recycled_whitebox_test embedding_test io_whitebox_test tiff_whitebox_test tiff_errors_test
         observer_test)
cmake -S . -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS="-fsanitize=thread" \
      -DTBB_DIR="$tbb_prefix/lib/cmake/TBB" -DTESSERA_BUILD_BENCH=OFF -DTESSERA_BUILD_APPS=OFF >/dev/null
cmake --build "$out" --parallel --target "${targets[@]}"

# 3. Run them, on the instrumented libtbb (LD_LIBRARY_PATH puts it before the system's, for
# OpenCV too). The tests run OpenCV's own parallel loops serially under TSan (test_util.hpp says
# why); tessera's parallelism -- tiles on the TBB graph -- is what this checks.
export LD_LIBRARY_PATH=$tbb_prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$root/tests/tsan.supp"
ctest --test-dir "$out" --output-on-failure --parallel "$(nproc)" --timeout 1800 \
      -L "invariance|unit|io" -E "sse2_loops|avx2_loops|EverySimdLevel|_NOT_BUILT" ${TSAN_TEST_FILTER:+-R "$TSAN_TEST_FILTER"} \
      --no-tests=error
