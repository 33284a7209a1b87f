// Which (kernel, input type) pairs of the registry run fused, row by row: the table the README
// publishes, checked both ways, so that a claimed pair that stops fusing (or a new one that
// is not listed) fails here. Each kernel runs with its example parameters.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <set>
#include <string>

#include "tessera/tessera.hpp"

namespace tessera {
namespace {

/// The claim: kernel -> the input types it fuses on (with its example parameters).
const std::map<std::string, std::set<std::string>> kClaimed = {
    {"abs", {"s16x1", "s16x3", "s16x4", "u8x1", "u8x3", "u8x4"}},
    {"absdiff", {"u16x1", "u16x2", "u16x3", "u16x4", "u8x1", "u8x2", "u8x3", "u8x4"}},
    {"addw", {"u8x1", "u8x2", "u8x3", "u8x4"}},
    {"bgr2rgb", {"f32x3", "f32x4", "u16x3", "u16x4", "u8x3", "u8x4"}},
    {"box", {"f32x1", "f32x3", "f32x4", "u16x1", "u16x3", "u16x4", "u8x1", "u8x3", "u8x4"}},
    {"bilateral", {"f32x1", "f32x3", "u8x1", "u8x3"}},
    {"blackhat", {"u8x1", "u8x3", "u8x4"}},
    {"clamp", {"f32x1", "f32x3", "f32x4", "u16x1", "u16x3", "u16x4", "u8x1", "u8x3", "u8x4"}},
    {"close", {"f32x1", "f32x3", "f32x4", "u16x1", "u16x3", "u16x4", "u8x1", "u8x3", "u8x4"}},
    {"convert", {"f32x1", "f32x3", "f32x4", "s16x1", "s16x3", "s16x4", "u16x1", "u16x3", "u16x4", "u8x1", "u8x3", "u8x4"}},
    {"dilate", {"f32x1", "f32x3", "f32x4", "u16x1", "u16x3", "u16x4", "u8x1", "u8x3", "u8x4"}},
    {"erode", {"f32x1", "f32x3", "f32x4", "u16x1", "u16x3", "u16x4", "u8x1", "u8x3", "u8x4"}},
    {"filter", {"f32x1", "f32x3", "f32x4", "u16x1", "u16x3", "u16x4", "u8x1", "u8x3", "u8x4"}},
    {"gamma", {"f32x1", "f32x3", "f32x4", "u16x1", "u16x3", "u16x4", "u8x1", "u8x3", "u8x4"}},
    {"gaussian", {"f32x1", "f32x3", "f32x4", "u16x1", "u16x3", "u16x4", "u8x1", "u8x3", "u8x4"}},
    {"gray", {"f32x3", "f32x4", "u16x3", "u16x4", "u8x3", "u8x4"}},
    {"hsv", {"f32x3", "u8x3"}},
    {"invert", {"u16x1", "u16x2", "u16x3", "u16x4", "u8x1", "u8x2", "u8x3", "u8x4"}},
    {"lab", {"f32x3", "u8x3"}},
    {"laplacian", {"f32x1", "f32x3", "f32x4", "u16x1", "u16x3", "u16x4", "u8x1", "u8x3", "u8x4"}},
    {"median", {"u8x1", "u8x3", "u8x4"}},
    {"morph_gradient", {"u8x1", "u8x3", "u8x4"}},
    {"open", {"f32x1", "f32x3", "f32x4", "u16x1", "u16x3", "u16x4", "u8x1", "u8x3", "u8x4"}},
    {"scharr", {"f32x1", "f32x3", "f32x4", "u16x1", "u16x3", "u16x4", "u8x1", "u8x3", "u8x4"}},
    {"sharpen", {"f32x1", "f32x3", "f32x4", "u16x1", "u16x3", "u16x4", "u8x1", "u8x3", "u8x4"}},
    {"sobel", {"f32x1", "f32x3", "f32x4", "u16x1", "u16x3", "u16x4", "u8x1", "u8x3", "u8x4"}},
    {"sobel_mag", {"u8x1", "u8x3", "u8x4"}},
    {"threshold", {"f32x1", "f32x3", "f32x4", "u16x1", "u16x3", "u16x4", "u8x1", "u8x3", "u8x4"}},
    {"tophat", {"u8x1", "u8x3", "u8x4"}},
    {"unsharp", {"u8x1", "u8x3", "u8x4"}},
};

TEST(FusedCoverage, RegistryPairsThatFuseAreTheClaimedOnes) {
  std::map<std::string, std::set<std::string>> actual;
  int pairs = 0, fused = 0;
  for (const KernelInfo* k : Registry::builtin().entries()) {
    const Pipeline p = Pipeline::example(*k);
    for (const PixelType& t : k->types.all()) {
      ++pairs;
      if (!runs_fused(p, t, {256, 256})) continue;
      ++fused;
      actual[k->name].insert(t.str());
    }
  }
  std::cout << fused << " of " << pairs << " registry (kernel, input type) pairs run fused\n";
  for (const auto& [name, types] : actual) {
    std::cout << "  " << name << ":";
    for (const std::string& t : types) std::cout << " " << t;
    std::cout << "\n";
  }
  for (const auto& [name, types] : kClaimed)
    for (const std::string& t : types)
      EXPECT_TRUE(actual[name].count(t)) << name << " on " << t << " is claimed fused but runs tile at a time";
  for (const auto& [name, types] : actual)
    for (const std::string& t : types)
      EXPECT_TRUE(kClaimed.count(name) && kClaimed.at(name).count(t))
          << name << " on " << t << " runs fused but the table does not say so: add it";
}

}  // namespace
}  // namespace tessera
