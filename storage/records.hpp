// Records that Tether persists. Plain data: the actor layer reuses them as
// message types (see actors/messages.hpp), the storage layer encodes them.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tether::storage {

/// A registered terminal and the cluster it is assigned to (the
/// cluster–terminal map of DESIGN.md §2).
struct terminal_record {
  std::string terminal_id;
  std::string cluster_id;
  std::string model;
  std::string firmware;
  std::string region;
  std::map<std::string, std::string> attributes;
  std::vector<std::string> users;  // linked by PUT /v1/users/{u}/terminals/{t}
  int64_t registered_at_ms = 0;  // Unix time
};

/// A job pushed to a terminal and its progress.
struct job_record {
  std::string job_id;
  std::string terminal_id;
  std::string service;
  std::string payload_json;  // the "payload" object, as JSON text
  std::string status;        // queued|delivered|acked|done|failed|expired
  std::string detail;
  std::string callback_url;
  int64_t ttl_s = 0;         // 0 = no expiry
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  int64_t delivered_at_ms = 0;  // first sent to the device
  int64_t acked_at_ms = 0;
  int64_t finished_at_ms = 0;   // done, failed or expired
  uint32_t deliveries = 0;      // times sent to the device
  bool callback_pending = false;  // final, callback not yet accepted

  /// Unix ms at which the job expires, 0 for never.
  int64_t expires_at_ms() const {
    return ttl_s > 0 ? created_at_ms + ttl_s * 1000 : 0;
  }
};

/// Per-terminal API history (calls on the terminal and their failures) in
/// fixed windows: the totals, and the counts of the current and previous
/// window. Compact by design: counters, not a row per call.
struct api_history {
  std::string terminal_id;
  uint64_t calls = 0;
  uint64_t errors = 0;
  int64_t window_start_ms = 0;
  uint64_t window_calls = 0;
  uint64_t window_errors = 0;
  uint64_t previous_calls = 0;
  uint64_t previous_errors = 0;

  /// Counts one call at `now`, rolling the window when it has passed.
  void count(bool failed, int64_t now, int64_t window_ms) {
    if (window_start_ms == 0) {
      window_start_ms = now;
    } else if (now - window_start_ms >= window_ms) {
      bool adjacent = now - window_start_ms < 2 * window_ms;
      previous_calls = adjacent ? window_calls : 0;
      previous_errors = adjacent ? window_errors : 0;
      window_calls = window_errors = 0;
      window_start_ms = now - (now - window_start_ms) % window_ms;
    }
    ++calls;
    ++window_calls;
    if (failed) {
      ++errors;
      ++window_errors;
    }
  }
};

inline bool is_final_status(const std::string& s) {
  return s == "done" || s == "failed" || s == "expired";
}

/// A cluster as an operator set it through the admin API
/// (PUT /v1/admin/clusters/{id}); stored, and applied at start over the
/// topology's values.
struct cluster_settings {
  std::string cluster_id;
  std::map<std::string, std::vector<std::string>> labels;
  std::string state = "active";  // "active" or "draining"
  uint32_t weight = 1;
};

/// Everything the admin API has changed, as read at start.
struct admin_settings {
  bool has_label_items = false;  // false: the topology's items apply
  std::vector<std::string> label_items;
  std::vector<cluster_settings> clusters;
  std::map<std::string, std::string> node_states;  // node id -> state
};

} // namespace tether::storage
