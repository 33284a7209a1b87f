#!/usr/bin/env bash
# Installs every Debian package tessera needs (idempotent) and builds it in Release.
# Usage: scripts/setup.sh [--sanitize]   (--sanitize also builds build-asan/ with ASan+UBSan and
#        installs clang for scripts/fuzz.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ cmake ninja-build pkg-config libopencv-dev libtbb-dev libtiff-dev
          libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev)
# The hostile-input checks (.ci/run): clang with libFuzzer and OpenMP for scripts/fuzz.sh.
if [ "${1:-}" = "--sanitize" ]; then packages+=(clang libclang-rt-14-dev libomp-dev); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${packages[@]}"
fi

build() {  # build DIR CMAKE_ARGS...
  local dir=$1
  shift
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" --parallel
}
build build -DCMAKE_BUILD_TYPE=Release -DTESSERA_BUILD_BENCH=ON
if [ "${1:-}" = "--sanitize" ]; then
  build build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTESSERA_SANITIZE=ON -DTESSERA_BUILD_BENCH=OFF
fi
echo "setup: built build/bin/tessera"
