// terminal_session: one per connected device, hosted on a node.
//
// It speaks the device protocol (frames.hpp) over the balancer's relay: the
// device's frames arrive as `frame` messages, and everything for the device
// goes to the balancer as `to_dev` with the connection id. It sends `hello`,
// keeps the keepalive (a `ping` on each `tick` its node sends every period;
// `keepalive_misses` unanswered pings close the connection with 4000), sends
// jobs and reports their progress and the connection's opening and closing to
// the control. Asked to move (rebalancing), it ends only when idle.
//
//   running ──(closed | keepalive lost | protocol violation)──► quit
#pragma once

#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/system/close_codes.hpp"
#include "actors/system/interfaces.hpp"
#include "actors/system/live_count.hpp"

namespace tether {

/// Jobs a session has sent and the device not yet acknowledged, at most.
constexpr size_t job_window = 32;

/// A job sent to the device and not yet acknowledged, and its last send.
struct sent_job {
  job_record job;
  int64_t sent_at_ms = 0;
};

/// The jobs of a session that has some in flight. An idle session holds
/// none of this (issue 12: bytes per session): it is made at the first job
/// or cancellation and freed once nothing is left in it.
struct session_jobs {
  /// Sent, not yet acknowledged, by job id: one map (a second one for the
  /// send times cost a job a second insert and erase, each comparing ids).
  std::map<std::string, sent_job> unacked;
  /// Jobs waiting for room: at most `window` jobs are unacknowledged at a
  /// time, so a device with a long queue is not flooded (and its socket's
  /// bounded send queue never overflows).
  std::list<job_record> backlog; // a list: nothing allocated while empty
  /// No backlog job's id is greater than this one (ids order as they were
  /// created): a job newer than it is not in the backlog, found without
  /// walking the list (a device with a long queue made each delivery walk
  /// its whole backlog).
  std::string backlog_newest;
  /// Jobs canceled lately (at most `canceled_kept`, oldest first): a
  /// delivery of one that overtook the cancellation is not sent.
  std::list<std::string> canceled;

  bool empty() const {
    return unacked.empty() && backlog.empty() && canceled.empty();
  }
};

/// A session's state. It keeps of its `session_spec` only what its
/// handlers use after the greeting (the cluster id, the device's address,
/// the connection id and the keepalive period serve `hello` and the
/// announcement, and stay with the spec, which is freed once they are
/// sent): every session of a node holds this for as long as its device is
/// connected (issue 12, bytes per session; docs/BENCHMARKS.md).
struct terminal_session_state {
  static inline const char* name = "terminal_session";

  std::string terminal_id;
  uint64_t conn_id = 0; // the balancer's connection
  cluster_balancer_actor balancer;
  control_actor control; // replaced when the control process restarts
  uint64_t generation = 0;
  services::connection_key service_key{};
  std::vector<std::string> service_names; // declared (empty: the default)
  /// The node's id, one string shared by all its sessions.
  std::shared_ptr<const std::string> node_id;
  uint64_t ping_seq = 0;           // last ping sent
  uint32_t misses = 0;             // consecutive unanswered pings
  uint32_t keepalive_misses = 2;   // unanswered pings that close
  uint32_t redelivery_ms = 30'000; // resend a job not acked by then
  uint32_t window = job_window;    // unacknowledged jobs at most
  bool awaiting_pong = false;      // the last ping is unanswered
  bool closed = false;
  static constexpr size_t canceled_kept = 64;

  /// Takes from `spec` what the handlers use after the greeting.
  void adopt(const session_spec& spec);

  /// The jobs in flight (an empty set when the session holds none).
  const session_jobs& jobs() const;
  /// Whether the session holds a jobs' part at all (not while idle).
  bool holds_jobs() const { return jobs_ != nullptr; }

  /// What to do when the keepalive timer fires.
  struct tick_action {
    std::optional<std::string> ping; // frame to send
    bool lost = false;               // keepalive lost: close
  };
  tick_action on_tick();

