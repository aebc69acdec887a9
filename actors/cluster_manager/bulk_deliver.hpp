// A bulk push's jobs handed to the balancers in one message (issue 12 item
// 4): the control asks the cluster manager once per bulk instead of once per
// job, and the manager asks each balancer of a cluster once for all of that
// cluster's jobs. The answer has one character per job, in the jobs' order:
// `handed` where a balancer handed the job to the terminal's session (or
// holds it for the session that is starting), `queued` otherwise (the
// terminal is not connected or not known: it gets the job when it connects),
// as the single deliver's true and false.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <caf/make_message.hpp>
#include <caf/result.hpp>

#include "actors/cluster_manager/cluster_manager.hpp"

namespace tether::bulk_delivery {

inline constexpr char handed = '1';
inline constexpr char queued = '0';

/// The jobs of one cluster: where they stand in the bulk, and the jobs.
struct cluster_group {
  const cluster_entry* cluster = nullptr;
  std::vector<size_t> positions;
  std::vector<job_record> jobs;
};

/// Groups the jobs by the cluster their terminal is mapped to; jobs of
/// terminals with no cluster, or whose cluster has no live balancer, are in
/// no group (they stay `queued`).
std::vector<cluster_group> group(const cluster_manager_state& st,
                                 std::vector<job_record> jobs);

/// Marks `handed` in `out` the jobs of `g` any balancer answered `handed`
/// for (one answer per balancer; none for one that failed or timed out).
void merge(std::string& out, const cluster_group& g,
           const std::vector<std::optional<std::string>>& answers);

} // namespace tether::bulk_delivery

namespace tether {

/// The cluster manager's bulk deliver: one fan-out per cluster of the bulk.
caf::result<std::string> deliver_bulk(
  cluster_manager_actor::stateful_pointer<cluster_manager_state> self,
  std::vector<job_record> jobs);

} // namespace tether
