// control: the front of the control plane. Registers terminals (selector for
// the label, cluster manager for the cluster), accepts jobs (stored before
// the answer, then routed control → cluster manager → balancer → session),
// tracks job status and each terminal's connection state and counters, and
// sends a terminal's open jobs to its session when it connects.
//
// It also fronts the admin API (label configuration here, stored before it
// applies; cluster and node changes go to the cluster manager) and runs
// re-allocation: it picks the terminals of a run, computes their labels
// under the current label configuration, asks the cluster manager which
// must move, and moves the connected ones paced by reallocation_pacer (the
// cluster manager's balancers send each device its `reassign`); terminals
// that are not connected are moved at once.
//
// Files: control.hpp (state, settings, behaviour), control.cpp (the state's
// glue and the behaviour: one short handler per message), control_flows.cpp
// (the request chains: registration, jobs, terminal changes, the tick,
// re-allocation), and one plain-C++ class per section of the state:
// terminal_table, job_book, api_histories, disconnect_groups, realloc_runs.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "actors/control/api_histories.hpp"
#include "actors/control/call_log.hpp"
#include "actors/control/disconnect_groups.hpp"
#include "actors/control/job_book.hpp"
#include "actors/control/job_metrics.hpp"
#include "actors/control/job_waits.hpp"
#include "actors/control/realloc_runs.hpp"
#include "actors/control/revocations.hpp"
#include "actors/control/session_events.hpp"
#include "actors/control/session_probes.hpp"
#include "actors/control/status_writes.hpp"
#include "actors/control/stuck_jobs.hpp"
#include "actors/control/terminal_table.hpp"
#include "actors/notifier/notifier.hpp"
#include "actors/system/interfaces.hpp"
#include "config/defaults.hpp"

