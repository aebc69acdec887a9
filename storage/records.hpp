// Records that Tether persists. Plain data: the actor layer reuses them as
// message types (see actors/messages.hpp), the storage layer encodes them.
#pragma once

#include <cstdint>
#include <map>
#include <string>

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
};

inline bool is_final_status(const std::string& s) {
  return s == "done" || s == "failed" || s == "expired";
}

} // namespace tether::storage
