// Records that Tether persists. Plain data: the actor layer reuses them as
// message types (see actors/system/messages.hpp), the storage layer encodes
// them.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tether::storage {

/// A registered terminal and the cluster it is assigned to (the
/// cluster–terminal map the cluster manager keeps).
struct terminal_record {
  std::string terminal_id;
  std::string cluster_id;
  std::string model;
  std::string firmware;
  std::string region;
  std::map<std::string, std::string> attributes;
  std::vector<std::string> users; // linked by PUT /v1/users/{u}/terminals/{t}
  int64_t registered_at_ms = 0;   // Unix time
  /// Connect tokens of a lower generation are revoked (docs/SECURITY.md
  /// "Revocation"); raised by each revoke.
  uint64_t token_generation = 0;
  /// Revoked: register and destination are refused until un-revoked.
  bool revoked = false;
  /// The services the device declared at registration ("print", "scan");
  /// empty: it declared none, the deployment's default list applies
  /// (actors/policy/services.hpp). Records written before services existed
  /// load with it empty.
  std::vector<std::string> services;
};

/// A job pushed to a terminal and its progress.
struct job_record {
  std::string job_id;
  std::string terminal_id;
  std::string service;
  std::string payload_json; // the "payload" object, as JSON text
  std::string status; // queued|delivered|acked|done|failed|expired|canceled
  std::string detail;
  std::string callback_url;
  int64_t ttl_s = 0; // 0 = no expiry
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  int64_t delivered_at_ms = 0; // first sent to the device
  int64_t acked_at_ms = 0;
  int64_t finished_at_ms = 0;    // done, failed or expired
  uint32_t deliveries = 0;       // times sent to the device
  bool callback_pending = false; // final, callback not yet accepted
  /// The notifier's final word on the callback: "accepted" (a 2xx answer)
  /// or "given_up" (attempts exhausted, or the address is refused), with
  /// the number of POSTs it made; empty while there is none.
  std::string callback_outcome;
  uint32_t callback_attempts = 0;

  /// Unix ms at which the job expires, 0 for never.
  int64_t expires_at_ms() const {
    return ttl_s > 0 ? created_at_ms + ttl_s * 1000 : 0;
  }
};

/// Per-terminal history in fixed windows: the totals, and the counts of the
/// current and previous window, of API calls on the terminal and their
/// failures (GC, GD), of print jobs it finished (GB) and of jobs of any
/// service it finished (summed per user for GI). Compact by design:
/// counters, not a row per call.
struct api_history {
  std::string terminal_id;
  uint64_t calls = 0;
  uint64_t errors = 0;
  int64_t window_start_ms = 0;
  uint64_t window_calls = 0;
  uint64_t window_errors = 0;
  uint64_t previous_calls = 0;
  uint64_t previous_errors = 0;
  uint64_t window_prints = 0; // print jobs done
  uint64_t previous_prints = 0;
  uint64_t pages = 0;       // printed since registration (GB: pages per day)
  uint64_t window_jobs = 0; // jobs of any service done
  uint64_t previous_jobs = 0;
  // Connection history: the terminal's connects, disconnects and keepalive
  // failures since it was first seen, and when it was last seen. Stored
  // with the API history, so that a restart keeps them.
  uint64_t connects = 0;
  uint64_t disconnects = 0;
  uint64_t keepalive_failures = 0;
  int64_t last_seen_ms = 0;
  // Persistent label classes (docs/LABELS.md): the simultaneous-disconnection
  // class (GE) the terminal dropped in, and the failing group (GF) it
  // dropped in; empty: none. Kept until the terminal is deleted.
  std::string disconnect_class;
  std::string failure_class;

  /// Moves to the window that holds `now` (the current one becomes the
  /// previous one when adjacent; older counts are dropped).
  void roll(int64_t now, int64_t window_ms) {
    if (window_start_ms == 0) {
      window_start_ms = now;
      return;
    }
    if (window_ms <= 0 || now - window_start_ms < window_ms)
      return;
    bool adjacent = now - window_start_ms < 2 * window_ms;
    previous_calls = adjacent ? window_calls : 0;
    previous_errors = adjacent ? window_errors : 0;
    previous_prints = adjacent ? window_prints : 0;
    previous_jobs = adjacent ? window_jobs : 0;
    window_calls = window_errors = window_prints = window_jobs = 0;
    window_start_ms = now - (now - window_start_ms) % window_ms;
  }

  /// Counts one call at `now`, rolling the window when it has passed.
  void count(bool failed, int64_t now, int64_t window_ms) {
    roll(now, window_ms);
    ++calls;
    ++window_calls;
    if (failed) {
      ++errors;
      ++window_errors;
    }
  }

  /// Counts one job the terminal finished with "done" (`print`: its
  /// service was "print", `printed` pages of it).
  void count_done(bool print, uint32_t printed, int64_t now,
                  int64_t window_ms) {
    roll(now, window_ms);
    ++window_jobs;
    if (print) {
      ++window_prints;
      pages += printed;
    }
  }
};

/// A terminal's connection that ended (GE, GF): when, which terminal, and
/// the source address it had connected from (empty if unknown).
struct disconnect_event {
  int64_t at_ms = 0;
  std::string terminal_id;
  std::string address;
};

/// One history record of a terminal (GET /v1/terminals/{id}/history): an
/// API call that concerns it, a job's step, or a connect / disconnect.
/// Stored in the calls family keyed by terminal and time (store.hpp);
/// `seq` orders the records of one millisecond.
struct call_record {
  std::string terminal_id;
  int64_t at_ms = 0;
  uint32_t seq = 0;
  std::string event;   // register, destination, job_pushed, ... (docs/API.md)
  std::string job_id;  // job events
  std::string detail;  // job status, close reason, HTTP status of a call
  std::string node;    // connect, disconnect, job delivered
  std::string address; // connect: the device's source address
};

/// A page of a terminal's history, newest first; `next` is the cursor of
/// the following (older) page, empty when there is none.
struct call_page {
  std::vector<call_record> records;
  std::string next;
};

/// The final status of a job an operator canceled (issue 13's spelling).
inline constexpr std::string_view canceled_status = "canceled";

/// A job status as the API says it: `cancelled`, the spelling of earlier
/// releases (still in their stores, still sent by clients written against
/// them), reads `canceled`; every other word is kept as it is.
inline std::string canonical_status(std::string s) {
  if (s == "cancelled")
    return std::string{canceled_status};
  return s;
}

inline bool is_final_status(const std::string& s) {
  return s == "done" || s == "failed" || s == "expired" || s == canceled_status;
}

/// A cluster as an operator set it through the admin API
/// (PUT /v1/admin/clusters/{id}); stored, and applied at start over the
/// topology's values.
struct cluster_settings {
  std::string cluster_id;
  std::map<std::string, std::vector<std::string>> labels;
  std::string state = "active"; // "active" or "draining"
  uint32_t weight = 1;
};

/// Everything the admin API has changed, as read at start.
struct admin_settings {
  bool has_label_items = false; // false: the topology's items apply
  std::vector<std::string> label_items;
  std::vector<cluster_settings> clusters;
  std::map<std::string, std::string> node_states; // node id -> state
};

/// A service or operator API key (docs/API.md "Keys"): the key itself is
/// never stored, only `hash`, the lowercase hex SHA-256 of its text.
struct api_key_record {
  std::string key_id;
  std::string name;
  std::vector<std::string> scopes; // jobs:write jobs:read terminals:write
                                   // admin metrics
  int64_t created_at_ms = 0;
  std::string hash;
};

} // namespace tether::storage
