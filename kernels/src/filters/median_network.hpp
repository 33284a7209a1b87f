// The comparators that take the median of k*k values (k = 3 or 5): Batcher's odd-even merge
// sorting network for the next power of two, with the inputs past k*k fixed at the maximum
// (comparators against them are no-ops or renamings, made at compile time), pruned to the
// comparators the middle value depends on. Each comparator (a, b) leaves min in a, max in b;
// the median ends in slot `median_slot`.
#pragma once

#include <array>
#include <utility>
#include <vector>

namespace tessera::detail {

struct MedianNetwork {
  std::vector<std::pair<int, int>> comparators;
  int median_slot = 0;
};

constexpr MedianNetwork median_network(int values) {
  int n = 1;
  while (n < values) n *= 2;
  std::vector<std::pair<int, int>> batcher;
  for (int p = 1; p < n; p *= 2)
    for (int k = p; k >= 1; k /= 2)
      for (int j = k % p; j + k < n; j += 2 * k)
        for (int i = 0; i < k && i + j + k < n; ++i)
          if ((i + j) / (2 * p) == (i + j + k) / (2 * p)) batcher.push_back({i + j, i + j + k});
  // slot[pos]: the value slot at sorting position pos; -1: a fixed maximum.
  std::vector<int> slot(static_cast<std::size_t>(n), -1);
  for (int i = 0; i < values; ++i) slot[static_cast<std::size_t>(i)] = i;
  std::vector<std::pair<int, int>> ops;
  for (const auto& [i, j] : batcher) {
    const int a = slot[static_cast<std::size_t>(i)], b = slot[static_cast<std::size_t>(j)];
    if (b < 0) continue;  // the maximum already sits above
    if (a < 0) {          // a maximum below a value: they trade places
      slot[static_cast<std::size_t>(i)] = b;
      slot[static_cast<std::size_t>(j)] = a;
      continue;
    }
    ops.push_back({a, b});
  }
  MedianNetwork net;
  net.median_slot = slot[static_cast<std::size_t>(values / 2)];
  std::vector<char> needed(static_cast<std::size_t>(values), 0);  // not vector<bool>: clang 14 cannot evaluate it at compile time
  needed[static_cast<std::size_t>(net.median_slot)] = 1;
  for (auto it = ops.rbegin(); it != ops.rend(); ++it)
    if (needed[static_cast<std::size_t>(it->first)] || needed[static_cast<std::size_t>(it->second)]) {
      net.comparators.insert(net.comparators.begin(), *it);
      needed[static_cast<std::size_t>(it->first)] = needed[static_cast<std::size_t>(it->second)] = 1;
    }
  return net;
}

/// The network of k*k values as a fixed-size array (for loops the compiler unrolls).
template <int K>
constexpr auto median_comparators() {
  constexpr std::size_t count = median_network(K * K).comparators.size();
  std::array<std::pair<int, int>, count> a{};
  const MedianNetwork net = median_network(K * K);
  for (std::size_t i = 0; i < count; ++i) a[i] = net.comparators[i];
  return a;
}

template <int K>
constexpr int median_slot() {
  return median_network(K * K).median_slot;
}

}  // namespace tessera::detail
