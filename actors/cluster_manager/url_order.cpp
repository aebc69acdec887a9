#include "actors/cluster_manager/url_order.hpp"

#include <algorithm>
#include <numeric>

namespace tether {

namespace {

constexpr uint64_t fnv_offset = 14695981039346656037ull;
constexpr uint64_t fnv_prime = 1099511628211ull;

uint64_t fnv1a(uint64_t h, std::string_view text) {
  for (unsigned char ch : text) {
    h ^= ch;
    h *= fnv_prime;
  }
  return h;
}

/// splitmix64's finaliser: FNV-1a alone leaves the high bits of ids that
/// differ only in their last character strongly correlated.
uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

} // namespace

uint64_t rendezvous_score(std::string_view terminal_id,
                          std::string_view balancer_id) {
  auto h = fnv1a(fnv_offset, terminal_id);
  h = fnv1a(h, std::string_view("\0", 1)); // ("ab","c") != ("a","bc")
  return mix(fnv1a(h, balancer_id));
}

std::vector<size_t>
rendezvous_order(std::string_view terminal_id,
                 const std::vector<std::string_view>& balancer_ids) {
  std::vector<uint64_t> score;
  score.reserve(balancer_ids.size());
  for (auto id : balancer_ids)
    score.push_back(rendezvous_score(terminal_id, id));
  std::vector<size_t> order(balancer_ids.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (score[a] != score[b])
      return score[a] > score[b];
    return balancer_ids[a] < balancer_ids[b];
  });
  return order;
}

} // namespace tether
