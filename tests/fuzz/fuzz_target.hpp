// What every fuzz target in this folder is: one libFuzzer entry point, built twice -- with
// clang's libFuzzer (TESSERA_FUZZ, scripts/fuzz.sh) and as a plain program that replays a
// corpus under ctest (replay_main.cpp). A target returns 0 for every input that tessera
// handles as it should (a result, or one of its own errors); anything else -- a crash, a
// sanitizer report, an escaped exception, a broken invariant -- aborts, which is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace tessera::fuzz {

/// Reports a broken invariant and aborts (libFuzzer saves the input as a crash).
[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "fuzz: invariant broken: %s\n", what);
  std::abort();
}

}  // namespace tessera::fuzz
