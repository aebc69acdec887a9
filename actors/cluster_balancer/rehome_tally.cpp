#include "actors/cluster_balancer/rehome_tally.hpp"

namespace tether {

void rehome_tally::node_down(const std::string& node, int64_t now) {
  auto& t = nodes_[node];
  t.down = true;
  t.last_ms = now;
}

void rehome_tally::rehomed(const std::string& from, const std::string& to,
                           int64_t now) {
  auto& t = nodes_[from];
  t.last_ms = now;
  if (to.empty())
    ++t.closed;
  else
    ++t.to_nodes[to];
}

std::vector<std::string> rehome_tally::take_settled(int64_t now,
                                                    int64_t settle_ms) {
  std::vector<std::string> out;
  for (auto i = nodes_.begin(); i != nodes_.end();) {
    if (now - i->second.last_ms < settle_ms) {
      ++i;
      continue;
    }
    out.push_back(
      summary(i->first, i->second.down, i->second.to_nodes, i->second.closed));
    i = nodes_.erase(i);
  }
  return out;
}

std::string rehome_tally::summary(const std::string& node, bool down,
                                  const std::map<std::string, size_t>& to_nodes,
                                  size_t closed) {
  size_t total = closed;
  for (const auto& [to, n] : to_nodes)
    total += n;
  std::string out = "node " + node;
  if (total == 0)
    return out + (down ? " down: no sessions to re-home" : ": no sessions");
  auto sessions
    = std::to_string(total) + (total == 1 ? " session" : " sessions");
  out += down ? " down: " + sessions + " re-homed: "
              : ": " + sessions + " ended abnormally, re-homed: ";
  bool first = true;
  for (const auto& [to, n] : to_nodes) {
    out += (first ? "" : ", ") + to + " " + std::to_string(n);
    first = false;
  }
  if (to_nodes.empty())
    out += "none";
  if (closed > 0)
    out += "; " + std::to_string(closed) + " closed: no live node";
  return out;
}

} // namespace tether
