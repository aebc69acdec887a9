#include "actors/cluster_balancer/rehome_batch.hpp"

#include <algorithm>

namespace tether {

std::vector<std::pair<size_t, std::vector<uint64_t>>> rehome_batch::take() {
  std::vector<std::pair<size_t, std::vector<uint64_t>>> out;
  for (auto& [node, conns] : pending_)
    for (size_t at = 0; at < conns.size(); at += max_) {
      auto end = std::min(conns.size(), at + max_);
      out.emplace_back(
        node, std::vector<uint64_t>(conns.begin() + at, conns.begin() + end));
    }
  pending_.clear();
  return out;
}

} // namespace tether
