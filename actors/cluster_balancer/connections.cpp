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

connection_table::connection_table(connection_table&& other) noexcept
    : connection_table() {
  *this = std::move(other);
}

connection_table&
connection_table::operator=(connection_table&& other) noexcept {
  by_terminal.clear(); // no hashing: only freed
  by_id = std::move(other.by_id);
  sessions = std::move(other.sessions);
  for (auto conn : other.by_terminal) // walked, then hashed by our by_id
    by_terminal.insert(conn);
  other.by_terminal.clear();
  return *this;
}

connection* connection_table::find(uint64_t conn) {
  auto i = by_id.find(conn);
  return i == by_id.end() ? nullptr : &i->second;
}

connection* connection_table::of_terminal(std::string_view terminal) {
  auto conn = newest_of(terminal);
  return conn ? find(*conn) : nullptr;
}

std::optional<uint64_t>
connection_table::newest_of(std::string_view terminal) const {
  auto t = by_terminal.find(terminal);
  if (t == by_terminal.end())
    return std::nullopt;
  return *t;
}

std::optional<uint64_t> connection_table::take_over(uint64_t conn) {
  auto t = by_terminal.find(conn); // the same terminal's entry, if any
  if (t == by_terminal.end()) {
    by_terminal.insert(conn);
    return std::nullopt;
  }
  if (*t == conn)
    return std::nullopt;
  // The node is reused: the terminal, and so the hash, are the same.
  auto node = by_terminal.extract(t);
  auto old = node.value();
  node.value() = conn;
  by_terminal.insert(std::move(node));
  return old;
}

std::optional<connection> connection_table::remove(uint64_t conn) {
  auto i = by_id.find(conn);
  if (i == by_id.end())
    return std::nullopt;
  if (auto t = by_terminal.find(conn); t != by_terminal.end() && *t == conn)
    by_terminal.erase(t); // while its entry, which it is hashed by, exists
  auto c = std::move(i->second);
  by_id.erase(i);
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
