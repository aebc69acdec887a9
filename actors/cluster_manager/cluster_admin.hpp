// cluster_admin: the operator's run-time changes (admin API) to clusters and
// nodes. A change is validated here, stored by the cluster manager (meta
// column family) and only then applied; the stored changes are applied at
// start over the topology's values. Plain C++, owned by the cluster manager.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <caf/expected.hpp>

#include "actors/cluster_manager/cluster_table.hpp"
#include "actors/system/interfaces.hpp"

namespace tether {

class cluster_admin {
public:
  /// Nodes an operator set to a state other than "active".
  std::unordered_map<std::string, std::string> node_states;

  /// A node moved to another cluster (move_rule.hpp) is stored as the
  /// node state "<node>#cluster" = the cluster ('#' is never in an id):
  /// the key of `node`'s placement, and the node a stored key names.
  static constexpr std::string_view placement_suffix = "#cluster";
  static std::string placement_key(const std::string& node);
  static std::optional<std::string> moved_node(const std::string& key);

  /// A node's capacity and weight set by an operator (PUT /v1/admin/nodes),
  /// stored as the node state "<node>#tuning" = "<capacity>,<weight>" and
  /// applied over the topology's node_capacity / node_weights.
  struct tuning {
    uint32_t capacity = 1;
    uint32_t weight = 1;
  };
  static constexpr std::string_view tuning_suffix = "#tuning";
  static std::string tuning_key(const std::string& node);
  static std::optional<std::string> tuned_node(const std::string& key);
  static std::string encode(const tuning& t);
  static std::optional<tuning> decode(const std::string& value);

  /// The node's capacity and weight now (its own cluster's values).
  static tuning tuning_of(const cluster_table& clusters,
                          const std::string& node);

  /// The capacity and weight a change leads to (what it leaves out stays),
  /// or none when it sets neither. Errors: not_found for a node that is not
  /// in the topology, bad_request for a value that cannot be.
  static caf::expected<std::optional<tuning>>
  tuning_for(const cluster_table& clusters, const node_change& ch);

  /// Applies a node's capacity and weight (after they are stored) to every
  /// cluster that holds the node in its pool, and keeps them in `tuned`.
  void apply_tuning(cluster_table& clusters, const std::string& node,
                    const tuning& t);

  /// The nodes an operator set a capacity or weight of (stored or live):
  /// a balancer that (re)joins is told these.
  std::map<std::string, tuning> tuned;

  /// Applies stored admin changes over the topology's values (at start),
  /// stored node moves included (when the topology still allows them).
  void apply_stored(cluster_table& clusters,
                    const storage::admin_settings& admin);

  /// The settings a change leads to. Errors: not_found for a cluster that
  /// is not in the topology, bad_request for a value that cannot be.
  static caf::expected<cluster_settings>
  settings_for(const cluster_table& clusters, const cluster_change& ch);

  /// Applies settings (after they are stored); enables a declared cluster.
  static void apply(cluster_table& clusters, const cluster_settings& s);

  /// Checks a node state change. Errors: not_found for a node that is not
  /// in the topology, bad_request for a state other than active/draining.
  static caf::error check_node(cluster_table& clusters, const std::string& node,
                               const std::string& state);

  /// Records a node's state (after it is stored).
  void set_node_state(const std::string& node, const std::string& state);

  /// The operator's state of a node ("active" unless set).
  std::string node_state(const std::string& node_id) const;
};

} // namespace tether
