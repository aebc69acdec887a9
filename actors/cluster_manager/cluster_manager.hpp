// cluster_manager: owns the cluster labels and the cluster–terminal map
// (persisted through the store actor before any answer), picks a terminal's
// cluster among the candidates its label allows, routes pushes to the
// balancers of the terminal's cluster, and collects cluster status.
//
// Balancers announce themselves with `join`; a cluster without a known
// balancer cannot take terminals. Connection counts for the "fewest
// connections" strategy are refreshed from the balancers every second and
// raised by each assignment in between.
//
// Operators change clusters and nodes at run time (admin API): a change is
// stored (meta column family) before it applies, and the stored changes are
// applied at start over the topology's values. A draining cluster takes no
// new terminals; a draining node's state goes to its cluster's balancers,
// which then choose other nodes. Re-allocation asks which terminals must
// move (`realloc`) and then moves them one by one (`move`), each move sent
// to the device as a `reassign` frame by its old cluster's balancers.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/expected.hpp>

#include "actors/policy/placement.hpp"
#include "actors/system/interfaces.hpp"
#include "config/defaults.hpp"
#include "config/topology.hpp"

namespace tether {

struct cluster_manager_state {
  static inline const char* name = "cluster_manager";

  struct cluster_entry {
    config::cluster_config cfg;
    std::string state = "active";
    std::vector<balancer_info> balancers;
    uint32_t connections = 0; // last reported plus assigned since
    uint64_t assigned = 0;    // terminals mapped here
    bool enabled = true;      // false: declared, not yet added
    double cpu = 0;           // mean over its live nodes (last report)
    uint64_t memory = 0;      // mean resident bytes of its live nodes
  };

  std::vector<cluster_entry> clusters;
  std::unordered_map<std::string, std::string> terminal_cluster;
  cluster_strategy strategy = cluster_strategy::fewest_connections;
  /// [labels.strategies]: per label item rules (see strategy_for).
  std::map<std::string, cluster_strategy> item_strategies;
  rr_cursors rr;
  uint32_t keepalive_s = 30;
  std::chrono::milliseconds request_timeout{defaults::request_timeout};
  std::chrono::milliseconds status_period{1'000};
  /// Nodes an operator set to a state other than "active".
  std::unordered_map<std::string, std::string> node_states;

  cluster_entry* find(const std::string& id);

  /// The cluster for a terminal with `label`: its current cluster if that
  /// still matches and is active, else the strategy's choice among the
  /// matching clusters. Returns nothing (and says why) when none can.
  /// `user` (the terminal's first linked user, may be empty) selects the
  /// cursor of round_robin_per_user.
  std::optional<size_t> choose(const assigned_label& label,
                               const std::string& current, std::string& why,
                               const std::string& user = {});

  /// Takes the balancers' reports: connections, and each cluster's mean
  /// CPU and memory over its live (not failed) nodes.
  void take_reports(const std::vector<std::optional<balancer_status>>& rs);

  /// The destination answer for a terminal in a cluster.
  destination destination_for(const std::string& terminal_id,
                              const cluster_entry& c) const;

  /// Records an assignment in memory (after it is stored).
  void assign(const std::string& terminal_id, const std::string& cluster_id);

  std::vector<cluster_status> status() const;
  cluster_status status_of(const cluster_entry& c) const;

  // -- admin API and re-allocation (plain logic, see cluster_manager_test) --

  /// Applies stored admin changes over the topology's values (at start).
  void apply_admin(const storage::admin_settings& admin);

  /// The settings a change leads to. Errors: not_found for a cluster that
  /// is not in the topology, bad_request for a value that cannot be.
  caf::expected<cluster_settings> settings_for(const cluster_change& ch);

  /// Applies settings (after they are stored); enables a declared cluster.
  void apply(const cluster_settings& s);

  /// The cluster a node belongs to (enabled or not), or nullptr.
  cluster_entry* cluster_of_node(const std::string& node_id);

  /// The operator's state of a node ("active" unless set).
  std::string node_state(const std::string& node_id) const;

  /// True if a terminal with `label` may stay in cluster `current`: it
  /// exists, is in service, active with a weight, and its labels match.
  bool stays(const assigned_label& label, const std::string& current);

  /// The terminals of `plan` that must change cluster: those that may not
  /// stay where they are and for which another cluster can be chosen.
  /// Errors: not_found for an unknown `plan.cluster_id`.
  caf::expected<std::vector<std::string>> must_move(const realloc_plan& plan);
};

/// The URLs of a cluster's balancers in the order a terminal should try
/// them: the same first choice for a terminal every time, spread evenly
/// over the balancers across terminals.
std::vector<std::string>
balancer_urls_for(const std::string& terminal_id,
                  const std::vector<balancer_info>& balancers);

cluster_manager_actor::behavior_type cluster_manager(
  cluster_manager_actor::stateful_pointer<cluster_manager_state> self,
  config::topology topo, std::vector<terminal_record> terminals,
  store_actor store, storage::admin_settings admin);

} // namespace tether
