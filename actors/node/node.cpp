#include "actors/node/node.hpp"

#include <cstdio>
#include <cstring>
#include <unistd.h>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/system/log.hpp"
#include "actors/terminal_session/terminal_session.hpp"

namespace tether {

node_status node_state::status() {
  measured = process_load().at(now_ms());
  return report();
}

node_status node_state::report() const {
  node_status out{node_id,      "active",
                  sessions,     measured.load.cores,
                  measured.rss, session_actors.value()};
  out.cpu_util = measured.load.cpu;
  out.memory_util = measured.load.memory;
  out.host_cpu_util = measured.load.host_cpu;
  out.host_memory_util = measured.load.host_memory;
  return out;
}

namespace {

using self_ptr = node_actor::stateful_pointer<node_state>;

/// Milliseconds of the actor system's clock (the test coordinator's in
/// deterministic tests).
int64_t clock_ms(self_ptr self) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           self->clock().now().time_since_epoch())
    .count();
}

/// Sends the balancers a load report if the sessions moved by a step (the
/// CPU of the last periodic measure counts too).
void report_if_moved(self_ptr self) {
  auto& st = self->state;
  if (!st.reports.due(st.sessions, st.measured.load.cores))
    return;
  st.reports.sent(st.sessions, st.measured.load.cores);
  auto now = st.report();
  for (const auto& b : st.reports.balancers())
    self->send(b, status_atom::value, now);
}

/// A balancer's periodic request: the answer is a report; a CPU that moved
/// by a step is also sent to the other balancers.
node_status periodic_status(self_ptr self) {
  auto& st = self->state;
  auto out = st.status();
  report_if_moved(self);
  return out;
}

/// Makes sure a tick timer is pending for the next session that is due.
void arm(self_ptr self) {
  auto& st = self->state;
  auto due = st.keepalive.next_due();
  if (!due || (st.tick_at && *st.tick_at <= *due))
    return;
  st.tick_at = *due;
  auto wait = std::max<int64_t>(0, *due - clock_ms(self));
  self->delayed_send(caf::actor_cast<node_actor>(self),
                     std::chrono::milliseconds{wait}, tick_atom::value, *due);
}

/// The timer due at `due` fired: every session due gets its tick.
void on_tick(self_ptr self, int64_t due) {
  auto& st = self->state;
  if (st.tick_at != due)
    return; // superseded by an earlier timer, which re-armed
  st.tick_at.reset();
  auto is_live = [&](caf::actor_id id) {
    return st.live.find(id) != nullptr;
  };
  for (auto id : st.keepalive.take_due(clock_ms(self), is_live))
    self->send(*st.live.find(id), tick_atom::value, uint64_t{0});
  arm(self);
}

/// Starts one session (the caller sends the load report).
terminal_session_actor start_session(self_ptr self, session_spec& spec) {
  auto& st = self->state;
  auto period = static_cast<int64_t>(spec.keepalive_ms);
  auto balancer = spec.balancer.address();
  if (spec.balancer && st.reports.add_balancer(spec.balancer))
    self->monitor(spec.balancer); // see on_balancer_down
  auto session = self->spawn<terminal_session_impl>(
    std::move(spec), st.shared_id, st.control, st.session_actors.track());
  // Monitored, not linked, so that its end reaches the node as a down message
  // (which counts it) without an entry in the node's own attachables; it
  // still ends with its node (a node that goes away takes its sessions along,
  // and the balancer starts them again elsewhere): see live_sessions.hpp.
  self->monitor(session);
  st.live.add(session, balancer);
  st.keepalive.add(session.id(), clock_ms(self), period);
  ++st.sessions;
  arm(self);
  return session;
}

terminal_session_actor spawn_session(self_ptr self, session_spec& spec) {
  auto session = start_session(self, spec);
  report_if_moved(self);
  return session;
}

/// Re-homing: the sessions of a batch (rehome_batch.hpp), one per spec and
/// in order, with one load report for all. The batched ones are announced
/// to the control here, in one message, before the answer goes to the
/// balancer: nothing the balancer or the control makes such a session
/// send can reach the control ahead of its announcement (one connection
/// carries both, in order).
std::vector<terminal_session_actor>
spawn_sessions(self_ptr self, std::vector<session_spec>& specs) {
  auto& st = self->state;
  std::vector<terminal_session_actor> out;
  std::vector<session_moved> moved;
  out.reserve(specs.size());
  for (auto& spec : specs) {
    auto announce = spec.batched;
    if (announce)
      moved.push_back(moved_of(spec, st.node_id, {}));
    out.push_back(start_session(self, spec));
    if (announce)
      moved.back().session = out.back();
  }
  if (!moved.empty() && st.control)
    self->send(st.control, move_atom::value, std::move(moved));
  report_if_moved(self);
  return out;
}

/// A monitored session ended: it is forgotten (its monitor went with it;
/// its keepalive place is dropped when it comes up).
void on_session_exit(self_ptr self, const caf::actor_addr& source) {
  auto& st = self->state;
  if (st.live.remove(source) && st.sessions > 0)
    --st.sessions;
  report_if_moved(self);
}

/// A balancer this node's sessions relay through went away (its process
/// died or it ended): the sockets of its sessions went with it, so they end
/// (the devices reconnect elsewhere), and it gets no more load reports.
void on_balancer_down(self_ptr self, const caf::actor_addr& balancer) {
  auto& st = self->state;
  st.reports.drop_balancer(balancer);
  for (const auto& session : st.live.relaying_through(balancer))
    self->send(session, closed_atom::value,
               std::string{close_reason::balancer_gone});
}

/// The control process was reached (again, after a restart): new sessions
/// report to it, and the running ones re-announce themselves.
void on_control_reached(self_ptr self, const peer_directory& dir) {
  auto& st = self->state;
  if (!dir.control)
    return;
  st.control = dir.control;
  logger("node")->info("{}: control reachable (process {}); {} sessions "
                       "re-announce themselves",
                       st.node_id, dir.process, st.live.size());
  st.live.for_each([&](const terminal_session_actor& session) {
    self->send(session, peer_atom::value, dir);
  });
}

} // namespace

node_actor::behavior_type node(self_ptr self, std::string node_id,
                               control_actor control) {
  self->state.node_id = std::move(node_id);
  self->state.shared_id
    = std::make_shared<const std::string>(self->state.node_id);
  self->state.control = std::move(control);
  self->set_down_handler([self](const caf::down_msg& dm) {
    if (self->state.live.contains(dm.source))
      return on_session_exit(self, dm.source);
    on_balancer_down(self, dm.source);
  });
  self->set_exit_handler(
    [self](const caf::exit_msg& em) { self->quit(em.reason); });
  return {
    [self](spawn_atom, session_spec& spec) {
      return spawn_session(self, spec);
    },
    [self](spawn_atom, std::vector<session_spec>& specs) {
      return spawn_sessions(self, specs);
    },
    [self](status_atom) { return periodic_status(self); },
    [self](peer_atom, const peer_directory& dir) {
      on_control_reached(self, dir);
    },
    [self](tick_atom, int64_t due) { on_tick(self, due); },
  };
}

} // namespace tether
