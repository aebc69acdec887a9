#include "actors/cluster_manager/terminal_map.hpp"

#include <algorithm>

#include "actors/system/errors.hpp"

namespace tether {

std::string terminal_map::current(const std::string& terminal_id) const {
  auto i = cluster_of_.find(terminal_id);
  return i == cluster_of_.end() ? std::string{} : ids_[i->second];
}

caf::expected<std::string>
terminal_map::lookup(const std::string& terminal_id) const {
  auto i = cluster_of_.find(terminal_id);
  if (i == cluster_of_.end())
    return make_error(errc::not_found,
                      "terminal " + terminal_id + " is not registered");
  return ids_[i->second];
}

uint32_t terminal_map::index_of(const std::string& cluster_id) {
  auto i = std::find(ids_.begin(), ids_.end(), cluster_id);
  if (i != ids_.end())
    return static_cast<uint32_t>(i - ids_.begin());
  ids_.push_back(cluster_id);
  return static_cast<uint32_t>(ids_.size() - 1);
}

void terminal_map::assign(cluster_table& clusters,
                          const std::string& terminal_id,
                          const std::string& cluster_id) {
  auto index = index_of(cluster_id);
  auto [slot, added] = cluster_of_.try_emplace(terminal_id, index);
  if (!added) {
    if (slot->second == index)
      return;
    if (auto* old = clusters.find(ids_[slot->second]);
        old != nullptr && old->assigned > 0)
      --old->assigned;
    slot->second = index;
  }
  // (Its connection is counted when the cluster is chosen: cluster_manager,
  // store_assignment.)
  if (auto* c = clusters.find(cluster_id))
    ++c->assigned;
}

bool terminal_map::forget(cluster_table& clusters,
                          const std::string& terminal_id) {
  auto i = cluster_of_.find(terminal_id);
  if (i == cluster_of_.end())
    return false;
  if (auto* c = clusters.find(ids_[i->second]); c != nullptr && c->assigned > 0)
    --c->assigned;
  cluster_of_.erase(i);
  return true;
}

} // namespace tether
