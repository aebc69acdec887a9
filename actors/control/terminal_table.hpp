// terminal_table: the registered terminals as the control knows them (one
// section of control_state): each one's record, connection state (node,
// session) and counters (connects, disconnects, keepalive failures), and
// the record changes of registration and of the admin/service API. Plain
// C++ (session handles are only compared); unit-tested in
// tests/actors/control/terminal_table_test.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/expected.hpp>

#include "actors/control/compact_record.hpp"
#include "actors/policy/services.hpp"
#include "actors/system/interfaces.hpp"

namespace tether {

/// The error for a terminal that is not registered (404).
caf::error not_registered(const std::string& terminal_id);

/// A registered terminal in the control (issue 12: about 200 bytes where
/// it was 440; the texts many terminals repeat are interned, the lists
/// most leave empty are blocks held only when not empty).
struct terminal_entry {
  compact_record record;
  interned node_id;
  terminal_session_actor session;
  uint64_t generation = 0; // of `session` (session_spec::generation)
  int64_t last_seen_ms = 0;
  uint64_t connects = 0;
  uint64_t disconnects = 0;
  uint64_t keepalive_failures = 0;
  std::string address; // source IP of its last connection (GE)
  /// What `session`'s connection ids per service derive from (empty key
  /// until it said it): 16 bytes and the declared services (empty: the
  /// default list) where the ids themselves cost a map (issue 12).
  services::connection_key service_key;
  optional_block<std::vector<std::string>> service_names;
  bool connected = false;

  /// The ids `session` greeted its device with (none without a key).
  std::map<std::string, std::string> service_connections() const;
};

/// A terminal whose record links a user: its first one (GI).
struct first_user {
  std::string terminal_id;
  std::string user;
  int64_t registered_at_ms = 0;
};

struct terminal_table {
  /// Records change only through the methods below (load, registration,
  /// apply_change, set_cluster, erase), which bump `version`: the control's
  /// tick takes its passes over every terminal again only when it moved
  /// (disconnect_groups, first_users()).
  std::unordered_map<std::string, terminal_entry> entries;
  uint64_t version = 0;

  /// Takes the stored records at start.
  void load(std::vector<terminal_record> records);

  terminal_entry* find(const std::string& terminal_id);
  const terminal_entry* find(const std::string& terminal_id) const;
  bool contains(const std::string& terminal_id) const {
    return entries.count(terminal_id) > 0;
  }
  size_t size() const { return entries.size(); }
  /// A retired terminal leaves the table.
  void erase(const std::string& terminal_id) {
    entries.erase(terminal_id);
    ++version;
  }

  /// The terminals whose record links a user, with its first one: one pass
  /// over the table when `version` or the size moved since the last call,
  /// else the list of that pass.
  const std::vector<first_user>& first_users() const;

  /// The record of a registered terminal (nullopt: none).
  std::optional<terminal_record>
  record_of(const std::string& terminal_id) const;

  /// The status without what other sections add (API history, open jobs).
  /// A connected terminal answers keepalives, else its session closes: it
  /// is seen `now`.
  terminal_status status_of(const std::string& terminal_id,
                            const terminal_entry& t, int64_t now) const;

  // -- sessions ---------------------------------------------------------------

  /// How a session announces itself: it opened (a new connect), the
  /// balancer moved it to another node (the device kept its WebSocket: no
  /// new connect), or it ran before this control was reachable.
  enum class announce { open, moved, again };

  /// What an announcement did: `taken` when the session is now the
  /// terminal's current one; `displaced` is the one it replaced, if any.
  struct announced {
    bool known = false; // the terminal is registered (not retired)
    bool taken = false;
    terminal_session_actor displaced;
  };

  /// A session announces itself. A new connection (`open`) is always taken.
  /// Otherwise the session with the larger generation wins whatever the
  /// order of arrival: an older one (a stale session of a node that was
  /// frozen and is back, announcing itself to a control that restarted) is
  /// not taken and displaces nothing.
  announced on_announce(const std::string& terminal_id,
                        const std::string& node_id,
                        const terminal_session_actor& session,
                        uint64_t generation, int64_t now, announce how);

  /// on_announce for a session that opened (or moved, `moved`), taken
  /// whatever its generation (tests and older callers).
  void on_open(const std::string& terminal_id, const std::string& node_id,
               const terminal_session_actor& session, int64_t now,
               bool moved = false);
  /// Counts a disconnect when `session` is the terminal's current one and
  /// it was not moved; returns the entry then (nullptr: nothing counted).
  const terminal_entry* on_closed(const std::string& terminal_id,
                                  const std::string& reason,
                                  const terminal_session_actor& session,
                                  int64_t now);

  /// The key the connection ids per service that `session` greeted its
  /// device with derive from, and the services it declared (empty: the
  /// default list); kept only when it is the terminal's current session
  /// (true).
  bool on_service_connections(const std::string& terminal_id,
                              const terminal_session_actor& session,
                              const services::connection_key& key,
                              std::vector<std::string> names);

  // -- record changes ---------------------------------------------------------

  /// Registration, before the label is selected: the device's facts
  /// refresh the record; what services set (attributes not sent by the
  /// device, user links) stays, and so does the first registration time.
  /// Returns the attribute keys the device sent.
  std::set<std::string> prepare_registration(terminal_record& facts,
                                             int64_t now) const;
  /// Registration, once the cluster manager assigned `cluster_id`: the
  /// record becomes `facts` in that cluster, keeping attributes and user
  /// links that services stored while the registration ran. Returns the
  /// record when it differs from `facts` (so it must be stored again).
  std::optional<terminal_record>
  complete_registration(const terminal_record& facts,
                        const std::set<std::string>& device_keys,
                        const std::string& cluster_id);

  /// The record with `attrs` set (at most 64 attributes), or the error.
  caf::expected<terminal_record>
  with_attributes(const std::string& terminal_id,
                  std::map<std::string, std::string> attrs) const;
  /// The record with `user` linked (at most 64 users), or the error.
  caf::expected<terminal_record> with_user(const std::string& terminal_id,
                                           const std::string& user) const;
  /// The record revoked (`revoke`: its token generation raised, so every
  /// token issued so far is refused) or un-revoked (the generation stays).
  caf::expected<terminal_record> with_revoked(const std::string& terminal_id,
                                              bool revoke) const;
  /// Why `terminal_id` may not register (403): it is revoked, or it is new
  /// and the table holds `max_terminals` (0: no limit). Empty: it may.
  caf::error may_register(const std::string& terminal_id,
                          size_t max_terminals) const;
  /// A stored change replaces the record, keeping the cluster a
  /// registration may have set meanwhile; returns the record now kept.
  terminal_record apply_change(terminal_record changed);

  /// Re-allocation (or a move) put the terminal in `cluster_id`; true when
  /// that is another cluster.
  bool set_cluster(const std::string& terminal_id,
                   const std::string& cluster_id);

  /// The terminals a re-allocation run looks at, sorted: those of
  /// `terminal_ids` when given, else those assigned to `cluster_id` when
  /// given, else every terminal. Sets `unknown` to the first id given that
  /// is not registered (and returns nothing).
  std::vector<std::string>
  realloc_candidates(const std::string& cluster_id,
                     const std::vector<std::string>& terminal_ids,
                     std::string& unknown) const;

private:
  struct users_pass {
    uint64_t version = UINT64_MAX;
    size_t size = 0;
    std::vector<first_user> found;
  };
  mutable users_pass users_;
};

} // namespace tether
