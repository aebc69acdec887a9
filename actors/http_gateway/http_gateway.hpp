// http_gateway: the HTTP API of docs/API.md. net/ parses the HTTP framing
// and hands each request over with a responder; this actor routes it
// (http_routes.hpp: the route table), asks the control plane with a
// timeout, and answers with the contract's JSON body or error. It also
// serves /healthz and /metrics.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "actors/http_gateway/api_keys.hpp"
#include "actors/http_gateway/event_hub.hpp"
#include "actors/http_gateway/metrics_text.hpp"
#include "actors/http_gateway/static_files.hpp"
#include "actors/http_gateway/waiting_room.hpp"
#include "actors/policy/api.hpp"
#include "actors/policy/callback_address.hpp"
#include "actors/system/errors.hpp"
#include "actors/system/interfaces.hpp"
#include "actors/system/request_deadlines.hpp"
#include "auth/device_auth.hpp"
#include "config/defaults.hpp"
#include "net/limits/source_buckets.hpp"

namespace tether {

struct http_gateway_settings {
  std::chrono::milliseconds request_timeout{defaults::request_timeout};
  uint32_t retry_after_s = 2;
  size_t max_payload = 256 * 1024;
  std::string process_name = "tetherd";
  // A callback_url at a literal address this refuses is refused at push.
  api::callback_policy callbacks;
  /// Service and operator keys required ([auth] api_keys; false only when
  /// the topology turns them off, warned at start).
  bool api_keys = true;
  /// How often the cached keys are read again from the control (a key
  /// revoked through another gateway stops working here within this).
  std::chrono::milliseconds key_refresh{5'000};
  /// An unknown key makes the gateway read the keys again at most this
  /// often (so unknown keys cannot make it ask the control per request).
  std::chrono::milliseconds key_wait_min{1'000};
  /// Device proofs and connect tokens; null: devices need no credential
  /// ([auth] devices = false).
  std::shared_ptr<auth::device_auth> devices;
  /// The process hosting each node (topology [[processes]]), for GET
  /// /v1/admin/nodes; a node not in it is in `process_name`'s process.
  std::map<std::string, std::string> node_processes;
  /// The dashboard's files under /ui/ (net/ui/); null: /ui/ answers 404.
  static_file_lookup ui_files = nullptr;
  /// Job pushes per API key ([limits] push_rate, push_burst): over it 429
  /// with a jittered Retry-After, before the control is asked.
  double push_rate = 1000;
  size_t push_burst = 5000;
  /// Items of one POST /v1/jobs/bulk ([limits] bulk_max_jobs): 413 over it.
  size_t bulk_max_jobs = 1000;
  /// GET /v1/admin/events streams open at once ([limits]
  /// max_event_streams): 503 + Retry-After over it; how often the views
  /// are read for changes while one is open; events one stream may have
  /// unwritten before it is dropped (`event: overflow`).
  size_t max_event_streams = 16;
  /// Device and service requests waiting for the control at once ([limits]
  /// http_max_waiting, waiting_room.hpp): 503 + Retry-After over it.
  size_t max_waiting = 1000;
  std::chrono::milliseconds events_period{1'000};
  size_t event_queue = 256;
  /// Events kept for clients that reconnect with Last-Event-ID ([limits]
  /// event_replay), and how long the views are still followed after the
  /// last stream closed, so that such a client misses nothing.
  size_t event_replay = 1000;
  std::chrono::milliseconds events_linger{30'000};
};

/// What /metrics counts of the gateway's answers. Shared by the state and
/// every request's responder, which counts its own answer as it goes out.
struct answer_counters {
  std::map<uint16_t, uint64_t> responses; // by status
  /// Answers by (route, status), latency by route (arrival to answer), and
  /// key/proof refusals by reason (docs/OPERATORS.md "Metrics").
  std::map<std::pair<std::string, uint16_t>, uint64_t> route_answers;
  std::map<std::string, metrics::histogram> route_latency;
  std::map<std::string, uint64_t> auth_refusals;
  /// One answer of `route` with `status`, `seconds` after its arrival.
  void count(const std::string& route, uint16_t status, double seconds);
};

/// The responder every request is answered through, made when it arrives
/// (http_gateway_state::arrived). It answers once (the first answer wins:
/// the control went away, or its answer came; later ones are dropped) and
/// counts that answer for /metrics itself, so a handler that wraps it in
/// its own responder changes neither. Decorators that must see the answer
/// only once (audit, API history) go beneath it with `decorate`. Used from
/// the gateway actor only.
class once_responder : public http_responder {
public:
  once_responder(http_responder_ptr inner,
                 std::shared_ptr<answer_counters> counters, std::string route,
                 std::string subject);
  bool answered() const { return inner_ == nullptr; }
  /// The connection beneath, for an answer that stays open (GET
  /// /v1/admin/events), counted now as `status`; null (nothing counted)
  /// when it cannot hold one. Later answers are dropped.
  std::shared_ptr<stream_opener> take_stream(uint16_t status);
  void respond(http_response r) override;
  /// Puts `wrap(inner)` between this and the connection.
  template <class Wrap>
  void decorate(Wrap&& wrap) {
    if (inner_)
      inner_ = wrap(std::move(inner_));
  }
  const std::string& route() const { return route_; }
  /// "terminal T1" or "job J1" for a route with an id ("" otherwise), for
  /// log lines.
  const std::string& subject() const { return subject_; }
  /// Names the subject once the body has (registration: the terminal).
  void name_subject(std::string subject) { subject_ = std::move(subject); }

private:
  http_responder_ptr inner_;
  std::shared_ptr<answer_counters> counters_;
  std::string route_;
  std::string subject_;
  std::chrono::steady_clock::time_point started_;
};
using once_responder_ptr = std::shared_ptr<once_responder>;

/// The `route` label of /metrics: the method and path template
/// ("POST /v1/terminals/{id}/jobs"); "other" for 404/405/bad ids.
std::string_view route_label(api::route::kind_t kind);

/// For log lines: the route of the request answered through `out` and its
/// terminal id ("POST /v1/terminals/{id}/jobs (terminal T1)"); "request"
/// when `out` is not the request's own responder (a handler's wrapper).
std::string request_context(const http_responder_ptr& out);

/// The gateway's state: its settings, the counters of /metrics, where the
/// control plane is, and the requests still waiting for it.
struct http_gateway_state {
  static inline const char* name = "http_gateway";
  http_gateway_settings cfg;
  int64_t started_at_ms = 0;
  /// Answers by status and route, latency, refusals: counted by each
  /// request's once_responder.
  std::shared_ptr<answer_counters> answers
    = std::make_shared<answer_counters>();
  uint64_t jobs_accepted = 0;
  uint64_t registrations = 0;
  /// This process's figures for /metrics, read again at most every
  /// `process_period_ms` (walking /proc/self/fd costs per open descriptor:
  /// not on every scrape of a busy process).
  metrics::process_figures process;
  int64_t process_read_ms = 0;
  int64_t process_period_ms = 10'000;
  void refresh_process_figures(int64_t now) {
    if (process_read_ms != 0 && now - process_read_ms < process_period_ms)
      return;
    process = metrics::read_process_figures();
    process_read_ms = now;
  }
  control_actor control; // null while the control process is unreachable
  /// The deadlines of the requests to the control (request_control,
  /// http_routes.hpp), made at start with cfg.request_timeout.
  request_deadlines deadlines;
  peers_actor peers; // null in a single-process deployment
  /// Requests not answered yet: when the control goes away they answer 503
  /// at once (a request already on its way to a dead process would only
  /// time out). Expired entries are pruned as new ones come.
  std::vector<std::weak_ptr<once_responder>> in_flight;
  size_t prune_at = 64;
  /// The places of device and service requests waiting for an answer
  /// (created at start with cfg.max_waiting).
  std::shared_ptr<waiting_room> waiting;
  /// One token bucket per API key id for pushes (created at start).
  std::shared_ptr<net::source_buckets> pushes;
  /// The API keys (hashed), as last read from the control (http_auth.cpp).
  api_keys keys;
  bool keys_refreshing = false;
  int64_t keys_asked_at_ms = 0; // the last refresh started then
  /// Requests with a key not in `keys`, waiting for the refresh under way.
  std::vector<std::pair<http_request, once_responder_ptr>> parked;
  /// The open GET /v1/admin/events streams (http_events.cpp).
  std::shared_ptr<event_hub> events;
  /// Their poller while one runs (told when the control is reached again).
  caf::actor events_poller;

  /// Every answer goes through here (`out` counts it and drops it when the
  /// request was answered already).
  void answer(const http_responder_ptr& out, http_response r);
  /// The contract's error body (and Retry-After for 503/429).
  void fail(const http_responder_ptr& out, errc code, std::string_view message);
  /// The responder of a request on route `r` that just arrived on `raw`.
  once_responder_ptr arrived(http_responder_ptr raw, const api::route& r);
  /// A request admitted to route `r`: its answer is counted in the
  /// terminal's API history (terminal routes), and it is remembered in
  /// `in_flight`.
  void track(const once_responder_ptr& out, const api::route& r);
  /// The control process went away: forget it, so that requests answer 503
  /// at once, and answer every waiting request 503 now.
  void control_gone(const caf::error& reason);
};

http_gateway_actor::behavior_type
http_gateway(http_gateway_actor::stateful_pointer<http_gateway_state> self,
             http_gateway_settings cfg, control_actor control,
             peers_actor peers);

} // namespace tether
