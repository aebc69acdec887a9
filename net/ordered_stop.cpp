#include "net/ordered_stop.hpp"

#include <thread>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

namespace tether::net {

namespace {

using clock = std::chrono::steady_clock;

std::chrono::milliseconds left(clock::time_point deadline) {
  auto d = std::chrono::duration_cast<std::chrono::milliseconds>(
    deadline - clock::now());
  return std::max(d, std::chrono::milliseconds{1});
}

/// Tells the balancers to exit and waits for their down messages.
size_t end_balancers(caf::scoped_actor& self,
                     const std::vector<cluster_balancer_actor>& balancers,
                     clock::time_point deadline) {
  size_t waiting = 0;
  for (const auto& b : balancers) {
    if (!b)
      continue;
    self->monitor(b);
    caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
    ++waiting;
  }
  size_t ended = 0;
  bool timed_out = false;
  while (ended < waiting && !timed_out)
    self->receive([&](const caf::down_msg&) { ++ended; },
                  caf::after(left(deadline)) >> [&] { timed_out = true; });
  return ended;
}

/// The sessions the nodes still hold (a node that does not answer counts
/// as holding none: its sessions cannot be waited for).
uint32_t sessions_on(caf::scoped_actor& self,
                     const std::vector<node_actor>& nodes,
                     clock::time_point deadline) {
  uint32_t n = 0;
  for (const auto& node : nodes) {
    if (!node)
      continue;
    self->request(node, left(deadline), status_atom::value)
      .receive([&](const node_status& s) { n += s.sessions; },
               [](const caf::error&) {});
  }
  return n;
}

/// Waits (polling) until the nodes hold no session, or their count stays
/// the same for `settle` (the rest belong to balancers of other processes,
/// which keep them); returns how many were left.
uint32_t wait_for_sessions(caf::scoped_actor& self,
                           const std::vector<node_actor>& nodes,
                           clock::time_point deadline) {
  constexpr auto settle = std::chrono::milliseconds{100};
  auto n = sessions_on(self, nodes, deadline);
  auto changed = clock::now();
  while (n > 0 && clock::now() < deadline && clock::now() - changed < settle) {
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
    auto m = sessions_on(self, nodes, deadline);
    if (m != n)
      changed = clock::now();
    n = m;
  }
  return n;
}

/// The control hands its pending records to the store; the store's answer
/// to any request after that comes after it took them (they were in its
/// mailbox first): a metrics read, which changes nothing.
bool hand_over_history(caf::scoped_actor& self, const stopping_roles& roles,
                       clock::time_point deadline) {
  if (!roles.control || !roles.store)
    return false;
  bool ok = false;
  self->request(roles.control, left(deadline), flush_atom::value)
    .receive([&](ok_atom) { ok = true; }, [](const caf::error&) {});
  if (!ok)
    return false;
  ok = false;
  self
    ->request(roles.store, left(deadline), get_atom::value, metrics_atom::value)
    .receive([&](const std::vector<metric_series>&) { ok = true; },
             [](const caf::error&) {});
  return ok;
}

} // namespace

stop_outcome stop_in_order(caf::actor_system& sys, const stopping_roles& roles,
                           std::chrono::milliseconds budget) {
  auto deadline = clock::now() + budget;
  caf::scoped_actor self{sys};
  stop_outcome out;
  out.balancers_ended = end_balancers(self, roles.balancers, deadline);
  if (out.balancers_ended > 0) // their sessions end now
    out.sessions_left = wait_for_sessions(self, roles.nodes, deadline);
  out.history_handed_over = hand_over_history(self, roles, deadline);
  return out;
}

} // namespace tether::net
