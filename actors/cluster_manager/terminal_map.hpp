// terminal_map: which cluster each registered terminal is mapped to (as
// stored), and the assignment counts that mapping implies on the clusters.
// Plain C++, owned by the cluster manager (cluster_manager.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/expected.hpp>

#include "actors/cluster_manager/cluster_table.hpp"

namespace tether {

class terminal_map {
public:
  /// The terminal's cluster, or empty if it is not mapped.
  std::string current(const std::string& terminal_id) const;

  /// The terminal's cluster; not_found if it is not registered.
  caf::expected<std::string> lookup(const std::string& terminal_id) const;

  /// Records an assignment in memory (after it is stored): the old
  /// cluster's count goes down, the new one's up (its expected connection
  /// was counted when the cluster was chosen: cluster_manager_state::
  /// reserve).
  void assign(cluster_table& clusters, const std::string& terminal_id,
              const std::string& cluster_id);

  /// A retired terminal (DELETE /v1/terminals/{id}): its mapping goes and
  /// its cluster's count of assigned terminals goes down. True when it was
  /// mapped.
  bool forget(cluster_table& clusters, const std::string& terminal_id);

  size_t size() const { return cluster_of_.size(); }

  /// Distinct cluster ids ever mapped (tests).
  size_t cluster_ids() const { return ids_.size(); }

private:
  /// The index of `cluster_id` in ids_, added at its first use.
  uint32_t index_of(const std::string& cluster_id);

  /// Each terminal's cluster as an index into ids_: a handful of ids shared
  /// by millions of terminals, each entry 56 bytes (issue 12), and owned by
  /// this map alone (no process-wide pool, lock or shared count: the
  /// cluster manager's admissions and assignments touch nothing another
  /// thread touches). Ids are never removed (a cluster id is a few bytes,
  /// and the topology names few).
  std::unordered_map<std::string, uint32_t> cluster_of_;
  std::vector<std::string> ids_;
};

} // namespace tether