  /// What a device frame leads to.
  struct frame_action {
    std::optional<std::string> reply;        // frame to send back
    std::optional<job_update> update;        // report to the control
    std::optional<std::string> close_reason; // protocol violation: close 1008
  };
  frame_action on_frame(const std::string& text);

  /// The frame for a job, remembering it until acknowledged. Nothing when
  /// the job has expired, is already held, or waits in the backlog for room.
  std::optional<std::string> on_deliver(const job_record& job, int64_t now);

  /// An operator canceled `job_id`: it is forgotten (and never sent from
  /// now on). The `cancel` frame for the device unless the job was still
  /// waiting in the backlog (never sent, so the device does not know it).
  std::optional<std::string> on_cancel(const std::string& job_id);

  /// Frames of backlog jobs that now fit into the window.
  std::vector<job_record> refill(int64_t now);

  /// No job in flight: none sent and unacknowledged, none waiting for
  /// room. (A job the device acknowledged and still works on does not
  /// hold the session: its result reaches whichever session relays then.)
  bool idle() const {
    return (!jobs_ || (jobs_->unacked.empty() && jobs_->backlog.empty()))
        && !closed;
  }

  /// Jobs sent at least `redelivery_ms` ago and still not acknowledged (and
  /// not expired): they are sent again. Returns them, marking the send.
  std::vector<job_record> due_for_redelivery(int64_t now);

private:
  /// The jobs, made when the first one comes.
  session_jobs& held_jobs();
  /// Frees the jobs once nothing is left in them.
  void trim_jobs();
  /// Forgets a job that left the window (acknowledged, finished, canceled).
  void forget(const std::string& job_id);
  /// Puts a job into the backlog unless it is held there already.
  static void hold(session_jobs& js, const job_record& job);

  std::unique_ptr<session_jobs> jobs_;
};

/// The `hello` that greets the device of `spec` from a session on node
/// `node_id` (sent by the session, or by the balancer for a batched one).
std::string greeting(const session_spec& spec, const std::string& node_id);

/// The announcement of a moved session: `move` to the control (sent by the
/// session, or by its node for the sessions of a re-homing batch).
session_moved moved_of(const session_spec& spec, const std::string& node_id,
                       terminal_session_actor session);

/// The behaviour of a session. Its handlers capture nothing: it is made
/// once and shared by every session of the process, and each handler
/// works on the session whose message its thread is handling
/// (terminal_session_impl::resume), which spares every session a
/// behaviour of its own (368 bytes; docs/BENCHMARKS.md). So it runs only
/// in a terminal_session_impl.
terminal_session_actor::behavior_type terminal_session(
  terminal_session_actor::stateful_pointer<terminal_session_state> self,
  session_spec spec, std::shared_ptr<const std::string> node_id,
  control_actor control);

/// The session as the node spawns it: the behaviour above, plus a token of
/// the node's live count held for as long as the actor object exists (not
/// only while it runs), so that a session nothing releases shows in
/// /metrics.
class terminal_session_impl
    : public terminal_session_actor::stateful_base<terminal_session_state> {
public:
  using super = terminal_session_actor::stateful_base<terminal_session_state>;

  terminal_session_impl(caf::actor_config& cfg, session_spec spec,
                        std::shared_ptr<const std::string> node_id,
                        control_actor control, live_count::token token);

  behavior_type make_behavior() override;

  /// Handles messages as CAF's actor does, with this session known to the
  /// shared behaviour's handlers (current_session) meanwhile.
  resume_result resume(caf::execution_unit* ctx, size_t max) override;

private:
  /// What make_behavior hands to the state, held until then only: the
  /// actor object lives as long as the session, and a moved-from spec
  /// would still take its size there (issue 12, bytes per session).
  struct start_args {
    session_spec spec;
    std::shared_ptr<const std::string> node_id;
    control_actor control;
  };
  std::unique_ptr<start_args> start_;
  live_count::token token_;
};

} // namespace tether