namespace tether {

struct control_settings {
  std::chrono::milliseconds request_timeout{defaults::request_timeout};
  size_t max_queue_per_terminal = 1000;
  std::chrono::milliseconds history_window{3'600'000};
  config::label_rules label_rules; // history_window follows its window
  notifier_settings callbacks;
  config::reallocation_config reallocation;
  std::chrono::milliseconds job_retention{0}; // 0: keep finished jobs
  size_t final_jobs_in_memory = default_final_in_memory; // older: from store
  /// A job queued this long behind a connected terminal is handed to its
  /// session directly (stuck_jobs.hpp): min(timers.job_redelivery, 5 s).
  std::chrono::milliseconds stuck_after{5'000};
  /// New terminals beyond this many are refused ([limits] max_terminals;
  /// 0: no limit); registered ones always register again.
  size_t max_terminals = 0;
  /// [drain] job_wait: a re-allocation move of a terminal with a job in
  /// flight waits for it at most this long (job_waits.hpp; 0: never).
  std::chrono::milliseconds drain_job_wait{30'000};
  /// [labels] matching is "strict": a cluster's new labels go to the
  /// cluster manager with the label items in use, which they must keep
  /// naming (put_cluster; the manager checks label configurations).
  bool strict_labels = true;
};

/// What the control starts from: the stored state of the control plane.
struct control_snapshot {
  std::vector<terminal_record> terminals;
  std::vector<job_record> jobs;
  std::vector<api_history> histories;
  std::vector<disconnect_event> disconnects; // oldest first
  uint64_t next_job_seq = 1;
  /// Retired terminals and their token generations (store::load_retired).
  std::map<std::string, uint64_t> retired{};
};

/// The control's state: one section per concern, each a plain class with
/// its own tests, and the glue between sections (what needs two of them).
struct control_state {
  static inline const char* name = "control";

  // -- sections ---------------------------------------------------------------

  terminal_table terminals;
  job_book jobs;
  api_histories history;
  call_log calls;           // per-call history records not yet stored
  status_writes job_writes; // job states not yet handed to the store
  disconnect_groups disconnects;
  realloc_runs realloc;
  job_waits held_moves; // moves waiting for a job in flight
  stuck_jobs stuck;
  session_probes probes; // sessions handed stuck jobs, watched till they end
  revocations revoked;
  job_metrics job_figures;      // for /metrics
  session_events sessions_seen; // for GET /v1/admin/events
  size_t max_terminals = 0;
  bool strict_labels = true; // control_settings::strict_labels

  std::chrono::milliseconds request_timeout{defaults::request_timeout};
  std::chrono::milliseconds tick_period{1'000};

  // -- glue -------------------------------------------------------------------

  /// Whether the re-allocation move of terminal `id`, due at `now`, waits
  /// for a job of it in flight ([drain] job_wait; job_waits.hpp).
  bool holds_move(const std::string& id, int64_t now) {
    const auto* t = terminals.find(id);
    bool busy = t != nullptr && t->connected && job_waits::in_flight(jobs, id);
    return held_moves.holds(id, busy, now);
  }

  /// Takes the settings and the stored state at start; returns the final
  /// jobs whose callback is still pending.
  std::vector<job_record> start(const control_settings& cfg,
                                control_snapshot snapshot, int64_t now);

  /// A push request becomes a queued job (not yet stored), or the error:
  /// the terminal is not registered, or its queue is full.
  caf::expected<job_record> accept_job(job_record request, int64_t now);

  /// Applies a session's report (job_book::apply); a job done counts in
  /// its terminal's history (GB, GI).
  job_record* apply(const job_update& update, int64_t now);

  /// A job the tick expired: one that the terminal never acknowledged
  /// counts as a failed communication (GD).
  void expired(const job_record& job, int64_t now);

  /// A pushed job was stored (before its 202): the book takes it, it is a
  /// history record and it counts in its terminal's API calls (GC; a
  /// refused push stored nothing and counts nowhere).
  void job_stored(const job_record& job, int64_t now);

  /// An API call the gateway reports (register, destination, push,
  /// attributes, user) becomes a history record of a registered terminal,
  /// with the HTTP status it was answered; others are ignored.
  void record_call(const std::string& terminal_id, const std::string& call,
                   uint16_t http_status, int64_t now);

  /// A session closed: counted by the terminal table, and a disconnect
  /// event (GE/GF) when the session was the current one.
  void on_closed(const std::string& terminal_id, const std::string& reason,
                 const terminal_session_actor& session, int64_t now);

  /// The watched sessions that ended (their monitors' down messages) and
  /// are still their terminals' current ones: those terminals are
  /// disconnected as if the sessions had said so ("session gone"); how many.
  size_t disconnect_gone_sessions(int64_t now);

  /// Copies a terminal's connection counters into its history, which the
  /// tick stores (connection history survives restarts).
  void remember_connection(const std::string& terminal_id);

  /// A retired terminal leaves every section (its jobs are canceled by
  /// the caller first).
  void forget_terminal(const std::string& terminal_id);

  /// Re-allocation moved a terminal to `cluster_id`; counts it when that
  /// is another cluster.
  void moved_to(const std::string& terminal_id, const std::string& cluster_id);

  /// A terminal's status: its entry, its API history and open jobs.
  terminal_status status_of(const std::string& terminal_id,
                            const terminal_entry& t, int64_t now) const;

  /// The facts the selector is given for a terminal: its record with the
  /// computed items (GB, GC, GD, GE, GF, GI) written over its attributes.
  terminal_record label_facts(const terminal_record& rec, int64_t now) const;

  /// `label` as placement uses it: the null label for the models of
  /// [labels] null_label_models.
  assigned_label placed_label(const terminal_record& rec,
                              assigned_label label) const;

  /// A re-allocation run's plan: the candidates still registered with the
  /// label their facts give under the label items `items`.
  realloc_plan plan_realloc(const std::string& cluster_id,
                            const std::vector<std::string>& candidates,
                            const std::vector<std::string>& items,
                            int64_t now) const;

  /// Recomputes the GE/GF groups and the per-user counts (GI). Returns the
  /// time before which stored disconnect events are no longer needed (0:
  /// none dropped since the last call).
  int64_t refresh_groups(int64_t now);
  /// Ends GE/GF class `name` for every member (DELETE
  /// /v1/admin/classes/{name}); stored with the next flush. not_found when
  /// no such class is known; else how many terminals were in it.
  caf::expected<uint64_t> clear_class(const std::string& name);
  /// Hands the class memberships the tracker changed to the histories.
  void keep_classes();

  /// Queued jobs of connected terminals that waited too long, with the
  /// session to hand them to (see stuck_jobs.hpp).
  std::vector<std::pair<terminal_session_actor, std::vector<job_record>>>
  stuck_jobs_due(int64_t now);
};

/// The control spawns its own notifier (job callbacks) with `poster`.
control_actor::behavior_type
control(control_actor::stateful_pointer<control_state> self,
        control_settings cfg, control_snapshot snapshot,
        selector_actor selector, cluster_manager_actor manager,
        store_actor store, http_poster_ptr poster);

} // namespace tether
