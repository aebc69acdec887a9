// http_gateway: the HTTP API of PROTOCOL.md. net/ parses the HTTP framing
// and hands each request over with a responder; this actor routes it
// (api.hpp), asks the control plane with a timeout, and answers with the
// contract's JSON body or error. It also serves /healthz and /metrics.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "actors/system/errors.hpp"
#include "actors/system/interfaces.hpp"
#include "config/defaults.hpp"

namespace tether {

struct http_gateway_settings {
  std::chrono::milliseconds request_timeout{defaults::request_timeout};
  uint32_t retry_after_s = 2;
  size_t max_payload = 256 * 1024;
  std::string process_name = "tetherd";
};

class once_responder; // http_gateway.cpp

struct http_gateway_state {
  static inline const char* name = "http_gateway";
  http_gateway_settings cfg;
  int64_t started_at_ms = 0;
  std::map<uint16_t, uint64_t> responses; // by status, for /metrics
  uint64_t jobs_accepted = 0;
  uint64_t registrations = 0;
  control_actor control; // null while the control process is unreachable
  peers_actor peers;     // null in a single-process deployment
  /// Requests not answered yet: when the control goes away they answer 503
  /// at once (a request already on its way to a dead process would only
  /// time out). Expired entries are pruned as new ones come.
  std::vector<std::weak_ptr<once_responder>> in_flight;
  size_t prune_at = 64;
};

/// How the gateway (and its admin routes, http_admin.cpp) answers: every
/// answer is counted by status for /metrics.
namespace gateway_reply {
using self_ptr = http_gateway_actor::stateful_pointer<http_gateway_state>;
void answer(self_ptr self, const http_responder_ptr& out, http_response r);
/// The contract's error body (and Retry-After for 503/429).
void fail(self_ptr self, const http_responder_ptr& out, errc code,
          std::string_view message);
/// The error branch of a request to the control plane.
std::function<void(caf::error&)> on_error(self_ptr self,
                                          http_responder_ptr out);
} // namespace gateway_reply

http_gateway_actor::behavior_type
http_gateway(http_gateway_actor::stateful_pointer<http_gateway_state> self,
             http_gateway_settings cfg, control_actor control,
             peers_actor peers);

} // namespace tether
