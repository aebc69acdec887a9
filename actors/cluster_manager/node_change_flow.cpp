// The operator's change to one node (PUT /v1/admin/nodes/{id}): its state,
// its capacity and its weight. Everything is checked first (nothing is
// stored for a bad value); the capacity and weight are stored as one record
// ("<node>#tuning", cluster_admin.hpp), then applied and sent to every
// balancer that holds the node; then the state, if the change names one, is
// stored and applied the same way. A balancer that joins later is told the
// stored values (cluster_manager.cpp, join).
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/cluster_manager/cluster_manager.hpp"
#include "actors/system/log.hpp"
#include "actors/system/store_then.hpp"

namespace tether {

namespace {

using self_ptr = cluster_manager_actor::stateful_pointer<cluster_manager_state>;

/// The node as the change's answer shows it.
node_status node_now(self_ptr self, const std::string& node) {
  auto t = cluster_admin::tuning_of(self->state.clusters, node);
  node_status out{node, self->state.admin.node_state(node)};
  out.capacity = t.capacity;
  out.weight = t.weight;
  return out;
}

/// Stores and applies the state part of `ch` (if any), then answers.
void change_state(self_ptr self, store_actor store,
                  caf::typed_response_promise<node_status> rp,
                  const node_change& ch) {
  if (ch.state.empty()) {
    rp.deliver(node_now(self, ch.node_id));
    return;
  }
  store_then(
    self, store, rp, "the change",
    [self, node = ch.node_id, state = ch.state](auto& rp) mutable {
      auto& st = self->state;
      st.admin.set_node_state(node, state);
      auto* c = st.clusters.of_node(node);
      if (state == "active")
        c->open_nodes = true; // until its balancers report otherwise
      for (const auto& b : c->balancers)
        self->send(b.handle, put_atom::value, node_atom::value, node, state);
      logger("cluster_manager")
        ->info("node {} of {} is {} (admin)", node, c->cfg.id, state);
      rp.deliver(node_now(self, node));
    },
    nothing_to_undo, put_atom::value, node_atom::value, ch.node_id, ch.state);
}

} // namespace

void send_tuning(self_ptr self, const cluster_balancer_actor& balancer,
                 const std::string& node, const cluster_admin::tuning& t) {
  self->send(balancer, put_atom::value, node_atom::value, node, t.capacity,
             t.weight);
}

caf::result<node_status> change_node(self_ptr self, store_actor store,
                                     const node_change& ch) {
  auto tuning = cluster_admin::tuning_for(self->state.clusters, ch);
  if (!tuning)
    return std::move(tuning.error());
  auto rp = self->make_response_promise<node_status>();
  if (!*tuning) {
    change_state(self, store, rp, ch);
    return rp;
  }
  store_then(
    self, store, rp, "the change",
    [self, store, ch, t = **tuning](auto& rp) mutable {
      auto& st = self->state;
      st.admin.apply_tuning(st.clusters, ch.node_id, t);
      for (const auto& c : st.clusters.entries)
        if (c.cfg.node_capacity.count(ch.node_id) > 0)
          for (const auto& b : c.balancers)
            send_tuning(self, b.handle, ch.node_id, t);
      logger("cluster_manager")
        ->info("node {}: capacity {}, weight {} (admin)", ch.node_id,
               t.capacity, t.weight);
      change_state(self, store, rp, ch);
    },
    nothing_to_undo, put_atom::value, node_atom::value,
    cluster_admin::tuning_key(ch.node_id), cluster_admin::encode(**tuning));
  return rp;
}

} // namespace tether
