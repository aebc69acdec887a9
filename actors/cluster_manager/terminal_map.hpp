// terminal_map: which cluster each registered terminal is mapped to (as
// stored), and the assignment counts that mapping implies on the clusters.
// Plain C++, owned by the cluster manager (cluster_manager.hpp).
#pragma once

#include <string>
#include <unordered_map>

#include <caf/expected.hpp>

#include "actors/cluster_manager/cluster_table.hpp"
#include "actors/system/interned.hpp"

namespace tether {

class terminal_map {
public:
  /// Each terminal's cluster id, interned: a handful of ids shared by
  /// millions of terminals (issue 12: 56 bytes an entry, not 80).
  std::unordered_map<std::string, interned> cluster_of;

  /// The terminal's cluster, or empty if it is not mapped.
  std::string current(const std::string& terminal_id) const;

  /// The terminal's cluster; not_found if it is not registered.
  caf::expected<std::string> lookup(const std::string& terminal_id) const;

  /// Records an assignment in memory (after it is stored): the old
  /// cluster's count goes down, the new one's (and its expected
  /// connections, until the next report) up.
  void assign(cluster_table& clusters, const std::string& terminal_id,
              const std::string& cluster_id);

  /// A retired terminal (DELETE /v1/terminals/{id}): its mapping goes and
  /// its cluster's count of assigned terminals goes down. True when it was
  /// mapped.
  bool forget(cluster_table& clusters, const std::string& terminal_id);

  size_t size() const { return cluster_of.size(); }
};

} // namespace tether
