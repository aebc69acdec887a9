#include "actors/cluster_manager/terminal_map.hpp"

#include "actors/system/errors.hpp"

namespace tether {

std::string terminal_map::current(const std::string& terminal_id) const {
  auto i = cluster_of.find(terminal_id);
  return i == cluster_of.end() ? std::string{} : i->second.str();
}

caf::expected<std::string>
terminal_map::lookup(const std::string& terminal_id) const {
  auto i = cluster_of.find(terminal_id);
  if (i == cluster_of.end())
    return make_error(errc::not_found,
                      "terminal " + terminal_id + " is not registered");
  return i->second.str();
}

void terminal_map::assign(cluster_table& clusters,
                          const std::string& terminal_id,
                          const std::string& cluster_id) {
  auto& slot = cluster_of[terminal_id];
  if (slot == cluster_id)
    return;
  if (auto* old = clusters.find(slot); old != nullptr && old->assigned > 0)
    --old->assigned;
  slot = cluster_id;
  if (auto* c = clusters.find(cluster_id)) {
    ++c->assigned;
    ++c->connections; // expected soon; the next refresh corrects it
  }
}

bool terminal_map::forget(cluster_table& clusters,
                          const std::string& terminal_id) {
  auto i = cluster_of.find(terminal_id);
  if (i == cluster_of.end())
    return false;
  if (auto* c = clusters.find(i->second); c != nullptr && c->assigned > 0)
    --c->assigned;
  cluster_of.erase(i);
  return true;
}

} // namespace tether
