#include "actors/cluster_balancer/connections.hpp"

namespace tether {

namespace {

const connection::uncommon& none() {
  static const connection::uncommon empty;
  return empty;
}

} // namespace

void connection::admitted(std::vector<std::string> tiers, std::string refused) {
  if (tiers.empty() && refused.empty() && !more)
    return;
  if (!more)
    more = std::make_unique<uncommon>();
  more->tiers = std::move(tiers);
  more->refused = std::move(refused);
}

void connection::declared(std::vector<std::string> service_names) {
  if (service_names.empty() && !more)
    return;
  if (!more)
    more = std::make_unique<uncommon>();
  more->service_names = std::move(service_names);
}

const std::vector<std::string>& connection::tiers() const {
  return (more ? *more : none()).tiers;
}

const std::string& connection::refused() const {
  return (more ? *more : none()).refused;
}

const std::vector<std::string>& connection::service_names() const {
  return (more ? *more : none()).service_names;
}

connection* connection_table::find(uint64_t conn) {
  auto i = by_id.find(conn);
  return i == by_id.end() ? nullptr : &i->second;
}

connection* connection_table::of_terminal(const std::string& terminal) {
  auto t = by_terminal.find(terminal);
  return t == by_terminal.end() ? nullptr : find(t->second);
}

std::optional<uint64_t> connection_table::take_over(const std::string& terminal,
                                                    uint64_t conn) {
  std::optional<uint64_t> old;
  if (auto t = by_terminal.find(terminal);
      t != by_terminal.end() && t->second != conn)
    old = t->second;
  by_terminal[terminal] = conn;
  return old;
}

std::optional<connection> connection_table::remove(uint64_t conn) {
  auto i = by_id.find(conn);
  if (i == by_id.end())
    return std::nullopt;
  auto c = std::move(i->second);
  by_id.erase(i);
  if (auto t = by_terminal.find(c.terminal_id);
      t != by_terminal.end() && t->second == conn)
    by_terminal.erase(t);
  return c;
}

uint32_t connection_table::live() const {
  uint32_t n = 0;
  for (const auto& [id, c] : by_id)
    if (c.counts())
      ++n;
  return n;
}

std::map<std::string, uint32_t> connection_table::tiers() const {
  std::map<std::string, uint32_t> out;
  for (const auto& [id, c] : by_id) {
    if (c.at == conn_phase::admitting || !c.refused().empty())
      continue;
    ++out["*"];
    for (const auto& t : c.tiers())
      ++out[t];
  }
  return out;
}

std::vector<uint64_t> connection_table::live_on(size_t node) const {
  std::vector<uint64_t> out;
  for (const auto& [conn, c] : by_id)
    if (c.node == node && c.at == conn_phase::live)
      out.push_back(conn);
  return out;
}

std::optional<uint64_t>
connection_table::of_session(const caf::actor_addr& session) const {
  auto conn = sessions.find(session);
  if (!conn)
    return std::nullopt;
  auto i = by_id.find(*conn);
  if (i == by_id.end() || i->second.at != conn_phase::live
      || i->second.session.address() != session)
    return std::nullopt; // gone, or served by a newer session now
  return conn;
}

} // namespace tether
