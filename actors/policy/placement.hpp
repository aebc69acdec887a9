// Placement logic, plain C++ (no actors): the selector's label computation,
// the cluster manager's candidate matching and choice, and the balancer's
// node choice. Unit-tested directly (tests/actors/policy/placement_test.cpp).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actors/system/messages.hpp"
#include "config/topology.hpp"

namespace tether {

/// Computes the assigned label of a terminal from its facts, for the label
/// items in use. An item with no value in the facts is left out (it does not
/// restrict the choice). Items come from the record's fields (region, model,
/// firmware, the first linked user for "user") or, for any other item, from
/// its attributes of the same name (e.g. "service").
assigned_label select_label(const terminal_record& facts,
                            const std::vector<std::string>& items);

/// How a cluster's labels restrict a terminal's label ([labels] matching).
enum class label_matching {
  strict,  // patent S640: the cluster carries a value for every item of the
           // label, and the label's value is one of them
  lenient, // an item the cluster does not mention does not restrict it
};
std::optional<label_matching> parse_label_matching(const std::string& s);

/// True if a cluster with `labels` may take a terminal with `label`: every
/// item of the label must be one of the cluster's values for it ("*"
/// accepts every value); an item the cluster does not mention refuses the
/// terminal when strict, and does not restrict it when lenient. The null
/// label (no items) matches every cluster (S620/S630).
bool label_matches(const config::cluster_labels& labels,
                   const assigned_label& label,
                   label_matching how = label_matching::strict);

/// The label class of a cluster for a terminal: how many of the computed
/// (history-driven) items of `label` the cluster names the terminal's value
/// for explicitly (a "*", an item the cluster does not name, and the items
/// a device or service gives count nothing). Among the clusters a label
/// matches, those of the highest class are the candidates (placement and
/// re-allocation); a terminal moves to a better class, never within one.
size_t label_class(const config::cluster_labels& labels,
                   const assigned_label& label);

/// The label items the server computes (GB, GC, GD, GE, GF, GH, GI): no
/// device and no service may set them as attributes.
const std::vector<std::string>& computed_item_names();

/// The first attribute of `attrs` its sender may not set: a computed item,
/// and for a device (registration) also "service" (GA comes from the
/// service side). Empty when all may be set.
std::string forbidden_attribute(const std::map<std::string, std::string>& attrs,
                                bool from_device);

/// GG as the server derives it: the region of the first rule of
/// `cfg.map` whose id prefix starts `terminal_id` or whose range holds
/// `address`; else the device's claim, if `cfg.device_claim`; else empty.
std::string derived_region(const config::region_config& cfg,
                           const std::string& terminal_id,
                           const std::string& address,
                           const std::string& claim);

/// True if a terminal of this model gets the null label
/// ([labels] null_label_models).
bool null_label_model(const config::label_rules& rules,
                      const std::string& model);

/// What the cluster manager knows of a cluster when choosing.
struct cluster_candidate {
  std::string cluster_id;
  bool active = true;       // false: draining, takes no new terminals
  bool reachable = true;    // a balancer is known, a node takes sessions
  uint32_t connections = 0; // live connections (plus choices since)
  double cpu_util = 0;      // mean CPU utilisation of its live nodes (0-1)
  double memory_util = 0;   // mean memory utilisation of its live nodes
  uint32_t weight = 1;      // capacity weight (0 is never active)
};

enum class cluster_strategy {
  fewest_connections,   // fewest live connections
  least_load,           // smallest (memory, cpu) utilisation of the
                        // nodes, then fewest connections
  weighted,             // fewest connections per unit of weight
  round_robin,          // in turn, one cursor
  round_robin_per_user, // in turn, one cursor per user
};
std::optional<cluster_strategy> parse_cluster_strategy(const std::string& s);

/// Round-robin positions: one global, one per user (bounded: when more
/// than `max_users` users have a cursor, they all start again at 0).
struct rr_cursors {
  uint64_t global = 0;
  std::unordered_map<std::string, uint64_t> per_user;
  size_t max_users = 100'000;

