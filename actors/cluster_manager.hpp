// cluster_manager: owns the cluster labels and the cluster–terminal map
// (persisted through the store actor before any answer), picks a terminal's
// cluster among the candidates its label allows, routes pushes to the
// balancers of the terminal's cluster, and collects cluster status.
//
// Balancers announce themselves with `join`; a cluster without a known
// balancer cannot take terminals. Connection counts for the "fewest
// connections" strategy are refreshed from the balancers every second and
// raised by each assignment in between.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/interfaces.hpp"
#include "actors/placement.hpp"
#include "config/topology.hpp"

namespace tether {

struct cluster_manager_state {
  static inline const char* name = "cluster_manager";

  struct cluster_entry {
    config::cluster_config cfg;
    std::string state = "active";
    std::vector<balancer_info> balancers;
    uint32_t connections = 0;  // last reported plus assigned since
    uint64_t assigned = 0;     // terminals mapped here
  };

  std::vector<cluster_entry> clusters;
  std::unordered_map<std::string, std::string> terminal_cluster;
  cluster_strategy strategy = cluster_strategy::fewest_connections;
  uint64_t rr_cursor = 0;
  uint32_t keepalive_s = 30;
  std::chrono::milliseconds request_timeout{5'000};
  std::chrono::milliseconds status_period{1'000};

  cluster_entry* find(const std::string& id);

  /// The cluster for a terminal with `label`: its current cluster if that
  /// still matches and is active, else the strategy's choice among the
  /// matching clusters. Returns nothing (and says why) when none can.
  std::optional<size_t> choose(const assigned_label& label,
                               const std::string& current, std::string& why);

  /// The destination answer for a terminal in a cluster.
  destination destination_for(const std::string& terminal_id,
                              const cluster_entry& c) const;

  /// Records an assignment in memory (after it is stored).
  void assign(const std::string& terminal_id, const std::string& cluster_id);

  std::vector<cluster_status> status() const;
};

cluster_manager_actor::behavior_type cluster_manager(
  cluster_manager_actor::stateful_pointer<cluster_manager_state> self,
  config::topology topo, std::vector<terminal_record> terminals,
  store_actor store);

} // namespace tether
