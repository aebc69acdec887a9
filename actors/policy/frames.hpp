// The device WebSocket protocol of docs/API.md ("Device side"): decoding
// the frames a device sends and encoding the frames the server sends.
// Plain C++, unit-tested in tests/actors/policy/frames_test.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "storage/records.hpp"

namespace tether::frames {

/// A frame from the device, after validation.
struct device_frame {
  enum kind_t { pong, ack, result, unknown } kind = unknown;
  uint64_t seq = 0;              // pong
  std::string job_id;            // ack, result
  std::string status;            // result: "done" or "failed"
  std::string detail;            // result
  std::optional<uint32_t> pages; // result: pages printed, when said
  std::string type;              // the "type" as sent (for unknown)
};

/// Decodes a text frame. Returns an empty string on success, otherwise what
/// is wrong with it (for the close reason or the error frame).
/// `fatal` is set when the frame is not a JSON object with a string "type"
/// (a protocol violation: the connection is closed with 1008).
std::string decode(std::string_view text, device_frame& out, bool& fatal);

/// `connection_id` is left out when empty, `service_connections` (one
/// connection id per service) too.
std::string hello(const std::string& terminal_id, const std::string& cluster_id,
                  const std::string& node_id, uint32_t keepalive_s,
                  const std::string& connection_id = {},
                  const std::map<std::string, std::string>& service_connections
                  = {});
std::string ping(uint64_t seq);
std::string job(const storage::job_record& job);
std::string reassign(uint64_t after_ms);
/// An operator canceled a job the device was sent: drop it, send no
/// result (one sent anyway is ignored).
std::string cancel(const std::string& job_id);
/// A non-fatal complaint about a frame the server could not use.
std::string error(std::string_view code, std::string_view message);

} // namespace tether::frames
