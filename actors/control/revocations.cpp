#include "actors/control/revocations.hpp"

namespace tether {

void revocations::set(const std::string& terminal_id, uint64_t generation) {
  auto& g = min_generation_[terminal_id];
  if (generation <= g)
    return;
  g = generation;
  ++version_;
}

revocation_list revocations::since(uint64_t known) const {
  revocation_list out;
  out.version = version_;
  if (known == version_)
    return out;
  for (const auto& [id, g] : min_generation_) {
    out.terminal_ids.push_back(id);
    out.generations.push_back(g);
  }
  return out;
}

} // namespace tether
