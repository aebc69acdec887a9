#include "actors/control/terminal_table.hpp"

#include <algorithm>

#include "actors/system/close_codes.hpp"
#include "actors/system/errors.hpp"

namespace tether {

caf::error not_registered(const std::string& terminal_id) {
  return make_error(errc::not_found,
                    "terminal " + terminal_id + " is not registered");
}

void terminal_table::load(std::vector<terminal_record> records) {
  for (const auto& t : records)
    entries[t.terminal_id].record = t;
  ++version;
}

const std::vector<first_user>& terminal_table::first_users() const {
  if (users_.version == version && users_.size == entries.size())
    return users_.found;
  users_.found.clear();
  for (const auto& [id, t] : entries)
    if (!t.record.users.empty())
      users_.found.push_back(
        {id, t.record.users.get().front(), t.record.registered_at_ms});
  users_.version = version;
  users_.size = entries.size();
  return users_.found;
}

terminal_entry* terminal_table::find(const std::string& terminal_id) {
  auto i = entries.find(terminal_id);
  return i == entries.end() ? nullptr : &i->second;
}

const terminal_entry*
terminal_table::find(const std::string& terminal_id) const {
  auto i = entries.find(terminal_id);
  return i == entries.end() ? nullptr : &i->second;
}

std::map<std::string, std::string> terminal_entry::service_connections() const {
  return services::connection_ids(service_key, service_names.empty()
                                                 ? services::default_list()
                                                 : service_names.get());
}

std::optional<terminal_record>
terminal_table::record_of(const std::string& terminal_id) const {
  const auto* t = find(terminal_id);
  if (t == nullptr)
    return std::nullopt;
  return t->record.expand(terminal_id);
}

terminal_status terminal_table::status_of(const std::string& terminal_id,
                                          const terminal_entry& t,
                                          int64_t now) const {
  terminal_status out;
  out.record = t.record.expand(terminal_id);
  out.connected = t.connected;
  out.node_id = t.node_id;
  out.last_seen_ms = t.connected ? now : t.last_seen_ms;
  out.connects = t.connects;
  out.disconnects = t.disconnects;
  out.keepalive_failures = t.keepalive_failures;
  if (t.connected)
    out.service_connections = t.service_connections();
  return out;
}

terminal_table::announced
terminal_table::on_announce(const std::string& terminal_id,
                            const std::string& node_id,
                            const terminal_session_actor& session,
                            uint64_t generation, int64_t now, announce how) {
  announced out;
  auto i = entries.find(terminal_id);
  if (i == entries.end())
    return out; // retired while its session opened: no entry is made
  out.known = true;
  auto& t = i->second;
  // A new connection always wins: the device has one socket, and its
  // balancer replaced the old one. A moved or re-announced session must be
  // newer than the one known (balancer clocks may differ by a little; within
  // one balancer generations are strictly increasing).
  if (how != announce::open && t.session && t.session != session
      && generation < t.generation)
    return out; // an older session than the one the device uses now
  out.taken = true;
  if (t.session != session) {
    out.displaced = t.session;
    t.service_key = {}; // the new session sends its own
    t.service_names.clear();
  }
  t.connected = true;
  t.node_id = node_id;
  t.session = session;
  t.generation = generation;
  t.last_seen_ms = now;
  if (how == announce::open)
    ++t.connects;
  return out;
}

void terminal_table::on_open(const std::string& terminal_id,
                             const std::string& node_id,
                             const terminal_session_actor& session, int64_t now,
                             bool moved) {
  auto i = entries.find(terminal_id);
  on_announce(terminal_id, node_id, session,
              i == entries.end() ? 0 : i->second.generation, now,
              moved ? announce::moved : announce::open);
}

const terminal_entry*
terminal_table::on_closed(const std::string& terminal_id,
                          const std::string& reason,
                          const terminal_session_actor& session, int64_t now) {
  auto i = entries.find(terminal_id);
  if (i == entries.end() || i->second.session != session)
    return nullptr; // a newer session has taken over
  if (reason == session_moved_reason)
    return nullptr; // the balancer moved it; the new session announces itself
  auto& t = i->second;
  t.connected = false;
  t.session = nullptr;
  t.service_key = {};
  t.service_names.clear();
  t.last_seen_ms = now;
  ++t.disconnects;
  if (reason == close_reason::keepalive_lost)
    ++t.keepalive_failures;
  return &t;
}

bool terminal_table::on_service_connections(
  const std::string& terminal_id, const terminal_session_actor& session,
  const services::connection_key& key, std::vector<std::string> names) {
  auto i = entries.find(terminal_id);
  if (i == entries.end() || !session || i->second.session != session)
    return false; // not (or no longer) the terminal's session
  i->second.service_key = key;
  i->second.service_names = std::move(names);
  return true;
}

std::set<std::string>
terminal_table::prepare_registration(terminal_record& facts,
                                     int64_t now) const {
  // What the device itself says wins over older values; what services set
  // while this registration runs wins over both (complete_registration).
  std::set<std::string> device_keys;
  for (const auto& kv : facts.attributes)
    device_keys.insert(kv.first);
  facts.registered_at_ms = now;
  if (const auto* t = find(facts.terminal_id)) {
    const auto& old = t->record;
    if (old.registered_at_ms != 0)
      facts.registered_at_ms = old.registered_at_ms;
    for (const auto& [k, v] : old.attributes)
      facts.attributes.emplace(k, v);
    facts.users = old.users.get();
    facts.token_generation = old.token_generation;
    facts.revoked = old.revoked;
  }
  return device_keys;
}

std::optional<terminal_record>
terminal_table::complete_registration(const terminal_record& facts,
                                      const std::set<std::string>& device_keys,
                                      const std::string& cluster_id) {
  auto& rec = entries[facts.terminal_id].record;
  ++version;
  auto merged = facts;
  merged.cluster_id = cluster_id;
  for (const auto& [k, v] : rec.attributes)
    if (device_keys.count(k) == 0)
      merged.attributes[k] = v;
  if (rec.registered)
    merged.users = rec.users.get();
  // A revocation stored while the registration ran stays.
  merged.token_generation
    = std::max(merged.token_generation, rec.token_generation);
  if (rec.token_generation > facts.token_generation)
    merged.revoked = rec.revoked;
  bool changed = merged.attributes != facts.attributes
              || merged.users != facts.users
              || merged.token_generation != facts.token_generation;
  rec = merged;
  if (!changed)
    return std::nullopt;
  return merged;
}

caf::expected<terminal_record> terminal_table::with_attributes(
  const std::string& terminal_id,
  std::map<std::string, std::string> attrs) const {
  const auto* t = find(terminal_id);
  if (t == nullptr)
    return not_registered(terminal_id);
  auto changed = t->record.expand(terminal_id);
  for (auto& [k, v] : attrs)
    changed.attributes[k] = std::move(v);
  if (changed.attributes.size() > 64)
    return make_error(errc::bad_request,
                      "a terminal may have at most 64 attributes");
  return changed;
}

caf::expected<terminal_record>
terminal_table::with_user(const std::string& terminal_id,
                          const std::string& user) const {
  const auto* t = find(terminal_id);
  if (t == nullptr)
    return not_registered(terminal_id);
  auto changed = t->record.expand(terminal_id);
  auto& users = changed.users;
  if (std::find(users.begin(), users.end(), user) == users.end()) {
    if (users.size() >= 64)
      return make_error(errc::bad_request,
                        "a terminal may have at most 64 users");
    users.push_back(user);
  }
  return changed;
}

caf::expected<terminal_record>
terminal_table::with_revoked(const std::string& terminal_id,
                             bool revoke) const {
  const auto* t = find(terminal_id);
  if (t == nullptr)
    return not_registered(terminal_id);
  auto changed = t->record.expand(terminal_id);
  if (revoke)
    ++changed.token_generation;
  changed.revoked = revoke;
  return changed;
}

caf::error terminal_table::may_register(const std::string& terminal_id,
                                        size_t max_terminals) const {
  if (const auto* t = find(terminal_id)) {
    if (t->record.revoked)
      return make_error(errc::forbidden,
                        "terminal \"" + terminal_id
                          + "\" is revoked (DELETE "
                            "/v1/admin/terminals/{id}/revoke lifts it)");
    return {};
  }
  if (max_terminals > 0 && size() >= max_terminals)
    return make_error(errc::forbidden,
                      "no new terminal can register: the deployment holds "
                      "[limits] max_terminals = "
                        + std::to_string(max_terminals) + " terminals");
  return {};
}

terminal_record terminal_table::apply_change(terminal_record changed) {
  auto& t = entries[changed.terminal_id];
  ++version;
  // A generation never goes down (a change read before a revocation).
  changed.token_generation
    = std::max(changed.token_generation, t.record.token_generation);
  if (!t.record.cluster_id.empty())
    changed.cluster_id = t.record.cluster_id;
  t.record = changed;
  return changed;
}

bool terminal_table::set_cluster(const std::string& terminal_id,
                                 const std::string& cluster_id) {
  auto& rec = entries[terminal_id].record;
  if (rec.cluster_id == cluster_id)
    return false;
  rec.cluster_id = cluster_id;
  ++version;
  return true;
}

std::vector<std::string>
terminal_table::realloc_candidates(const std::string& cluster_id,
                                   const std::vector<std::string>& terminal_ids,
                                   std::string& unknown) const {
  std::vector<std::string> out;
  if (!terminal_ids.empty()) {
    for (const auto& id : terminal_ids) {
      if (!contains(id)) {
        unknown = id;
        return {};
      }
      out.push_back(id);
    }
  } else {
    for (const auto& [id, t] : entries)
      if (cluster_id.empty() || t.record.cluster_id == cluster_id)
        out.push_back(id);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

} // namespace tether
