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
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actors/notifier/notifier.hpp"
#include "actors/policy/placement.hpp"
#include "actors/policy/reallocation.hpp"
#include "actors/system/interfaces.hpp"
#include "config/defaults.hpp"

namespace tether {

/// Final jobs the control keeps in memory (and reads at start); older ones
/// are read from the store when asked for.
constexpr size_t default_final_in_memory = 100'000;

struct control_state {
  static inline const char* name = "control";

  struct terminal_entry {
    terminal_record record;
    bool connected = false;
    std::string node_id;
    terminal_session_actor session;
    int64_t last_seen_ms = 0;
    uint64_t connects = 0;
    uint64_t disconnects = 0;
    uint64_t keepalive_failures = 0;
    std::string address; // source IP of its last connection (GE)
  };

  std::unordered_map<std::string, terminal_entry> terminals;
  std::unordered_map<std::string, job_record> jobs;
  /// Open (not final) jobs of each terminal, oldest first.
  std::unordered_map<std::string, std::vector<std::string>> open_jobs;
  /// Final jobs kept in memory, oldest first; older ones are read back
  /// from the store on demand.
  std::deque<std::string> final_jobs;
  size_t max_final_in_memory = default_final_in_memory;
  /// Final jobs are forgotten this long after they finished (the store
  /// deletes them too, timers.job_retention); 0 keeps them.
  int64_t job_retention_ms = 0;
  /// Jobs whose store write has not completed yet: they are not sent to a
  /// session (a store failure answers 503, so the job must not run).
  std::unordered_set<std::string> unstored;
  /// Open jobs with a TTL, by expiry time.
  std::multimap<int64_t, std::string> expiries;
  uint64_t next_job_seq = 1;
  size_t max_queue = 1000; // open jobs per terminal before 429
  std::chrono::milliseconds request_timeout{defaults::request_timeout};
  std::chrono::milliseconds tick_period{1'000};

  /// Per-terminal API history and the terminals whose history changed since
  /// the last flush to the store.
  std::unordered_map<std::string, api_history> history;
  std::unordered_set<std::string> dirty_history;
  int64_t history_window_ms = 3'600'000;

  /// Computed label items (GB..GK, see docs/LABELS.md): the disconnect
  /// events of the last windows and the groups they make, events not yet
  /// stored, and per-user job counts (GI), refreshed on the tick.
  disconnect_tracker disconnects;
  std::vector<disconnect_event> unsaved_events;
  std::unordered_map<std::string, uint64_t> user_jobs;

  /// The facts the selector is given for a terminal: its record with the
  /// computed items (GB, GC, GD, GE, GF, GI) written over its attributes.
  terminal_record label_facts(const terminal_record& rec, int64_t now) const;

  /// Recomputes the GE/GF groups and the per-user counts (GI). Returns the
  /// time before which stored disconnect events are no longer needed (0:
  /// none dropped since the last call).
  int64_t refresh_groups(int64_t now);

  /// Re-allocation: paced moves, the periodic run, and counters.
  reallocation_pacer pacer;
  bool pacer_ticking = false;
  int64_t next_periodic_ms = 0; // 0: no periodic run
  uint64_t moved = 0;           // terminals moved by re-allocation

  /// The terminals a re-allocation run looks at, sorted: those of
  /// `terminal_ids` when given, else those assigned to `cluster_id` when
  /// given, else every terminal. Sets `unknown` to the first id given that
  /// is not registered (and returns nothing).
  std::vector<std::string>
  realloc_candidates(const std::string& cluster_id,
                     const std::vector<std::string>& terminal_ids,
                     std::string& unknown) const;

  /// Creates a queued job from a push request; assigns its id.
  job_record new_job(job_record request, int64_t now);

  /// The job's store write completed.
  void stored(const job_record& job);
  /// Forgets a job whose storing failed.
  void drop_job(const job_record& job);

  /// Applies a session's report. Returns the job when it changed (statuses
  /// only move forward; a final status never changes). A job that becomes
  /// final with a callback URL is marked callback_pending.
  job_record* apply(const job_update& update, int64_t now);

  /// Marks open jobs whose TTL has passed as expired; returns them.
  std::vector<job_record*> expire(int64_t now);

  /// Counts an API call on a terminal.
  void count_api_call(const std::string& terminal_id, bool failed, int64_t now);
  /// Histories changed since the last call, and forgets that they changed.
  std::vector<api_history> take_dirty_history();

  /// Open (not final) jobs of a terminal, oldest first: what a new session
  /// of the terminal is sent. Acknowledged ones too: their result may have
  /// been lost with the old session, and the device answers a duplicate of
  /// a job it finished with the result again.
  std::vector<job_record> unfinished(const std::string& terminal_id) const;

  terminal_status status_of(const terminal_entry& t, int64_t now) const;

  /// `moved`: the balancer moved the session to another node and the
  /// device kept its WebSocket, so it is no new connect.
  void on_open(const std::string& terminal_id, const std::string& node_id,
               const terminal_session_actor& session, int64_t now,
               bool moved = false);
  /// Records a disconnect event (GE/GF) when the session was the current
  /// one.
  void on_closed(const std::string& terminal_id, const std::string& reason,
                 const terminal_session_actor& session, int64_t now);
  /// A session that ran before this control was reachable announces itself
  /// again. Taken (true) only when no other session is known for the
  /// terminal: a stale session on a node that was frozen and is back must
  /// not displace the one the device uses now. Not counted as a connect.
  bool on_reannounce(const std::string& terminal_id, const std::string& node_id,
                     const terminal_session_actor& session, int64_t now);
  /// Retention: forgets the oldest final jobs that finished more than
  /// job_retention_ms before `now` (those with a pending callback stay).
  /// Returns how many.
  size_t forget_old_final(int64_t now);
};

/// Orders job statuses: queued < delivered < acked < final.
int status_rank(const std::string& status);

struct control_settings {
  std::chrono::milliseconds request_timeout{defaults::request_timeout};
  size_t max_queue_per_terminal = 1000;
  std::chrono::milliseconds history_window{3'600'000};
  config::label_rules label_rules; // history_window follows its window
  notifier_settings callbacks;
  config::reallocation_config reallocation;
  std::chrono::milliseconds job_retention{0}; // 0: keep finished jobs
};

/// What the control starts from: the stored state of the control plane.
struct control_snapshot {
  std::vector<terminal_record> terminals;
  std::vector<job_record> jobs;
  std::vector<api_history> histories;
  std::vector<disconnect_event> disconnects; // oldest first
  uint64_t next_job_seq = 1;
};

/// The control spawns its own notifier (job callbacks) with `poster`.
control_actor::behavior_type
control(control_actor::stateful_pointer<control_state> self,
        control_settings cfg, control_snapshot snapshot,
        selector_actor selector, cluster_manager_actor manager,
        store_actor store, http_poster_ptr poster);

} // namespace tether
