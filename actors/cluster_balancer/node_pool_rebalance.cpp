#include "actors/cluster_balancer/node_pool_rebalance.hpp"

#include <algorithm>

namespace tether {

node_pool_rebalance::node_pool_rebalance(rebalance_settings cfg,
                                         uint32_t max_rate)
    : rule_(cfg),
      // No window: moves go one every 1/max_rate seconds.
      pacer_(config::reallocation_config{config::millis{0}, max_rate,
                                         config::millis{0}}) {
  // nop
}

std::vector<uint64_t> node_pool_rebalance::pick(const connection_table& conns,
                                                size_t from,
                                                uint32_t count) const {
  auto on = conns.live_on(from);
  std::sort(on.begin(), on.end(), [&](uint64_t a, uint64_t b) {
    bool ba = busy_.count(a) > 0, bb = busy_.count(b) > 0;
    return ba != bb ? bb : a < b;
  });
  if (on.size() > count)
    on.resize(count);
  return on;
}

std::vector<std::pair<uint64_t, std::chrono::milliseconds>>
node_pool_rebalance::plan(const node_pool& nodes, const connection_table& conns,
                          const std::map<std::string, uint32_t>& weights,
                          int64_t now_ms) {
  std::vector<std::pair<uint64_t, std::chrono::milliseconds>> out;
  if (!pending_.empty())
    return out; // the last round is still moving
  auto status = nodes.status();
  std::vector<rebalance_node> loads;
  for (size_t i = 0; i < status.size(); ++i) {
    auto w = weights.find(status[i].node_id);
    loads.push_back({status[i].sessions, w == weights.end() ? 1 : w->second,
                     status[i].state == "active"});
  }
  std::vector<std::pair<std::string, assigned_label>> queued;
  for (const auto& m : rule_.plan(loads, now_ms)) {
    // This balancer's share, rounded up (every balancer of the cluster
    // plans the same round from the same reports).
    uint64_t own = nodes.entries[m.from].own;
    uint64_t all = std::max<uint64_t>(1, loads[m.from].sessions);
    auto share
      = static_cast<uint32_t>((uint64_t{m.count} * own + all - 1) / all);
    for (auto conn : pick(conns, m.from, share)) {
      pending_[conn] = {m.from, m.to};
      queued.emplace_back(std::to_string(conn), assigned_label{});
    }
  }
  busy_.clear();
  auto now_us = now_ms * 1000;
  pacer_.add(std::move(queued), now_us);
  // Every slot at once: the balancer sends itself one timer per move.
  for (auto& m : pacer_.take_all())
    out.emplace_back(std::stoull(m.terminal_id),
                     std::chrono::milliseconds{
                       std::max<int64_t>(0, (m.slot_us - now_us) / 1000)});
  return out;
}

std::optional<rebalance_target> node_pool_rebalance::take(uint64_t conn) {
  auto i = pending_.find(conn);
  if (i == pending_.end())
    return std::nullopt;
  auto t = i->second;
  pending_.erase(i);
  return t;
}

} // namespace tether
