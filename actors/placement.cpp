#include "actors/placement.hpp"

#include <algorithm>

namespace tether {

assigned_label select_label(const terminal_record& facts,
                            const std::vector<std::string>& items) {
  assigned_label out;
  for (const auto& item : items) {
    const std::string* value = nullptr;
    if (item == "region")
      value = &facts.region;
    else if (item == "model")
      value = &facts.model;
    else if (item == "firmware")
      value = &facts.firmware;
    else if (item == "user" && !facts.users.empty())
      value = &facts.users.front(); // the first linked user (GH)
    else if (auto i = facts.attributes.find(item); i != facts.attributes.end())
      value = &i->second;
    if (value != nullptr && !value->empty())
      out.items.emplace(item, *value);
  }
  return out;
}

bool label_matches(const config::cluster_labels& labels,
                   const assigned_label& label) {
  for (const auto& [item, value] : label.items) {
    auto i = labels.find(item);
    if (i == labels.end())
      continue; // the cluster does not restrict this item
    const auto& accepted = i->second;
    if (std::find(accepted.begin(), accepted.end(), value) == accepted.end())
      return false;
  }
  return true;
}

std::optional<cluster_strategy>
parse_cluster_strategy(const std::string& s) {
  if (s == "fewest_connections")
    return cluster_strategy::fewest_connections;
  if (s == "round_robin")
    return cluster_strategy::round_robin;
  return std::nullopt;
}

std::optional<size_t> choose_cluster(const std::vector<cluster_candidate>& cs,
                                     cluster_strategy strategy,
                                     uint64_t& rr_cursor) {
  auto usable = [](const cluster_candidate& c) {
    return c.active && c.reachable;
  };
  if (strategy == cluster_strategy::round_robin) {
    for (size_t n = 0; n < cs.size(); ++n) {
      auto i = (rr_cursor + n) % cs.size();
      if (usable(cs[i])) {
        rr_cursor = i + 1;
        return i;
      }
    }
    return std::nullopt;
  }
  std::optional<size_t> best;
  for (size_t i = 0; i < cs.size(); ++i)
    if (usable(cs[i])
        && (!best || cs[i].connections < cs[*best].connections))
      best = i;
  return best;
}

std::optional<size_t> choose_node(const std::vector<node_status>& nodes) {
  std::optional<size_t> best;
  for (size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].state == "active"
        && (!best || nodes[i].sessions < nodes[*best].sessions))
      best = i;
  return best;
}

} // namespace tether
