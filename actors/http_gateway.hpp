// http_gateway: the HTTP API of PROTOCOL.md. net/ parses the HTTP framing
// and hands each request over with a responder; this actor routes it
// (api.hpp), asks the control plane with a timeout, and answers with the
// contract's JSON body or error. It also serves /healthz and /metrics.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "actors/interfaces.hpp"

namespace tether {

struct http_gateway_settings {
  std::chrono::milliseconds request_timeout{5'000};
  uint32_t retry_after_s = 2;
  size_t max_payload = 256 * 1024;
  std::string process_name = "tetherd";
};

struct http_gateway_state {
  static inline const char* name = "http_gateway";
  http_gateway_settings cfg;
  int64_t started_at_ms = 0;
  std::map<uint16_t, uint64_t> responses;  // by status, for /metrics
  uint64_t jobs_accepted = 0;
  uint64_t registrations = 0;
  control_actor control;  // null while the control process is unreachable
  peers_actor peers;      // null in a single-process deployment
};

http_gateway_actor::behavior_type
http_gateway(http_gateway_actor::stateful_pointer<http_gateway_state> self,
             http_gateway_settings cfg, control_actor control,
             peers_actor peers);

} // namespace tether
