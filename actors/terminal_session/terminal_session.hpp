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

struct terminal_session_state {
  static inline const char* name = "terminal_session";

  session_spec spec;
  std::string node_id;
  control_actor control;      // replaced when the control process restarts
  uint64_t ping_seq = 0;      // last ping sent
  bool awaiting_pong = false; // the last ping is unanswered
  uint32_t misses = 0;        // consecutive unanswered pings
  std::map<std::string, job_record> unacked; // sent, not yet acknowledged
  std::map<std::string, int64_t> sent_at_ms; // of the unacked, last send
  /// Jobs waiting for room: at most `window` jobs are unacknowledged at a
  /// time, so a device with a long queue is not flooded (and its socket's
  /// bounded send queue never overflows).
  std::list<job_record> backlog; // a list: nothing allocated while empty
  size_t window = job_window;
  bool closed = false;

  /// `hello` and the announcement to the control are sent: the strings
  /// only they need (cluster id, source address, connection id) are freed,
  /// heap included, since an idle session holds them for nothing.
  void release_greeting();

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
  /// Jobs canceled lately (at most `canceled_kept`, oldest first): a
  /// delivery of one that overtook the cancellation is not sent.
  std::list<std::string> canceled;
  size_t canceled_kept = 64;

  /// Frames of backlog jobs that now fit into the window.
  std::vector<job_record> refill(int64_t now);

  /// No job in flight: none sent and unacknowledged, none waiting for
  /// room. (A job the device acknowledged and still works on does not
  /// hold the session: its result reaches whichever session relays then.)
  bool idle() const { return unacked.empty() && backlog.empty() && !closed; }

  /// Jobs sent at least `redelivery_ms` ago and still not acknowledged (and
  /// not expired): they are sent again. Returns them, marking the send.
  std::vector<job_record> due_for_redelivery(int64_t now);
};

/// The `hello` that greets the device of `spec` from a session on node
/// `node_id` (sent by the session, or by the balancer for a batched one).
std::string greeting(const session_spec& spec, const std::string& node_id);

/// The announcement of a moved session: `move` to the control (sent by the
/// session, or by its node for the sessions of a re-homing batch).
session_moved moved_of(const session_spec& spec, const std::string& node_id,
                       terminal_session_actor session);

terminal_session_actor::behavior_type terminal_session(
  terminal_session_actor::stateful_pointer<terminal_session_state> self,
  session_spec spec, std::string node_id, control_actor control);

/// The session as the node spawns it: the behaviour above, plus a token of
/// the node's live count held for as long as the actor object exists (not
/// only while it runs), so that a session nothing releases shows in
/// /metrics.
class terminal_session_impl
    : public terminal_session_actor::stateful_base<terminal_session_state> {
public:
  using super = terminal_session_actor::stateful_base<terminal_session_state>;

  terminal_session_impl(caf::actor_config& cfg, session_spec spec,
                        std::string node_id, control_actor control,
                        live_count::token token);

  behavior_type make_behavior() override;

private:
  /// What make_behavior hands to the state, held until then only: the
  /// actor object lives as long as the session, and a moved-from spec
  /// would still take its size there (issue 12, bytes per session).
  struct start_args {
    session_spec spec;
    std::string node_id;
    control_actor control;
  };
  std::unique_ptr<start_args> start_;
  live_count::token token_;
};

} // namespace tether