  uint64_t& of(const std::string& user);
};

/// Picks among the candidates (already filtered by label). Ties go to the
/// first in configuration order. The round-robin cursor is advanced on use
/// (`user` selects the cursor for round_robin_per_user; an empty user uses
/// the global one). Returns the index, or nothing when no candidate is
/// active and reachable.
std::optional<size_t> choose_cluster(const std::vector<cluster_candidate>& cs,
                                     cluster_strategy strategy,
                                     rr_cursors& cursors,
                                     const std::string& user = {});
/// The same with only a global cursor.
std::optional<size_t> choose_cluster(const std::vector<cluster_candidate>& cs,
                                     cluster_strategy strategy,
                                     uint64_t& rr_cursor);

/// The cluster strategy for a label: the rule of the first item (in the
/// order of `items`) that the label has a value for and that has a rule in
/// `item_strategies`; else `fallback`.
cluster_strategy
strategy_for(const assigned_label& label, const std::vector<std::string>& items,
             const std::map<std::string, cluster_strategy>& item_strategies,
             cluster_strategy fallback);

enum class node_strategy {
  fewest_sessions, // fewest sessions
  least_load,      // smallest (memory, cpu) utilisation, then fewest
                   // sessions, each ÷ the node's capacity
                   // (node_status::capacity)
  weighted,        // fewest sessions per unit of the node's weight
};
std::optional<node_strategy> parse_node_strategy(const std::string& s);

/// Picks a node among the active ones (never a draining or failed one);
/// ties go to the first. `weights` (by index, missing = 1, 0 = takes
/// nothing) is used by the weighted strategy. Returns nothing when no node
/// can take a session.
std::optional<size_t> choose_node(const std::vector<node_status>& nodes,
                                  node_strategy strategy
                                  = node_strategy::fewest_sessions,
                                  const std::vector<uint32_t>& weights = {});

// -- computed label items (GB, GC, GD, GE, GF, GI)
// -----------------------------

/// A count over the last `window_ms` from fixed-window counters: the
/// current window's count plus the previous window's count weighted by how
/// much of it still lies in the last `window_ms` (a sliding estimate).
/// Nothing counted (window_start_ms 0) or both windows past: 0.
uint64_t sliding_count(uint64_t current, uint64_t previous,
                       int64_t window_start_ms, int64_t now, int64_t window_ms);

/// A rate per day since `since_ms` (the terminal's registration, the
/// source's "start date of service use"): total / days, at least one day
/// (a terminal registered an hour ago with 5 counts has 5 a day).
uint64_t per_day(uint64_t total, int64_t since_ms, int64_t now);

/// "low", "medium" (when the rule has one) or "high".
std::string frequency_group(uint64_t count, const config::frequency_rule& r);

/// The value a terminal has for `item` among its record's fields (region,
/// model, firmware), or its attribute of that name; empty if none.
std::string fact_of(const terminal_record& facts, const std::string& item);
/// The same from the fields themselves (the control's compact records).
std::string fact_of(const std::string& region, const std::string& model,
                    const std::string& firmware,
                    const std::map<std::string, std::string>& attributes,
                    const std::string& item);

/// Disconnect events of the last windows, bounded, and the persistent
/// classes they make (GE: simultaneous-disconnection classes of terminals,
/// GF: failing groups; docs/LABELS.md). Plain C++, owned by the control;
/// refreshed on its tick.
class disconnect_tracker {
public:
  explicit disconnect_tracker(config::label_rules rules = {},
                              size_t max_events = 200'000);

  /// Records an event (events come in time order; an older one is
  /// inserted in place).
  void add(disconnect_event e);

  /// Drops events older than the longest window (add() already drops the
  /// oldest beyond the bound). Returns the time before which events are no
  /// longer needed, or 0 when nothing was dropped since the last call.
  int64_t prune(int64_t now);

  /// The events of the members of classes that ended (expire(), clear())
  /// since the last call, dropped from the windows: the stored ones are to
  /// be deleted exactly (no other terminal's event goes with them).
  std::vector<disconnect_event> take_ended();

  /// Looks for new classes at `now` (classes found before are kept).
  /// GE: when the events of the last window come from at least
  /// `min_addresses` distinct addresses, their terminals join the class
  /// opened by the first such refresh ("ge-" + the unix seconds of the
  /// oldest event then in the window), which stays open while the
  /// condition holds. GF: a group value with at least `min_terminals`
  /// terminals of which at least `share` dropped within the window becomes
  /// a failing class. `group_of` gives a terminal's GF group value (empty:
  /// none); `group_sizes` the number of terminals per value.
  void refresh(int64_t now,
               const std::function<std::string(const std::string&)>& group_of,
               const std::unordered_map<std::string, size_t>& group_sizes);

  /// A class membership, as stored in the terminal's history.
  struct membership {
    std::string terminal_id;
    std::string disconnect_class;  // GE; empty: unchanged
    std::string failure_class;     // GF; empty: unchanged
    int64_t failure_formed_ms = 0; // when the GF class formed
    bool clear_disconnect = false; // the GE class expired or was cleared
    bool clear_failure = false;    // the GF class expired or was cleared
  };
  /// Takes a stored membership at start; a GF class stored without the
  /// time it formed (older records) counts as formed at `now`.
  void load(const membership& m, int64_t now = 0);
  /// Memberships that refresh(), expire() and clear() changed since the
  /// last call (to store).
  std::vector<membership> take_new();

  /// Forgets the classes that formed at least `class_ttl` before `now`
  /// (rules().class_ttl; 0: never): their terminals are in no class again,
  /// and their events still in the windows are dropped so they do not
  /// form the class again. Returns how many memberships ended.
  size_t expire(int64_t now);
  /// Forgets class `name` (a GE class "ge-..." or a failing GF group
  /// value) the same way. Nothing when no such class is known; else how
  /// many terminals were in it.
  std::optional<size_t> clear(const std::string& name);
  /// When class `name` formed (Unix ms); 0: no such class.
  int64_t formed_at(const std::string& name) const;
  /// The classes held now, for listing (actors/control/class_listing):
  /// GE class -> formed ms, GF value -> formed ms, and terminal -> class.
  const std::unordered_map<std::string, int64_t>& disconnect_classes() const {
    return ge_formed_;
  }
  const std::unordered_map<std::string, int64_t>& failure_classes() const {
    return failing_;
  }
  const std::unordered_map<std::string, std::string>&
  disconnect_members() const {
    return ge_class_;
  }
  const std::unordered_map<std::string, std::string>& failure_members() const {
    return gf_class_;
  }

  /// The GE class terminal `id` dropped in (empty: none).
  std::string disconnect_class(const std::string& id) const {
    auto i = ge_class_.find(id);
    return i == ge_class_.end() ? std::string{} : i->second;
  }
  bool failing_group(const std::string& value) const {
    return failing_.count(value) > 0;
  }
  const std::deque<disconnect_event>& events() const { return events_; }
  const config::label_rules& rules() const { return rules_; }

private:
  config::label_rules rules_;
  size_t max_events_;
  size_t dropped_ = 0; // by the bound, since the last prune()
  // The events of classes that ended, since the last take_ended().
  std::vector<disconnect_event> ended_;
  std::deque<disconnect_event> events_;
  std::string open_ge_; // the GE class open now (empty: none)
  std::unordered_map<std::string, std::string> ge_class_; // terminal -> GE
  std::unordered_map<std::string, int64_t> ge_formed_;    // GE -> formed ms
  std::unordered_map<std::string, int64_t> failing_; // GF value -> formed ms
  std::unordered_map<std::string, std::string> gf_class_; // terminal -> GF
  std::unordered_map<std::string, membership> new_;       // since take_new()

  size_t end_classes(const std::unordered_set<std::string>& ge,
                     const std::unordered_set<std::string>& gf);
};

/// A GF class as stored in the terminal's history: "<value>@<unix seconds
/// it formed>", and back (no "@<digits>" suffix: formed 0, unknown).
std::string stored_failure_class(const std::string& value, int64_t formed_ms);
std::pair<std::string, int64_t>
parse_stored_failure_class(const std::string& stored);
/// When GE class "ge-<unix seconds>" formed (Unix ms); 0: not such a name.
int64_t ge_class_formed(const std::string& name);

/// What the control knows of a terminal beyond its record.
struct label_inputs {
  const api_history* history = nullptr; // nullptr: nothing counted yet
  uint64_t user_jobs = 0; // GI: jobs done (sliding) by its first user's
                          // terminals; used only if it has a user
  std::string address;    // source address of its last connection
};

/// The computed items of a terminal (only those in `items`): GB, GC, GD
/// always (no history counts as 0, "low"); GI if it has a user; GE if it
/// is in a class (the class) or its address is known ("none"); GF if it
/// has a value for the rule's group_by.
std::map<std::string, std::string>
computed_items(const terminal_record& facts, const label_inputs& in,
               const disconnect_tracker& tracker,
               const std::vector<std::string>& items, int64_t now);

/// `facts` with the computed items written over its attributes: what the
/// selector is given (select_label reads any other item from attributes).
terminal_record with_computed(terminal_record facts,
                              const std::map<std::string, std::string>& c);

} // namespace tether
