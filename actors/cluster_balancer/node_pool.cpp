#include "actors/cluster_balancer/node_pool.hpp"

#include <algorithm>

#include "actors/policy/placement.hpp"

namespace tether {

void node_pool::add(const std::string& id, node_actor handle) {
  bool failed = !handle;
  entries.push_back({id, std::move(handle), node_status{id, "active", 0, 0, 0},
                     0, failed, !failed});
}

std::optional<size_t>
node_pool::pick(const std::string& strategy,
                const std::map<std::string, uint32_t>& weights,
                uint32_t max_sessions) const {
  std::vector<uint32_t> ws;
  for (const auto& n : entries) {
    auto w = weights.find(n.node_id);
    ws.push_back(w == weights.end() ? 1 : w->second);
  }
  auto nodes = status();
  if (max_sessions != 0) // quality class: a full node takes no new session
    for (auto& n : nodes)
      if (n.sessions >= max_sessions)
        n.state = "full";
  return choose_node(
    nodes,
    parse_node_strategy(strategy).value_or(node_strategy::fewest_sessions), ws);
}

std::vector<node_status> node_pool::status() const {
  std::vector<node_status> out;
  for (const auto& n : entries) {
    auto ns = n.last;
    ns.sessions = std::max(ns.sessions, n.own);
    ns.capacity = n.capacity;
    ns.weight = n.weight;
    ns.reached = n.reached;
    if (n.failed) {
      ns.state = "failed";
      ns.sessions = 0; // they have been moved (or are being moved) away
      // Its last report is stale: a killed node holds no actors, and a cut
      // off one's sessions end on their own once their devices moved.
      ns.session_actors = 0;
    } else if (n.draining) {
      ns.state = "draining";
    }
    out.push_back(std::move(ns));
  }
  return out;
}

void node_pool::move_session(std::optional<size_t> from,
                             std::optional<size_t> to) {
  if (from && entries[*from].own > 0)
    --entries[*from].own;
  if (to)
    ++entries[*to].own;
}

std::vector<std::string> node_pool::fail(const caf::actor_addr& source) {
  std::vector<std::string> out;
  for (auto& n : entries)
    if (n.handle.address() == source && !n.failed) {
      n.failed = true;
      out.push_back(n.node_id);
    }
  return out;
}

std::vector<size_t>
node_pool::reach(const std::map<std::string, node_actor>& found) {
  std::vector<size_t> out;
  for (size_t i = 0; i < entries.size(); ++i) {
    auto& n = entries[i];
    auto f = found.find(n.node_id);
    if (f == found.end() || !f->second)
      continue;
    n.handle = f->second;
    n.failed = false;
    n.reached = true;
    n.last = node_status{n.node_id, "active", 0, 0, 0};
    out.push_back(i);
  }
  return out;
}

std::optional<size_t> node_pool::set_state(const std::string& node,
                                           const std::string& state) {
  std::optional<size_t> starts;
  for (size_t i = 0; i < entries.size(); ++i) {
    auto& n = entries[i];
    if (n.node_id != node)
      continue;
    if (state == "draining" && !n.draining)
      starts = i;
    n.draining = state == "draining";
  }
  return starts;
}

std::vector<size_t> node_pool::to_ask() const {
  std::vector<size_t> out;
  for (size_t i = 0; i < entries.size(); ++i)
    if (entries[i].handle && !entries[i].failed)
      out.push_back(i);
  return out;
}

void node_pool::set_capacities(
  const std::map<std::string, uint32_t>& capacity) {
  for (auto& n : entries)
    if (auto k = capacity.find(n.node_id); k != capacity.end())
      n.capacity = std::max<uint32_t>(1, k->second);
}

void node_pool::set_weights(const std::map<std::string, uint32_t>& weight) {
  for (auto& n : entries)
    if (auto w = weight.find(n.node_id); w != weight.end())
      n.weight = w->second;
}

void node_pool::take_report(const node_status& report) {
  for (auto& n : entries)
    if (n.node_id == report.node_id && !n.failed)
      n.last = report;
}

void node_pool::take_reports(const std::vector<size_t>& asked,
                             std::vector<std::optional<node_status>>& results) {
  for (size_t i = 0; i < results.size() && i < asked.size(); ++i)
    if (results[i] && asked[i] < entries.size())
      entries[asked[i]].last = std::move(*results[i]);
}

} // namespace tether
