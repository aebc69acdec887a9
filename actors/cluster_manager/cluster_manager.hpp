// cluster_manager: owns the cluster labels and the cluster–terminal map
// (persisted through the store actor before any answer), picks a terminal's
// cluster among the candidates its label allows, routes pushes to the
// balancers of the terminal's cluster, and collects cluster status.
//
// Balancers announce themselves with `join`; a cluster without a known
// balancer cannot take terminals. Connection counts for the "fewest
// connections" strategy are refreshed from the balancers every second and
// raised each time a cluster is chosen in between (before the assignment
// is stored, so a burst of registrations sees the ones before it).
//
// Operators change clusters and nodes at run time (admin API): a change is
// stored (meta column family) before it applies, and the stored changes are
// applied at start over the topology's values. A draining cluster takes no
// new terminals; a draining node's state goes to its cluster's balancers,
// which then choose other nodes. Re-allocation asks which terminals must
// move (`realloc`) and then moves them one by one (`move`), each move sent
// to the device as a `reassign` frame by its old cluster's balancers.
//
// The state is split by concern, each part plain C++ with its own tests
// (tests/actors/cluster_manager/):
//   cluster_table.hpp   the clusters, their balancers and reported load
//   terminal_map.hpp    terminal → cluster, and the counts it implies
//   cluster_choice.hpp  the placement strategy and re-allocation planning
//   cluster_admin.hpp   the operator's cluster and node changes
//   label_coverage.hpp  every label item in use named by some cluster
//   elastic_rule.hpp    standby nodes woken and returned on load, the
//                       autoscale command (elastic_actions.cpp carries
//                       out its decisions)
//   move_rule.hpp       nodes moved between clusters on load
//                       (elastic_actions.cpp too)
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include <caf/expected.hpp>

#include "actors/cluster_manager/cluster_admin.hpp"
#include "actors/cluster_manager/cluster_choice.hpp"
#include "actors/cluster_manager/cluster_table.hpp"
#include "actors/cluster_manager/declared_services.hpp"
#include "actors/cluster_manager/elastic_rule.hpp"
#include "actors/cluster_manager/label_coverage.hpp"
#include "actors/cluster_manager/move_rule.hpp"
#include "actors/cluster_manager/terminal_map.hpp"
#include "actors/cluster_manager/tier_caps.hpp"
#include "actors/system/interfaces.hpp"
#include "actors/system/request_deadlines.hpp"
#include "config/defaults.hpp"
#include "config/topology.hpp"

namespace tether {

struct cluster_manager_state {
  static inline const char* name = "cluster_manager";

