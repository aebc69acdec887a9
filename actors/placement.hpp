// Placement logic, plain C++ (no actors): the selector's label computation,
// the cluster manager's candidate matching and choice, and the balancer's
// node choice. Unit-tested directly (tests/actors/placement_test.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/messages.hpp"
#include "config/topology.hpp"

namespace tether {

/// Computes the assigned label of a terminal from its facts, for the label
/// items in use. An item with no value in the facts is left out (it does not
/// restrict the choice). Items come from the record's fields (region, model,
/// firmware, the first linked user for "user") or, for any other item, from
/// its attributes of the same name (e.g. "service").
assigned_label select_label(const terminal_record& facts,
                            const std::vector<std::string>& items);

/// True if a cluster with `labels` may take a terminal with `label`: every
/// item of the label that the cluster mentions must be one of its values.
bool label_matches(const config::cluster_labels& labels,
                   const assigned_label& label);

/// What the cluster manager knows of a cluster when choosing.
struct cluster_candidate {
  std::string cluster_id;
  bool active = true;       // false: draining, takes no new terminals
  bool reachable = true;    // at least one balancer is known
  uint32_t connections = 0; // live connections (plus recent assignments)
};

enum class cluster_strategy { fewest_connections, round_robin };
std::optional<cluster_strategy> parse_cluster_strategy(const std::string& s);

/// Picks among the candidates (already filtered by label). Ties on fewest
/// connections go to the first in configuration order. `rr_cursor` is the
/// round-robin position, advanced on use. Returns the index, or nothing when
/// no candidate is active and reachable.
std::optional<size_t> choose_cluster(const std::vector<cluster_candidate>& cs,
                                     cluster_strategy strategy,
                                     uint64_t& rr_cursor);

/// Picks the node with the fewest sessions among the active ones; ties go to
/// the first. Returns nothing when no node is active.
std::optional<size_t> choose_node(const std::vector<node_status>& nodes);

} // namespace tether
