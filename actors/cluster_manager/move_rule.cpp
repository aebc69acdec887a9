#include "actors/cluster_manager/move_rule.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace tether {

namespace {

double per_node(const pool_cluster& c) {
  return static_cast<double>(c.sessions)
       / static_cast<double>(std::max<size_t>(1, c.active.size()));
}

std::string figures(const pool_cluster& c) {
  return fmt::format("{}: {} sessions on {} active nodes ({:.1f} per node)",
                     c.cluster_id, c.sessions, c.active.size(), per_node(c));
}

/// The heaviest cluster that may receive a node and the lightest other one
/// that may give one (first in order on ties); nullptr if none.
std::pair<const pool_cluster*, const pool_cluster*>
pair_of(const std::vector<pool_cluster>& pool) {
  const pool_cluster* heavy = nullptr;
  for (const auto& c : pool)
    if (!c.active.empty() && c.active.size() < c.max_nodes
        && (heavy == nullptr || per_node(c) > per_node(*heavy)))
      heavy = &c;
  const pool_cluster* light = nullptr;
  for (const auto& c : pool)
    if (&c != heavy && c.active.size() > c.min_nodes && !c.movable.empty()
        && (light == nullptr || per_node(c) < per_node(*light)))
      light = &c;
  return {heavy, light};
}

/// Whether moving one node from `light` to `heavy` is due by the figures.
bool worth_moving(const pool_cluster& heavy, const pool_cluster& light,
                  double ratio) {
  if (per_node(heavy) < ratio * std::max(per_node(light), 1.0))
    return false;
  auto heavy_after = static_cast<double>(heavy.sessions)
                   / static_cast<double>(heavy.active.size() + 1);
  auto light_after = static_cast<double>(light.sessions)
                   / static_cast<double>(light.active.size() - 1);
  return heavy_after >= light_after;
}

} // namespace

node_move move_rule::decide(const std::vector<pool_cluster>& pool,
                            int64_t now_ms) {
  auto [heavy, light] = pair_of(pool);
  if (ratio <= 0 || heavy == nullptr || light == nullptr
      || !worth_moving(*heavy, *light, ratio)) {
    pair_.clear();
    since_.reset();
    return {};
  }
  auto pair = heavy->cluster_id + ">" + light->cluster_id;
  if (pair != pair_ || !since_) {
    pair_ = pair;
    since_ = now_ms;
  }
  if (now_ms - *since_ < period.count())
    return {};
  if (last_move_ && now_ms - *last_move_ < cooldown.count())
    return {};
  auto leaves
    = std::min_element(light->movable.begin(), light->movable.end(),
                       [](const elastic_node& a, const elastic_node& b) {
                         return a.sessions != b.sessions
                                ? a.sessions < b.sessions
                                : a.node_id < b.node_id;
                       });
  last_move_ = now_ms;
  pair_.clear();
  since_.reset();
  return {leaves->node_id, light->cluster_id, heavy->cluster_id,
          fmt::format("{} is at least {} times {}", figures(*heavy), ratio,
                      figures(*light))};
}

} // namespace tether
