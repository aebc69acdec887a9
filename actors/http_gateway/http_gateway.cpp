#include "actors/http_gateway/http_gateway.hpp"

#include <caf/send.hpp>

#include "actors/http_gateway/http_routes.hpp"
#include "actors/system/log.hpp"
#include "storage/secrets_dir.hpp"

namespace tether {

void answer_counters::count(const std::string& route, uint16_t status,
                            double seconds) {
  ++responses[status];
  ++route_answers[{route, status}];
  route_latency.try_emplace(route, metrics::latency_bounds())
    .first->second.observe(seconds);
  if (status == 401
      && (route == route_label(api::route::register_terminal)
          || route == route_label(api::route::destination)))
    ++auth_refusals["device_proof"];
}

once_responder::once_responder(http_responder_ptr inner,
                               std::shared_ptr<answer_counters> counters,
                               std::string route, std::string subject)
    : inner_(std::move(inner)), counters_(std::move(counters)),
      route_(std::move(route)), subject_(std::move(subject)),
      started_(std::chrono::steady_clock::now()) {}

void once_responder::respond(http_response r) {
  auto inner = std::move(inner_);
  if (!inner)
    return;
  counters_->count(
    route_, r.status,
    std::chrono::duration<double>(std::chrono::steady_clock::now() - started_)
      .count());
  inner->respond(std::move(r));
}

std::shared_ptr<stream_opener> once_responder::take_stream(uint16_t status) {
  auto opener = std::dynamic_pointer_cast<stream_opener>(inner_);
  if (!opener)
    return nullptr;
  inner_ = nullptr;
  counters_->count(
    route_, status,
    std::chrono::duration<double>(std::chrono::steady_clock::now() - started_)
      .count());
  return opener;
}

namespace {

/// "terminal T1", "job J1", "cluster C1", "node n1" or "" (log lines).
std::string id_label(const api::route& r) {
  using api::route;
  if (r.id.empty())
    return {};
  switch (r.kind) {
  case route::destination:
  case route::terminal:
  case route::history:
  case route::push_job:
  case route::attributes:
  case route::user_link:
  case route::terminal_revoke:
  case route::terminal_retire:
    return "terminal " + r.id;
  case route::job:
  case route::job_cancel:
    return "job " + r.id;
  case route::admin_cluster:
  case route::admin_cluster_get:
    return "cluster " + r.id;
  case route::admin_class_delete:
  case route::admin_class_members:
    return "class " + r.id;
  case route::admin_node:
    return "node " + r.id;
  default:
    return {};
  }
}

} // namespace

std::string request_context(const http_responder_ptr& out) {
  auto* once = dynamic_cast<once_responder*>(out.get());
  if (once == nullptr)
    return "request";
  if (once->subject().empty())
    return once->route();
  return once->route() + " (" + once->subject() + ")";
}

std::string_view route_label(api::route::kind_t kind) {
  using api::route;
  switch (kind) {
  case route::register_terminal:
    return "POST /v1/terminals/register";
  case route::destination:
    return "GET /v1/terminals/{id}/destination";
  case route::terminal:
    return "GET /v1/terminals/{id}";
  case route::push_job:
    return "POST /v1/terminals/{id}/jobs";
  case route::attributes:
    return "PUT /v1/terminals/{id}/attributes";
  case route::user_link:
    return "PUT /v1/users/{user}/terminals/{id}";
  case route::job:
    return "GET /v1/jobs/{id}";
  case route::admin_clusters:
    return "GET /v1/admin/clusters";
  case route::admin_cluster:
    return "PUT /v1/admin/clusters/{id}";
  case route::label_config_get:
    return "GET /v1/admin/label-config";
  case route::label_config_put:
    return "PUT /v1/admin/label-config";
  case route::admin_node:
    return "PUT /v1/admin/nodes/{id}";
  case route::reallocate:
    return "POST /v1/admin/reallocate";
  case route::admin_keys_get:
    return "GET /v1/admin/keys";
  case route::admin_keys_post:
    return "POST /v1/admin/keys";
  case route::admin_key_delete:
    return "DELETE /v1/admin/keys/{id}";
  case route::terminal_revoke:
    return "POST|DELETE /v1/admin/terminals/{id}/revoke";
  case route::healthz:
    return "GET /healthz";
  case route::metrics:
    return "GET /metrics";
  case route::terminals_list:
    return "GET /v1/terminals";
  case route::jobs_list:
    return "GET /v1/jobs";
  case route::ui:
    return "GET /ui/{file}";
  case route::openapi:
    return "GET /v1/openapi.json";
  case route::history:
    return "GET /v1/terminals/{id}/history";
  case route::job_cancel:
    return "DELETE /v1/jobs/{id}";
  case route::terminal_retire:
    return "DELETE /v1/terminals/{id}";
  case route::admin_nodes:
    return "GET /v1/admin/nodes";
  case route::admin_cluster_get:
    return "GET /v1/admin/clusters/{id}";
  case route::admin_class_delete:
    return "DELETE /v1/admin/classes/{name}";
  case route::admin_classes_list:
    return "GET /v1/admin/classes";
  case route::bulk_push:
    return "POST /v1/jobs/bulk";
  case route::admin_events:
    return "GET /v1/admin/events";
  case route::admin_class_members:
    return "GET /v1/admin/classes/{name}/members";

  case route::not_found:
  case route::method_not_allowed:
  case route::bad_id:
    break;
  }
  return "other";
}

void http_gateway_state::answer(const http_responder_ptr& out,
                                http_response r) {
  out->respond(std::move(r));
}

void http_gateway_state::fail(const http_responder_ptr& out, errc code,
                              std::string_view message) {
  answer(out, api::error_response(code, message, cfg.retry_after_s));
}

once_responder_ptr http_gateway_state::arrived(http_responder_ptr raw,
                                               const api::route& r) {
  return std::make_shared<once_responder>(
    std::move(raw), answers, std::string{route_label(r.kind)}, id_label(r));
}

void http_gateway_state::track(const once_responder_ptr& out,
                               const api::route& r) {
  // Beneath the once_responder, so that an answer after the first one is
  // dropped before it is recorded. (A push counts in its terminal's API
  // calls, GC, where it is stored: control_state::job_stored.)
  out->decorate([&](http_responder_ptr inner) {
    return record_calls(std::move(inner), control, r); // http_history.cpp
  });
  if (in_flight.size() >= prune_at) {
    std::erase_if(in_flight, [](auto& w) { return w.expired(); });
    prune_at = std::max<size_t>(64, 2 * in_flight.size());
  }
  in_flight.emplace_back(out);
}

void http_gateway_state::control_gone(const caf::error& reason) {
  logger("gateway")->warn("control is gone: {}", caf::to_string(reason));
  control = nullptr;
  auto waiting = std::move(in_flight);
  for (auto& w : waiting)
    if (auto out = w.lock(); out && !out->answered())
      fail(out, errc::unavailable,
           "the control plane went away while answering (its process is "
           "down)");
}

namespace {

/// The hub of GET /v1/admin/events: its ids start with a run tag of this
/// start, so that a Last-Event-ID of an earlier run or another gateway
/// gets `reset`; a replay fits in one stream's queue.
std::shared_ptr<event_hub> make_event_hub(const http_gateway_settings& cfg) {
  event_hub::replay_options replay{
    cfg.event_replay, cfg.event_queue > 1 ? cfg.event_queue - 1 : 1,
    cfg.events_linger, storage::random_hex(4)};
  return std::make_shared<event_hub>(
    cfg.max_event_streams, std::chrono::seconds{15}, std::move(replay));
}

} // namespace

http_gateway_actor::behavior_type http_gateway(gateway_ptr self,
                                               http_gateway_settings cfg,
                                               control_actor control,
                                               peers_actor peers) {
  self->state.cfg = std::move(cfg);
  self->state.deadlines = request_deadlines{self->state.cfg.request_timeout};
  self->state.started_at_ms = now_ms();
  self->state.control = std::move(control);
  self->state.peers = std::move(peers);
  self->state.events = make_event_hub(self->state.cfg);
  self->state.waiting
    = std::make_shared<waiting_room>(self->state.cfg.max_waiting);
  self->state.pushes = std::make_shared<net::source_buckets>(
    self->state.cfg.push_rate, self->state.cfg.push_burst, 10'000);
  // A control in another process that goes away: forget it, so requests
  // answer 503 at once instead of waiting for a dead proxy to time out.
  self->set_down_handler([self](const caf::down_msg& dm) {
    if (self->state.control && self->state.control.address() == dm.source)
      self->state.control_gone(dm.reason);
  });
  if (self->state.cfg.api_keys) {
    refresh_keys(self);
    self->delayed_send(self, self->state.cfg.key_refresh, key_atom::value,
                       tick_atom::value);
  }
  return {
    [self](answered_atom, uint16_t status) {
      ++self->state.answers->responses[status];
    },
    [self](peer_atom, const peer_directory& dir) {
      if (dir.control) {
        logger("gateway")->info("control reachable (process {})", dir.process);
        self->state.control = dir.control;
        self->monitor(dir.control);
        refresh_keys(self);
        if (self->state.events_poller) // a stale handle drops the message
          caf::anon_send(self->state.events_poller, peer_atom::value,
                         dir.control);
      }
    },
    [self](http_request& req, http_responder_ptr& raw) {
      on_request(self, std::move(req), std::move(raw));
    },
    [self](key_atom, tick_atom) {
      refresh_keys(self);
      self->delayed_send(self, self->state.cfg.key_refresh, key_atom::value,
                         tick_atom::value);
    },
    [self](deadline_atom) { sweep_deadlines(self, self->state.deadlines); },
  };
}

} // namespace tether
