// The cluster manager carries out the elastic rule's decisions
// (elastic_rule.hpp): a standby node woken into its cluster or returned to
// standby is stored first (the meta column family, as an operator's node
// state: it survives a control restart), then applied: the cluster's
// balancers are told (a standby node is "draining" to them, so its sessions
// move away gently and it takes no new ones), and the change is logged. The
// command runs on a thread of its own (autoscale_command.hpp).
//
// A node move (move_rule.hpp) is stored first too (the node state
// "<node>#cluster", cluster_admin.hpp), then the node drains out of the
// cluster it leaves (its balancers are told "draining"); once no session of
// it is left there, the new cluster's balancers are told it is active.
// Every step is logged.
#include <chrono>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <fmt/format.h>

#include "actors/cluster_manager/autoscale_command.hpp"
#include "actors/cluster_manager/cluster_manager.hpp"
#include "actors/system/log.hpp"

namespace tether {

namespace {

using self_ptr = cluster_manager_actor::stateful_pointer<cluster_manager_state>;

int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

/// Stores `node`'s new state, then applies it; a refused write is logged
/// and tried again by a later decision.
void change_node(self_ptr self, store_actor store, std::string cluster,
                 elastic_decision d) {
  auto state = d.step == elastic_step::wake ? "active" : "standby";
  self->state.elastic_pending.insert(cluster);
  self
    ->request(store, self->state.request_timeout, put_atom::value,
              node_atom::value, d.node, std::string{state})
    .then(
      [self, cluster, d, state](ok_atom) {
        auto& st = self->state;
        st.elastic_pending.erase(cluster);
        st.admin.set_node_state(d.node, state);
        if (auto* c = st.clusters.find(cluster)) {
          if (d.step == elastic_step::wake)
            c->open_nodes = true; // until its balancers report otherwise
          for (const auto& b : c->balancers)
            self->send(b.handle, put_atom::value, node_atom::value, d.node,
                       cluster_manager_state::balancer_state(state));
        }
        logger("cluster_manager")
          ->info("node {} of {} {}: {}", d.node, cluster,
                 d.step == elastic_step::wake ? "woken from standby"
                                              : "returned to standby",
                 d.reason);
      },
      [self, cluster, d](caf::error& err) {
        self->state.elastic_pending.erase(cluster);
        logger("cluster_manager")
          ->error("node {} of {} not changed: the change could not be "
                  "stored: {}",
                  d.node, cluster, caf::to_string(err));
      });
}

/// Starts the [autoscale] command for `cluster`: the operator's argv, then
/// the cluster id, the reason and the figures, each its own argument.
void run_command(self_ptr self, const std::string& cluster,
                 const elastic_decision& d, uint64_t sessions, size_t nodes) {
  auto& st = self->state;
  auto argv = st.autoscale_command;
  argv.push_back(cluster);
  argv.push_back("scale_out");
  argv.push_back(fmt::format("sessions={}", sessions));
  argv.push_back(fmt::format("nodes={}", nodes));
  argv.push_back(fmt::format("cpu={:.2f}", d.cpu));
  logger("cluster_manager")
    ->warn("cluster {}: no standby node left, running the autoscale "
           "command: {}",
           cluster, d.reason);
  start_autoscale_command(std::move(argv), st.autoscale_timeout,
                          "autoscale command for " + cluster);
}

/// Tells `cluster`'s balancers the state of `node` they are to use now.
void tell_balancers(self_ptr self, const std::string& cluster,
                    const std::string& node) {
  auto& st = self->state;
  if (auto* c = st.clusters.find(cluster))
    for (const auto& b : c->balancers)
      self->send(b.handle, put_atom::value, node_atom::value, node,
                 st.balancer_state_of(node, cluster));
}

/// Stores a decided move, then starts it: the node drains out of the
/// cluster it leaves.
void start_move(self_ptr self, store_actor store, node_move m) {
  auto& st = self->state;
  st.move_pending = true;
  self
    ->request(store, st.request_timeout, put_atom::value, node_atom::value,
              cluster_admin::placement_key(m.node), m.to)
    .then(
      [self, m](ok_atom) {
        auto& st = self->state;
        st.move_pending = false;
        st.clusters.placed[m.node] = m.to;
        st.clusters.leaving[m.node] = m.from;
        tell_balancers(self, m.from, m.node);
        logger("cluster_manager")
          ->info("node {} moves from {} to {}, drained first: {}", m.node,
                 m.from, m.to, m.reason);
      },
      [self, m](caf::error& err) {
        self->state.move_pending = false;
        logger("cluster_manager")
          ->error("node {} not moved from {} to {}: the move could not be "
                  "stored: {}",
                  m.node, m.from, m.to, caf::to_string(err));
      });
}

/// A moving node whose drain is over joins its new cluster.
void finish_move(self_ptr self, const std::string& node) {
  auto& clusters = self->state.clusters;
  auto from = clusters.leaving[node];
  clusters.leaving.erase(node);
  auto to = clusters.placed[node];
  tell_balancers(self, to, node);
  logger("cluster_manager")
    ->info("node {} moved from {} to {}: drained, it takes sessions of {} "
           "now",
           node, from, to, to);
}

} // namespace

void moves_round(self_ptr self, store_actor store,
                 const std::vector<std::optional<balancer_status>>& rs) {
  auto& st = self->state;
  if (st.move_pending)
    return;
  auto merged = st.merged_status(rs);
  for (const auto& node : st.drained(merged))
    finish_move(self, node);
  if (!st.clusters.leaving.empty())
    return;
  auto m = st.moves.decide(st.pool_figures(merged), steady_now_ms());
  if (!m.node.empty())
    start_move(self, std::move(store), std::move(m));
}

void elastic_round(self_ptr self, store_actor store,
                   const std::vector<std::optional<balancer_status>>& rs) {
  for (auto& [cluster, d] :
       self->state.elastic_decisions(rs, steady_now_ms())) {
    if (d.step == elastic_step::command)
      run_command(self, cluster, d, d.sessions, d.nodes);
    else
      change_node(self, store, cluster, std::move(d));
  }
}

} // namespace tether
