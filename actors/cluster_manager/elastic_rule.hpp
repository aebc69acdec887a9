// elastic_rule: when a cluster wakes a standby node, returns one to standby,
// or runs the operator's [autoscale] command (issue 14, items 1 and 4).
// Plain C++, no actor: the cluster manager asks it once per status report
// (every second) for each cluster and carries out the answer
// (cluster_manager.cpp); tests/actors/cluster_manager/elastic_rule_test.cpp.
//
// The figure is sessions per active node: the cluster's live connections
// over its nodes in service (not standby, not draining, not failed).
//   - A node that was live and failed, or a cluster with no active node
//     left, wakes a standby node at once (no period, no cooldown).
//   - Above scale_out (strictly) for `period`: wake the first live standby
//     node; with none left, run the command (at most once per
//     `command_interval`).
//   - Below scale_in (strictly) for `period`, with a woken node to give
//     back, and the remaining nodes would not be above scale_out: return
//     the woken node with the fewest sessions to standby (ties: the first
//     by id).
//   - The same on CPU (elastic.scale_out_cpu / scale_in_cpu, the mean of
//     the active nodes' node_status::cpu, shares of one core): above either
//     scale_out counts as above; below needs every scale_in that is set
//     to be under, and the remaining nodes would not be above either
//     scale_out (CPU estimated as the same total over one node fewer).
//   - Two node changes of a cluster are at least `cooldown` apart, and a
//     change restarts both periods; scale_in < scale_out (checked by the
//     parser): together they keep a cluster from oscillating.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actors/system/messages.hpp"
#include "config/topology.hpp"

namespace tether {

struct elastic_node {
  std::string node_id;
  uint32_t sessions = 0;
};

/// One cluster at a status report, as the rule sees it.
struct elastic_figures {
  std::string cluster_id;
  uint64_t sessions = 0;            // the cluster's live connections
  std::vector<elastic_node> active; // in service and live
  std::vector<std::string> standby; // standby and live: can be woken
  std::vector<elastic_node> woken;  // declared standby, now active and live
  double cpu = 0;  // mean CPU of the active nodes (shares of one core)
  size_t lost = 0; // active nodes that were live and failed since the last
};

/// The figures of a cluster from its merged status (`s`), the operator's
/// or the rule's state of each node (`state_of`: "active", "draining",
/// "standby") and the nodes the topology declared standby. `live` holds the
/// nodes seen live at the last report: updated here, and a node that left
/// it while active counts as lost.
elastic_figures elastic_figures_of(
  const cluster_status& s,
  const std::function<std::string(const std::string&)>& state_of,
  const std::vector<std::string>& declared_standby,
  std::set<std::string>& live);

enum class elastic_step { none, wake, release, command };

struct elastic_decision {
  elastic_step step = elastic_step::none;
  std::string node;      // wake, release
  std::string reason;    // for the log and the command's arguments
  uint64_t sessions = 0; // the figures it was decided on
  size_t nodes = 0;      // active nodes
  double cpu = 0;        // their mean CPU
};

class elastic_rule {
public:
  std::chrono::milliseconds period{10'000};
  std::chrono::milliseconds cooldown{30'000};
  std::chrono::milliseconds command_interval{60'000};
  bool has_command = false;

  /// What to do for a cluster with `limits` and figures `f` at `now_ms`
  /// (a steady clock). Remembers the periods, the last change and the last
  /// command per cluster.
  elastic_decision decide(const config::cluster_elastic_config& limits,
                          const elastic_figures& f, int64_t now_ms);

private:
  struct track {
    std::optional<int64_t> above_since;
    std::optional<int64_t> below_since;
    std::optional<int64_t> last_change;
    std::optional<int64_t> last_command;
  };
  std::map<std::string, track> tracks_;

  elastic_decision step(const config::cluster_elastic_config& limits,
                        const elastic_figures& f, int64_t now_ms);
  elastic_decision changed(track& k, int64_t now_ms, elastic_step step,
                           std::string node, std::string reason);
};

} // namespace tether
