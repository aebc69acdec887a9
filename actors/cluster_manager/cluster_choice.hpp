// cluster_choice: picks a terminal's cluster among those its label allows,
// with the configured strategy (per label item rules included), and plans
// which terminals a re-allocation must move. Plain C++, owned by the cluster
// manager; placement itself is actors/policy/placement.hpp.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "actors/cluster_manager/cluster_table.hpp"
#include "actors/cluster_manager/terminal_map.hpp"
#include "actors/policy/placement.hpp"

namespace tether {

class cluster_choice {
public:
  cluster_strategy strategy = cluster_strategy::fewest_connections;
  /// [labels.strategies]: per label item rules (see strategy_for).
  std::map<std::string, cluster_strategy> item_strategies;
  /// [labels] matching: strict (S640, the default) or lenient.
  label_matching matching = label_matching::strict;
  rr_cursors rr;

  /// The cluster for a terminal with `label`: its current cluster if that
  /// still matches, is active and is of the highest label class among the
  /// usable matching clusters (label_class), else the strategy's choice
  /// among the matching clusters of the highest class. Returns nothing (and
  /// says why) when none can. `user` (the terminal's first linked user, may be
  /// empty) selects the cursor of round_robin_per_user. `full` (if set) names
  /// the cap a cluster other than `current` is at (tier caps): such a cluster
  /// is no candidate, and when none is left `why` names the cap. `terminal`
  /// (may be empty) spreads the members of a GE/GF class: such a terminal gets
  /// its own slot among the best-class clusters (rendezvous hashing).
  using full_check = std::function<std::string(const cluster_entry&)>;
  std::optional<size_t> choose(const cluster_table& clusters,
                               const assigned_label& label,
                               const std::string& current, std::string& why,
                               const std::string& user = {},
                               const full_check& full = {},
                               const std::string& terminal = {});

  /// The terminals of `plan` that must change cluster: those that may not
  /// stay where they are, or for which a cluster of a better label class
  /// is usable, and for which another cluster can be chosen. Equal classes
  /// never move a terminal (no tie-break or load moves).
  /// Planning leaves the round-robin positions as they were.
  /// Errors: not_found for an unknown `plan.cluster_id`.
  caf::expected<std::vector<std::string>>
  must_move(const cluster_table& clusters, const terminal_map& terminals,
            const realloc_plan& plan);
};

/// True if a terminal with `label` may stay in cluster `current`: it
/// exists, is in service, active with a weight, and its labels match.
bool stays(const cluster_table& clusters, const assigned_label& label,
           const std::string& current,
           label_matching how = label_matching::strict);

} // namespace tether
