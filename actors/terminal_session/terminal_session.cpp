#include "actors/terminal_session/terminal_session.hpp"

#include <algorithm>
#include <utility>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/policy/frames.hpp"
#include "actors/system/log.hpp"

namespace tether {

void terminal_session_state::adopt(const session_spec& spec) {
  terminal_id = spec.terminal_id;
  conn_id = spec.conn_id;
  balancer = spec.balancer;
  generation = spec.generation;
  service_key = spec.service_key;
  service_names = spec.service_names;
  keepalive_misses = spec.keepalive_misses;
  redelivery_ms = spec.redelivery_ms;
}

const session_jobs& terminal_session_state::jobs() const {
  static const session_jobs none;
  return jobs_ ? *jobs_ : none;
}

session_jobs& terminal_session_state::held_jobs() {
  if (!jobs_)
    jobs_ = std::make_unique<session_jobs>();
  return *jobs_;
}

void terminal_session_state::trim_jobs() {
  if (jobs_ && jobs_->empty())
    jobs_.reset();
}

void terminal_session_state::forget(const std::string& job_id) {
  if (!jobs_)
    return;
  jobs_->unacked.erase(job_id);
}

terminal_session_state::tick_action terminal_session_state::on_tick() {
  tick_action act;
  if (awaiting_pong && ++misses >= keepalive_misses) {
    act.lost = true;
    return act;
  }
  ++ping_seq;
  awaiting_pong = true;
  act.ping = frames::ping(ping_seq);
  return act;
}

terminal_session_state::frame_action
terminal_session_state::on_frame(const std::string& text) {
  frame_action act;
  frames::device_frame f;
  bool fatal = false;
  auto problem = frames::decode(text, f, fatal);
  if (fatal) {
    act.close_reason = problem;
    return act;
  }
  if (!problem.empty()) {
    act.reply = frames::error(
      f.kind == frames::device_frame::unknown ? "unknown_type" : "bad_frame",
      problem);
    return act;
  }
  switch (f.kind) {
  case frames::device_frame::pong:
    if (f.seq == ping_seq) {
      awaiting_pong = false;
      misses = 0;
    }
    break;
  case frames::device_frame::ack:
    forget(f.job_id);
    act.update = job_update{f.job_id, terminal_id, "acked", {}};
    break;
  case frames::device_frame::result:
    forget(f.job_id);
    // A print job done without a page count counts one page (GB).
    act.update = job_update{f.job_id, terminal_id, f.status, f.detail,
                            f.pages.value_or(1)};
    break;
  case frames::device_frame::unknown:
    break;
  }
  trim_jobs();
  return act;
}

void terminal_session_state::hold(session_jobs& js, const job_record& job) {
  if (job.job_id <= js.backlog_newest) {
    auto held = std::find_if(
      js.backlog.begin(), js.backlog.end(),
      [&](const job_record& j) { return j.job_id == job.job_id; });
    if (held != js.backlog.end())
      return; // held already
  } else {
    js.backlog_newest = job.job_id;
  }
  js.backlog.push_back(job);
}

std::optional<std::string>
terminal_session_state::on_deliver(const job_record& job, int64_t now) {
  if (job.expires_at_ms() != 0 && now > job.expires_at_ms())
    return std::nullopt;
  const auto& canceled = jobs().canceled;
  if (std::find(canceled.begin(), canceled.end(), job.job_id) != canceled.end())
    return std::nullopt; // canceled by an operator
  auto& js = held_jobs();
  auto sent = js.unacked.lower_bound(job.job_id);
  if (sent != js.unacked.end() && sent->first == job.job_id)
    return std::nullopt; // already sent; redelivery resends it if needed
  if (js.unacked.size() >= window) {
    hold(js, job);
    return std::nullopt;
  }
  js.unacked.emplace_hint(sent, job.job_id, sent_job{job, now});
  return frames::job(job);
}

std::optional<std::string>
terminal_session_state::on_cancel(const std::string& job_id) {
  auto& js = held_jobs();
  if (std::find(js.canceled.begin(), js.canceled.end(), job_id)
      == js.canceled.end()) {
    js.canceled.push_back(job_id);
    if (js.canceled.size() > canceled_kept)
      js.canceled.pop_front();
  }
  auto held
    = std::find_if(js.backlog.begin(), js.backlog.end(),
                   [&](const job_record& j) { return j.job_id == job_id; });
  if (held != js.backlog.end()) {
    js.backlog.erase(held);
    return std::nullopt;
  }
  forget(job_id);
  return frames::cancel(job_id);
}

std::vector<job_record> terminal_session_state::refill(int64_t now) {
  std::vector<job_record> out;
  while (jobs_ && !jobs_->backlog.empty() && jobs_->unacked.size() < window) {
    auto job = std::move(jobs_->backlog.front());
    jobs_->backlog.pop_front();
    if (on_deliver(job, now))
      out.push_back(std::move(job));
  }
  trim_jobs();
  return out;
}

std::vector<job_record>
terminal_session_state::due_for_redelivery(int64_t now) {
  std::vector<job_record> out;
  if (!jobs_)
    return out;
  auto& js = *jobs_;
  for (auto i = js.unacked.begin(); i != js.unacked.end();) {
    const auto& job = i->second.job;
    if (job.expires_at_ms() != 0 && now > job.expires_at_ms()) {
      i = js.unacked.erase(i);
      continue;
    }
    auto& sent = i->second.sent_at_ms;
    if (now - sent >= static_cast<int64_t>(redelivery_ms)) {
      sent = now;
      out.push_back(job);
    }
    ++i;
  }
  trim_jobs();
  return out;
}

std::string greeting(const session_spec& spec, const std::string& node_id) {
  auto keepalive_s = std::max<uint32_t>(1, (spec.keepalive_ms + 999) / 1000);
  return frames::hello(spec.terminal_id, spec.cluster_id, node_id, keepalive_s,
                       spec.connection_id, spec.service_connections());
}

session_moved moved_of(const session_spec& spec, const std::string& node_id,
                       terminal_session_actor session) {
  return {spec.terminal_id, node_id,          std::move(session),
          spec.generation,  spec.service_key, spec.service_names};
}

namespace {

using self_ptr
  = terminal_session_actor::stateful_pointer<terminal_session_state>;

/// The session whose messages this thread is handling (set by
/// terminal_session_impl::resume for as long as CAF runs it).
thread_local terminal_session_impl* running = nullptr;

/// The session a handler of the shared behaviour works on.
self_ptr current_session() {
  return running;
}

/// The session's own handle, made when needed. Never kept in a lambda the
/// actor stores: a handler holding a strong handle to its own actor keeps
/// the actor alive forever.
terminal_session_actor handle_of(self_ptr self) {
  return caf::actor_cast<terminal_session_actor>(self);
}

/// Sends a frame to the device, through the balancer that holds its socket.
void to_device(self_ptr self, std::string text) {
  auto& s = self->state;
  self->send(s.balancer, to_dev_atom::value, s.conn_id, std::move(text));
}

/// Sends a job to the device and reports it delivered.
void send_job(self_ptr self, const job_record& job) {
  to_device(self, frames::job(job));
  self->send(self->state.control,
             job_update{job.job_id, job.terminal_id, "delivered", {}});
}

/// Ends the session: tells the balancer to close the socket (unless it is
/// gone already) and the control that the terminal left.
void finish(self_ptr self, uint16_t code, std::string reason,
            bool close_socket) {
  auto& s = self->state;
  if (s.closed)
    return;
  s.closed = true;
  if (close_socket)
    self->send(s.balancer, close_atom::value, s.conn_id, code, reason);
  self->send(s.control, closed_atom::value, s.terminal_id, reason,
             handle_of(self));
  logger("session")->debug("{}: session on {} ends: {}", s.terminal_id,
                           *s.node_id, reason);
  self->quit();
}

/// Tells the control the key of the connection ids per service and the
/// declared services (after announcing the session: the control keeps them
/// for its current session only and derives the ids when asked).
void tell_service_connections(self_ptr self) {
  auto& st = self->state;
  if (!st.service_key.empty())
    self->send(st.control, svc_conn_atom::value, st.terminal_id,
               handle_of(self), st.service_key.hi, st.service_key.lo,
               st.service_names);
}

/// Greets the device and announces the session to the control (as moved
/// when the balancer restarted it on another node: one message with its
/// connection ids' key).
void greet_and_announce(self_ptr self, const session_spec& spec) {
  auto& st = self->state;
  to_device(self, greeting(spec, *st.node_id));
  if (spec.moved) {
    self->send(st.control, move_atom::value,
               moved_of(spec, *st.node_id, handle_of(self)));
    return;
  }
  self->send(st.control, open_atom::value, spec.terminal_id, *st.node_id,
             handle_of(self), spec.address, spec.generation);
  tell_service_connections(self);
}

/// Starts the session: greets and announces it, unless it was started in a
/// re-homing batch (the balancer greets, the node announces; see
/// session_spec::batched). A session does not watch its balancer: its node
/// does, once for all its sessions, and ends those of a balancer that went
/// away (node.cpp).
void start(self_ptr self, const session_spec& spec) {
  self->state.adopt(spec);
  if (!spec.batched)
    greet_and_announce(self, spec);
}

void on_frame(self_ptr self, const std::string& text) {
  auto act = self->state.on_frame(text);
  if (act.close_reason)
    return finish(self, close_code::policy, *act.close_reason, true);
  if (act.reply)
    to_device(self, std::move(*act.reply));
  if (act.update) {
    self->send(self->state.control, std::move(*act.update));
    for (auto& job : self->state.refill(now_ms()))
      send_job(self, job);
  }
}

void on_deliver(self_ptr self, const job_record& job) {
  if (auto frame = self->state.on_deliver(job, now_ms())) {
    to_device(self, std::move(*frame));
    self->send(self->state.control,
               job_update{job.job_id, job.terminal_id, "delivered", {}});
  }
}

void on_cancel(self_ptr self, const std::string& job_id) {
  if (auto frame = self->state.on_cancel(job_id))
    to_device(self, std::move(*frame));
  for (auto& job : self->state.refill(now_ms()))
    send_job(self, job);
}

/// The control process restarted: tell the new one that this terminal is
/// connected here; it answers with the terminal's unfinished jobs (those
/// already sent and unacknowledged are not sent twice).
void on_control_moved(self_ptr self, const peer_directory& dir) {
  auto& s = self->state;
  if (!dir.control)
    return;
  s.control = dir.control;
  self->send(s.control, peer_atom::value, s.terminal_id, *s.node_id,
             handle_of(self), s.generation);
  tell_service_connections(self);
}

/// The node's keepalive tick (every `keepalive_ms`): a ping, or the end
/// when too many went unanswered; unacknowledged jobs due are sent again.
void on_tick(self_ptr self) {
  auto act = self->state.on_tick();
  if (act.lost)
    return finish(self, close_code::keepalive_lost,
                  std::string{close_reason::keepalive_lost}, true);
  to_device(self, std::move(*act.ping));
  for (auto& job : self->state.due_for_redelivery(now_ms()))
    send_job(self, job);
}

/// The balancer asks to move the session to another node (rebalancing):
/// an idle session answers true and ends (the device keeps its socket, the
/// balancer starts the session elsewhere); a busy one answers false.
caf::result<bool> on_move(self_ptr self) {
  if (!self->state.idle())
    return false;
  auto rp = self->make_response_promise<bool>();
  rp.deliver(true);
  finish(self, close_code::normal, std::string{session_moved_reason}, false);
  return rp;
}

/// The one behaviour of all sessions (see terminal_session in the header).
terminal_session_actor::behavior_type shared_behavior() {
  static const terminal_session_actor::behavior_type bhvr{
    [](frame_atom, const std::string& text) {
      on_frame(current_session(), text);
    },
    [](deliver_atom, const job_record& job) {
      on_deliver(current_session(), job);
    },
    [](closed_atom, const std::string& reason) {
      finish(current_session(), close_code::normal, reason, false);
    },
    [](peer_atom, const peer_directory& dir) {
      on_control_moved(current_session(), dir);
    },
    [](tick_atom, uint64_t) { on_tick(current_session()); },
    [](move_atom) { return on_move(current_session()); },
    [](cancel_atom, const std::string& job_id) {
      on_cancel(current_session(), job_id);
    },
    [](close_atom, uint16_t code, const std::string& reason) {
      finish(current_session(), code, reason, true);
    },
  };
  return bhvr;
}

} // namespace

terminal_session_actor::behavior_type terminal_session(
  terminal_session_actor::stateful_pointer<terminal_session_state> self,
  session_spec spec, std::shared_ptr<const std::string> node_id,
  control_actor control) {
  self->state.node_id = std::move(node_id);
  self->state.control = std::move(control);
  start(self, spec);
  return shared_behavior();
}

terminal_session_impl::terminal_session_impl(
  caf::actor_config& cfg, session_spec spec,
  std::shared_ptr<const std::string> node_id, control_actor control,
  live_count::token token)
    : super(cfg), start_(new start_args{std::move(spec), std::move(node_id),
                                        std::move(control)}),
      token_(std::move(token)) {
  // nop
}

terminal_session_impl::behavior_type terminal_session_impl::make_behavior() {
  auto args = std::move(start_);
  return terminal_session(this, std::move(args->spec), std::move(args->node_id),
                          std::move(args->control));
}

caf::resumable::resume_result
terminal_session_impl::resume(caf::execution_unit* ctx, size_t max) {
  // Restored however resume ends (an exception included).
  struct scope {
    terminal_session_impl* outer;
    ~scope() { running = outer; }
  } restore{std::exchange(running, this)};
  return super::resume(ctx, max);
}

} // namespace tether
