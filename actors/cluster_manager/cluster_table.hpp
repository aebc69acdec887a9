// cluster_table: the cluster manager's clusters (from the topology, enabled
// or only declared) with their live balancers and their last reported load.
// Plain C++, no actor: the cluster manager owns one (cluster_manager.hpp)
// and its tests build one by hand (tests/actors/cluster_manager/).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor_addr.hpp>

#include "actors/system/interfaces.hpp"
#include "config/topology.hpp"

namespace tether {

struct cluster_entry {
  config::cluster_config cfg;
  std::string state = "active";
  std::vector<balancer_info> balancers; // live (joined, not down)
  uint32_t connections = 0;             // last reported plus chosen since
  /// Raised by every report that replaces `connections` (from 1): a count
  /// reserved in an earlier round is in the report, or gone with it.
  uint64_t round = 1;
  uint64_t assigned = 0;  // terminals mapped here
  bool enabled = true;    // false: declared, not yet added
  double cpu = 0;         // mean over its live nodes (last report)
  uint64_t memory = 0;    // mean resident bytes of its live nodes
  double cpu_util = 0;    // mean utilisation of its live nodes (0-1)
  double memory_util = 0; // (node_status::cpu_util, memory_util)
  /// Balancers that joined and went down: listed last in destinations
  /// until they join again (balancer health).
  std::vector<balancer_info> down;
  /// The nodes its balancers hold: its own, and with node moves those of
  /// the other clusters that take part (config::nodes_reachable_by).
  std::vector<std::string> pool_nodes;

  /// A node of its pool takes new sessions (active, not failed), as its
  /// balancers last reported; true until they report, and again when a
  /// balancer joins or a node is made active. Without one its balancers
  /// would turn every new device away ("no node available").
  bool open_nodes = true;

  /// Takes new terminals: active with a weight (its labels aside).
  bool usable() const { return state == "active" && cfg.weight > 0; }

  /// Can take a new terminal now: a live balancer and a node that is open
  /// (a terminal of the cluster that registers again stays with a live
  /// balancer alone: a node restarting must not move it for good).
  bool reachable() const { return !balancers.empty() && open_nodes; }
};

/// A balancer the table forgot because its actor went down.
struct gone_balancer {
  std::string balancer_id;
  std::string cluster_id;
};

class cluster_table {
public:
  std::vector<cluster_entry> entries;

  cluster_entry& operator[](size_t i) { return entries[i]; }
  const cluster_entry& operator[](size_t i) const { return entries[i]; }
  size_t size() const { return entries.size(); }

  /// Node moves (move_rule.hpp): the cluster a moved node serves in (as
  /// stored), and the cluster a moving node still drains out of (until its
  /// sessions there are gone).
  std::map<std::string, std::string> placed;
  std::map<std::string, std::string> leaving;

  cluster_entry* find(const std::string& id);
  const cluster_entry* find(const std::string& id) const;

  /// The cluster a node serves in (enabled or not): where it was moved,
  /// else the one the topology declares it in; nullptr for an unknown node.
  cluster_entry* of_node(const std::string& node_id);

  /// The id of the cluster whose status lists a node: the one it drains
  /// out of while it moves, else the one it serves in ("" if unknown).
  std::string listed_in(const std::string& node_id) const;

  /// Whether `cluster`'s status lists `node_id`: listed_in it, or declared
  /// by no cluster (kept where it was reported).
  bool lists(const std::string& cluster, const std::string& node_id) const;

  /// Drops from each cluster's status the nodes it does not list (its
  /// balancers report every node of their pool).
  void keep_listed(std::vector<cluster_status>& out) const;

  /// Adds to each cluster's status the nodes it lists that no balancer
  /// reported (its balancers down or slow), in the state "unknown": they
  /// stay in sight, without figures.
  void add_unreported(std::vector<cluster_status>& out) const;

  /// Records a balancer that (re)joined its cluster, replacing an older
  /// entry with the same balancer id. Returns its cluster, or nullptr for an
  /// unknown cluster (nothing recorded).
  cluster_entry* join(balancer_info info);

  /// Moves the balancers whose actor is `source` to their cluster's `down`
  /// list; returns them.
  std::vector<gone_balancer> drop(const caf::actor_addr& source);

  /// Takes the balancers' reports: connections, whether a node is open
  /// (note_open), and each cluster's mean CPU and memory over its live
  /// (not failed) nodes.
  void take_reports(const std::vector<std::optional<balancer_status>>& rs);

  /// Whether each cluster has an open node, from balancer reports (the
  /// periodic ones and those an operator's GET asks for): one of its
  /// balancers reports one of its nodes active. A cluster none of whose
  /// balancers answered keeps what it had.
  void note_open(const std::vector<std::optional<balancer_status>>& rs);

  /// The status of every enabled cluster, without live connections or nodes.
  std::vector<cluster_status> status() const;
  static cluster_status status_of(const cluster_entry& c);
};

/// The URLs of a cluster's balancers in the order a terminal should try
/// them: the same first choice for a terminal every time, spread evenly
/// over the balancers across terminals, and the devices of any one balancer
/// spread evenly over the others for failover (url_order.hpp).
std::vector<std::string>
balancer_urls_for(const std::string& terminal_id,
                  const std::vector<balancer_info>& balancers);

/// A cluster's URLs for a terminal: its live balancers as
/// balancer_urls_for orders them, then those that are down (by id), last
/// until they are back.
std::vector<std::string> cluster_urls_for(const std::string& terminal_id,
                                          const cluster_entry& c);

/// Merges the balancers' live reports into the clusters' status: their
/// connections add up; each node shows once, with the largest session count
/// seen, and failed if any balancer has lost it.
void merge_reports(std::vector<cluster_status>& out,
                   const std::vector<std::optional<balancer_status>>& rs);

} // namespace tether