  cluster_table clusters;
  terminal_map terminals;
  cluster_choice choice;
  cluster_admin admin;
  label_coverage coverage; // every label item in use named by a cluster
  /// Terminals counted by reserve whose assignment is being stored: a
  /// second registration of one of them in flight counts nothing more.
  std::unordered_set<std::string> reserving;
  tier_caps caps;
  /// Elastic fleet: the rule, the nodes seen live at the last report, the
  /// clusters whose node change is being stored, the [autoscale] command.
  elastic_rule elastic;
  std::set<std::string> live_nodes;
  /// A node already down when this manager started (a control restart)
  /// was never seen live, so its failure would go unnoticed: the first
  /// report's time, and whether the nodes still failed an [autoscale]
  /// period after it were taken as lost (seed_live_nodes).
  int64_t first_report_ms = -1;
  bool live_seeded = false;
  std::set<std::string> elastic_pending;
  /// Once, an [autoscale] period after the first report: every node whose
  /// state is active and that a balancer has reached since it started
  /// counts as seen live, so one its balancers still report failed is lost
  /// (and a standby replaces it) as if it had failed now. A node no
  /// balancer ever reached (a spare not started yet) is not.
  void seed_live_nodes(const std::vector<cluster_status>& merged,
                       int64_t now_ms);
  std::vector<std::string> autoscale_command;
  /// Node moves between clusters: the rule, and whether a move is being
  /// stored (no other is decided meanwhile).
  move_rule moves;
  bool move_pending = false;
  std::chrono::milliseconds autoscale_timeout{60'000};
  declared_services declared; // services per terminal (hello's ids)
  /// Appended to a cap's refusal: "; retry after N s" (timers.retry_after).
  std::string retry_hint;
  uint32_t keepalive_s = 30;
  uint32_t keepalive_misses = 2; // [timers]; a cluster may set its own
  std::chrono::milliseconds request_timeout{defaults::request_timeout};
  std::chrono::milliseconds status_period{1'000};
  /// The deadlines of the assignments' store writes (store_assignment;
  /// made at init with request_timeout; request_deadlines.hpp).
  request_deadlines assignment_writes;

  /// Takes the topology's clusters and settings, the stored admin changes
  /// and the stored terminal mapping (at start).
  void init(config::topology& topo, const storage::admin_settings& stored,
            const std::vector<terminal_record>& mapped);

  /// See cluster_choice::choose (`full`: the tier caps check).
  std::optional<size_t> choose(const assigned_label& label,
                               const std::string& current, std::string& why,
                               const std::string& user = {},
                               const cluster_choice::full_check& full = {},
                               const std::string& terminal = {});

  /// Chooses the cluster of `rec` (a terminal with `label`, now in
  /// `current`, may be empty) and sets `rec.cluster_id` to it.
  /// Errors: unavailable (saying why) when no cluster can take it.
  caf::error place(terminal_record& rec, const assigned_label& label,
                   const std::string& current);

  /// The destination answer for a terminal in a cluster.
  destination destination_for(const std::string& terminal_id,
                              const cluster_entry& c) const;

  /// The destination of a mapped terminal. Errors: not_found when it is not
  /// registered, unavailable when its cluster has no reachable balancer.
  caf::expected<destination> destination_of(const std::string& terminal) const;

  /// The balancers of a terminal's cluster (none if it is not mapped).
  std::vector<cluster_balancer_actor>
  balancers_of(const std::string& terminal) const;

  /// Records an assignment in memory (after it is stored).
  void assign(const std::string& terminal_id, const std::string& cluster_id);

  /// Counts the device among `cluster_id`'s connections as soon as the
  /// cluster is chosen, before its assignment is stored, so that the
  /// registrations of the same instant see it (fewest_connections would
  /// send a burst to one cluster); the next report corrects the count.
  /// Returns the report round it counted in (cluster_entry::round), 0 when
  /// there was nothing to count (it is there already, or another
  /// registration of the terminal counted it and is being stored).
  uint64_t reserve(const std::string& terminal_id,
                   const std::string& cluster_id);
  /// Takes back what `reserve` counted in `round` (its write was not
  /// stored), unless a report replaced the count since: that count no
  /// longer holds it.
  void unreserve(const std::string& terminal_id, const std::string& cluster_id,
                 uint64_t round);

  /// A balancer admits a connection of `terminal` (`holds`: it already has
  /// one of it, which this one replaces): its cluster and capped tiers,
  /// refused (naming the cap) when a cap of the cluster is reached; else
  /// counted at once. Errors: not_found when it is not registered.
  caf::expected<admission> admit(const std::string& terminal, bool holds,
                                 int64_t now_ms);

  /// See cluster_choice::must_move.
  caf::expected<std::vector<std::string>> must_move(const realloc_plan& plan);

  std::vector<cluster_status> status() const;

  /// The state a balancer is told for a node: a standby node is draining
  /// to it (no new sessions, its sessions move away).
  static std::string balancer_state(const std::string& state);

  /// The state cluster `cluster`'s balancers are told for `node` of their
  /// pool: "draining" when it serves elsewhere or is still moving in, else
  /// balancer_state of the operator's or the rule's state.
  std::string balancer_state_of(const std::string& node,
                                const std::string& cluster) const;

  /// Every enabled cluster's status merged from the balancers' reports,
  /// each listing only its own nodes.
  std::vector<cluster_status>
  merged_status(const std::vector<std::optional<balancer_status>>& rs) const;

  /// Lists the nodes no balancer reported as "unknown" (cluster_table::
  /// add_unreported), with the capacity and weight an operator or the
  /// topology gave them.
  void add_unreported(std::vector<cluster_status>& out) const;

  /// The clusters that take part in node moves, from `merged`.
  std::vector<pool_cluster>
  pool_figures(const std::vector<cluster_status>& merged) const;

  /// The moving nodes whose drain is over in `merged` (no session left in
  /// the cluster they leave, or failed there, or no longer reported).
  std::vector<std::string>
  drained(const std::vector<cluster_status>& merged) const;

  /// The elastic rule's decision for each enabled cluster with no change
  /// pending, from the balancers' reports (`now_ms`: a steady clock).
  std::vector<std::pair<std::string, elastic_decision>>
  elastic_decisions(const std::vector<std::optional<balancer_status>>& rs,
                    int64_t now_ms);
};

/// Carries out the elastic rule's decisions after a status report
/// (elastic_actions.cpp): a wake or a release is stored, then applied
/// (balancers told, logged); a command is started.
void elastic_round(
  cluster_manager_actor::stateful_pointer<cluster_manager_state> self,
  store_actor store, const std::vector<std::optional<balancer_status>>& rs);

/// Carries out node moves after a status report (elastic_actions.cpp): a
/// moving node whose drain is over joins its new cluster's balancers; else
/// a move the rule decides is stored, then started (the node drains out of
/// its cluster).
void moves_round(
  cluster_manager_actor::stateful_pointer<cluster_manager_state> self,
  store_actor store, const std::vector<std::optional<balancer_status>>& rs);

/// An operator's change to a node's state, capacity and weight
/// (node_change_flow.cpp): checked, stored, applied, sent to the balancers.
caf::result<node_status>
change_node(cluster_manager_actor::stateful_pointer<cluster_manager_state> self,
            store_actor store, const node_change& ch);

/// Tells a balancer an operator's capacity and weight of a node.
void send_tuning(
  cluster_manager_actor::stateful_pointer<cluster_manager_state> self,
  const cluster_balancer_actor& balancer, const std::string& node,
  const cluster_admin::tuning& t);

cluster_manager_actor::behavior_type cluster_manager(
  cluster_manager_actor::stateful_pointer<cluster_manager_state> self,
  config::topology topo, std::vector<terminal_record> terminals,
  store_actor store, storage::admin_settings admin);

} // namespace tether
