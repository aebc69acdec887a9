#include "actors/http_gateway/http_routes.hpp"

#include "actors/system/audit.hpp"
#include "actors/system/log.hpp"
#include "auth/device_certificate.hpp"
#include "net/limits/retry_after.hpp"

namespace tether {

std::function<void(caf::error&)> on_error(gateway_ptr self,
                                          http_responder_ptr out) {
  return [self, out](caf::error& err) {
    auto v = view(err);
    if (v.code == errc::internal || v.code == errc::unavailable)
      logger("gateway")->warn("{}: failed: {} ({})", request_context(out),
                              v.message, code_name(v.code));
    self->state.fail(out, v.code, v.message);
  };
}

namespace {

/// The gateway's own families: answers by status and by route, latency
/// by route, refusals by reason, registrations and accepted jobs.
void write_gateway_metrics(metrics::exposition& e,
                           const http_gateway_state& st) {
  e.family("tether_http_responses_total", "counter",
           "HTTP responses by status.");
  for (const auto& [status, n] : st.answers->responses)
    e.sample("tether_http_responses_total",
             {{"status", std::to_string(status)}}, static_cast<double>(n));
  e.family("tether_http_requests_total", "counter",
           "Routed HTTP requests answered, by route and status.");
  for (const auto& [key, n] : st.answers->route_answers)
    e.sample("tether_http_requests_total",
             {{"route", key.first}, {"status", std::to_string(key.second)}},
             static_cast<double>(n));
  e.family("tether_http_request_duration_seconds", "histogram",
           "Time from a routed request's arrival to its answer, by route "
           "(register latency; push: stored durably before the answer).");
  for (const auto& [route, h] : st.answers->route_latency)
    e.observe("tether_http_request_duration_seconds", {{"route", route}}, h);
  e.family("tether_auth_refusals_total", "counter",
           "Requests refused 401/403 by reason: no_key, unknown_key, "
           "missing_scope, device_proof.");
  for (const auto& [reason, n] : st.answers->auth_refusals)
    e.sample("tether_auth_refusals_total", {{"reason", reason}},
             static_cast<double>(n));
  e.family("tether_registrations_total", "counter",
           "Successful device registrations.");
  e.sample("tether_registrations_total", {},
           static_cast<double>(st.registrations));
  e.family("tether_jobs_accepted_total", "counter",
           "Jobs accepted (202) by this gateway.");
  e.sample("tether_jobs_accepted_total", {},
           static_cast<double>(st.jobs_accepted));
}

/// Families per cluster (connections, assigned terminals, weight, state,
/// balancers, live WebSocket objects).
void write_cluster_metrics(metrics::exposition& e,
                           const std::vector<cluster_status>& clusters) {
  auto gauge = [&](const char* name, const char* help, auto value_of) {
    e.family(name, "gauge", help);
    for (const auto& c : clusters)
      e.sample(name, {{"cluster", c.cluster_id}},
               static_cast<double>(value_of(c)));
  };
  gauge("tether_cluster_connections", "Device connections of the cluster.",
        [](const cluster_status& c) { return c.connections; });
  gauge("tether_cluster_assigned_terminals",
        "Terminals the control assigns to the cluster.",
        [](const cluster_status& c) { return c.assigned; });
  gauge("tether_cluster_weight", "The cluster's weight.",
        [](const cluster_status& c) { return c.weight; });
  gauge("tether_cluster_balancers", "Balancers (URLs) of the cluster.",
        [](const cluster_status& c) { return c.balancers.size(); });
  // Counted from construction and destruction of the objects themselves,
  // so that anything that keeps finished connections shows here.
  gauge("tether_ws_connections_live",
        "WebSocket connection objects that exist in the cluster's balancers.",
        [](const cluster_status& c) { return c.ws_connections; });
  e.family("tether_cluster_state", "gauge",
           "1 for the cluster's current state (active, draining).");
  for (const auto& c : clusters)
    e.sample("tether_cluster_state",
             {{"cluster", c.cluster_id}, {"state", c.state}}, 1);
}

/// Families per node (sessions, live session actors, state, CPU, memory).
void write_node_metrics(metrics::exposition& e,
                        const std::vector<cluster_status>& clusters) {
  // A load gauge has no sample for a node whose load is not known (failed:
  // its process does not answer); a count has none for a node no balancer
  // reported (unknown: its sessions are not known either).
  enum class figure { count, load };
  auto gauge = [&](const char* name, const char* help, auto value_of,
                   figure kind = figure::load) {
    e.family(name, "gauge", help);
    for (const auto& c : clusters)
      for (const auto& n : c.nodes)
        if (kind == figure::count ? n.state != "unknown" : n.load_known())
          e.sample(name, {{"cluster", c.cluster_id}, {"node", n.node_id}},
                   static_cast<double>(value_of(n)));
  };
  gauge(
    "tether_node_sessions", "Device sessions on the node.",
    [](const node_status& n) { return n.sessions; }, figure::count);
  gauge(
    "tether_session_actors_live", "Session actors that exist on the node.",
    [](const node_status& n) { return n.session_actors; }, figure::count);
  gauge("tether_node_cpu_ratio",
        "CPU used by the node's process, as a share of one core.",
        [](const node_status& n) { return n.cpu; });
  gauge("tether_node_resident_memory_bytes",
        "Resident memory of the node's process in bytes.",
        [](const node_status& n) { return n.memory; });
  gauge("tether_node_cpu_utilisation",
        "CPU of the node's process as a share of the host's CPUs (0-1).",
        [](const node_status& n) { return n.cpu_util; });
  gauge("tether_node_memory_utilisation",
        "Resident memory of the node's process as a share of the host's "
        "memory (0-1).",
        [](const node_status& n) { return n.memory_util; });
  gauge("tether_node_host_cpu_utilisation",
        "Busy share of the CPUs of the node's host (0-1).",
        [](const node_status& n) { return n.host_cpu_util; });
  gauge("tether_node_host_memory_utilisation",
        "Memory in use on the node's host (0-1).",
        [](const node_status& n) { return n.host_memory_util; });
  e.family("tether_node_state", "gauge",
           "1 for the node's current state (active, draining, standby, "
           "moving, failed, unknown).");
  for (const auto& c : clusters)
    for (const auto& n : c.nodes)
      e.sample(
        "tether_node_state",
        {{"cluster", c.cluster_id}, {"node", n.node_id}, {"state", n.state}},
        1);
}

} // namespace

std::string metrics_text(const http_gateway_state& st,
                         const std::vector<cluster_status>& clusters,
                         const std::vector<metric_series>& gathered) {
  metrics::exposition e;
  write_gateway_metrics(e, st);
  write_cluster_metrics(e, clusters);
  write_node_metrics(e, clusters);
  metrics::write_series(e, gathered);
  write_process_figures(e, st.process);
  return e.text();
}

namespace {

/// The control part of GET /healthz: 200 when the control plane answers,
/// else 503 with the reason.
void health_of_control(gateway_ptr self, http_responder_ptr out,
                       std::shared_ptr<api::health> h) {
  request_control(self, status_atom::value)
    .then(
      [self, out, h](std::vector<cluster_status>& cs) {
        h->clusters = cs.size();
        self->state.answer(out, api::json_response(200, api::encode(*h)));
      },
      [self, out, h](caf::error& err) {
        h->status = "unavailable";
        h->problem = view(err).message;
        auto resp = api::json_response(503, api::encode(*h));
        resp.headers.emplace_back(
          "Retry-After", std::to_string(self->state.cfg.retry_after_s));
        self->state.answer(out, std::move(resp));
      });
}

/// GET /healthz without an admin key (when keys are on): only the status,
/// 200 {"status":"ok"} or 503 {"status":"unavailable"}.
void health_status_only(gateway_ptr self, const http_responder_ptr& out) {
  request_control(self, status_atom::value)
    .then(
      [self, out](std::vector<cluster_status>&) {
        self->state.answer(out, api::json_response(200, R"({"status":"ok"})"));
      },
      [self, out](caf::error&) {
        auto resp = api::json_response(503, R"({"status":"unavailable"})");
        resp.headers.emplace_back(
          "Retry-After", std::to_string(self->state.cfg.retry_after_s));
        self->state.answer(out, std::move(resp));
      });
}

/// GET /healthz: how the control plane is and, when this process has
/// peers, how the peer processes are (the full body needs an admin key).
void healthz(gateway_ptr self, const api::route&, const http_request& req,
             const http_responder_ptr& out) {
  auto& st = self->state;
  if (st.cfg.api_keys && !st.keys.allows(req.authorization, "admin"))
    return health_status_only(self, out);
  auto h = std::make_shared<api::health>();
  h->process = st.cfg.process_name;
  h->uptime_s = (now_ms() - st.started_at_ms) / 1000;
  if (!st.peers)
    return health_of_control(self, out, h);
  self
    ->request(st.peers, st.cfg.request_timeout, get_atom::value,
              peer_atom::value)
    .then(
      [self, out, h](std::vector<peer_status>& ps) {
        h->peers = std::move(ps);
        health_of_control(self, out, h);
      },
      [self, out, h](caf::error&) { health_of_control(self, out, h); });
}

/// GET /metrics: the clusters and nodes (status), then every role's
/// series (the control gathers them; a part that does not answer is left
/// out and shows as tether_metrics_source_up 0).
void metrics(gateway_ptr self, const api::route&, const http_request&,
             const http_responder_ptr& out) {
  auto with_series = [self, out](std::vector<cluster_status>& cs) {
    auto answer = [self, out, cs](const std::vector<metric_series>& got) {
      self->state.refresh_process_figures(now_ms());
      auto resp = api::json_response(200, metrics_text(self->state, cs, got));
      resp.content_type = "text/plain; version=0.0.4";
      self->state.answer(out, std::move(resp));
    };
    auto control_up = [](bool up) {
      metric_series s;
      s.name = "tether_metrics_source_up";
      s.labels = {{"source", "control"}};
      s.value = up ? 1 : 0;
      return s;
    };
    request_control(self, get_atom::value, metrics_atom::value)
      .then(
        [answer, control_up](std::vector<metric_series>& got) {
          got.push_back(control_up(true));
          answer(got);
        },
        [answer, control_up](caf::error&) { answer({control_up(false)}); });
  };
  request_control(self, status_atom::value)
    .then(with_series, on_error(self, out));
}

void put_attributes(gateway_ptr self, const api::route& r,
                    const http_request& req, const http_responder_ptr& out) {
  if (auto attrs = decoded<std::map<std::string, std::string>>(
        self, out, req.body, api::decode_attributes))
    ask<terminal_status>(self, out, json(200), put_atom::value,
                         attrs_atom::value, r.id, std::move(*attrs));
}

void link_user(gateway_ptr self, const api::route& r, const http_request&,
               const http_responder_ptr& out) {
  ask<terminal_status>(self, out, json(200), put_atom::value, user_atom::value,
                       r.user, r.id);
}

/// The enrollment group a device request names (empty when none).
std::string group_of(const http_request& req) {
  auto proof = auth::parse_proof(req.authorization);
  return proof ? proof->kid : std::string{};
}

/// Whether `req` carries a valid device proof for `terminal_id` (always
/// when device auth is off); false after answering 401. A verified client
/// certificate of the connection decides alone (auth/device_certificate.hpp):
/// it must name `terminal_id`, and then no proof header is needed.
bool device_proven(gateway_ptr self, const http_request& req,
                   const std::string& terminal_id,
                   const http_responder_ptr& out) {
  auto& devices = self->state.cfg.devices;
  if (!devices)
    return true;
  bool by_certificate = !req.certificate.empty();
  auto why = by_certificate
             ? auth::certificate_refusal(req.certificate, terminal_id)
             : devices->proofs.check(req.authorization, terminal_id, req.method,
                                     req.target, req.body, now_ms() / 1000);
  if (why.empty())
    return true;
  logger("gateway")->info("device proof for {} from {} refused: {}",
                          terminal_id, req.peer, why);
  audit("auth.device_refused",
        {{"terminal_id", terminal_id},
         {"source", req.peer},
         {"key_id", by_certificate ? std::string{} : group_of(req)},
         {"path", req.target.substr(0, 200)},
         {"reason", why},
         {"credential", by_certificate ? "certificate" : "proof"}});
  self->state.fail(out, errc::unauthorized, why);
  return false;
}

/// The destination with a fresh connect token (when tokens are issued).
http_response with_token(const http_gateway_state& st, destination& d) {
  if (st.cfg.devices && st.cfg.devices->tokens)
    d.token = st.cfg.devices->tokens->issue(d.terminal_id, d.cluster_id,
                                            d.token_generation, now_ms() / 1000,
                                            st.cfg.devices->token_ttl);
  return api::json_response(200, api::encode(d));
}

void register_terminal(gateway_ptr self, const api::route&,
                       const http_request& req, const http_responder_ptr& out) {
  auto registered
    = [self, source = req.peer, group = group_of(req)](destination& d) {
        ++self->state.registrations;
        record_call(self->state.control, d.terminal_id, "register", 200);
        if (d.created)
          audit("terminal.created", {{"terminal_id", d.terminal_id},
                                     {"cluster_id", d.cluster_id},
                                     {"source", source},
                                     {"key_id", group}});
        return with_token(self->state, d);
      };
  auto facts
    = decoded<terminal_record>(self, out, req.body, api::decode_register);
  if (!facts || !device_proven(self, req, facts->terminal_id, out))
    return;
  // The id is in the body: log lines of a failure name it.
  if (auto* once = dynamic_cast<once_responder*>(out.get()))
    once->name_subject("terminal " + facts->terminal_id);
  // A refusal of a device that proved its id (400, 409, 503) is recorded
  // in its history from the error branch, where the status is known.
  request_control(self, register_atom::value, *facts)
    .then([self, out, registered](
            destination& d) { self->state.answer(out, registered(d)); },
          [self, out, id = facts->terminal_id](caf::error& err) {
            auto status = api::error_response(view(err).code, {}, 0).status;
            if (status != 401 && status != 403)
              record_call(self->state.control, id, "register", status);
            on_error(self, out)(err);
          });
}

void get_destination(gateway_ptr self, const api::route& r,
                     const http_request& req, const http_responder_ptr& out) {
  auto answer = [self](destination& d) {
    return with_token(self->state, d);
  };
  if (device_proven(self, req, r.id, out))
    ask<destination>(self, out, answer, dest_atom::value, r.id);
}

void get_terminal(gateway_ptr self, const api::route& r, const http_request&,
                  const http_responder_ptr& out) {
  ask<terminal_status>(self, out, json(200), get_atom::value,
                       terminal_atom::value, r.id);
}

/// Whether the caller's key may push now ([limits] push_rate per key; one
/// bucket for all when keys are off); false after answering 429.
bool push_allowed(gateway_ptr self, const http_request& req,
                  const http_responder_ptr& out) {
  auto& st = self->state;
  const auto* key = st.keys.find(req.authorization);
  auto key_id = key != nullptr ? key->key_id : std::string{};
  auto wait = st.pushes->take(key_id);
  if (wait.count() == 0)
    return true;
  logger("gateway")->debug("push of key \"{}\" from {} refused: rate", key_id,
                           req.peer);
  st.answer(out, api::error_response(
                   errc::too_many_requests,
                   "too many job pushes with this API key; retry after the "
                   "time in Retry-After",
                   static_cast<uint32_t>(net::jittered_seconds(wait))));
  return false;
}

} // namespace

void link_job_user(gateway_ptr self, const std::string& terminal,
                   const std::string& user) {
  if (user.empty() || !self->state.control)
    return;
  request_control(self, put_atom::value, user_atom::value, user, terminal)
    .then([](terminal_status&) {},
          [terminal](caf::error& err) {
            logger("http_gateway")
              ->warn("{}: user of a job not linked: {}", terminal,
                     caf::to_string(err));
          });
}

namespace {

void push_job(gateway_ptr self, const api::route& r, const http_request& req,
              const http_responder_ptr& out) {
  if (!push_allowed(self, req, out))
    return;
  job_record job;
  errc code;
  if (auto problem
      = api::decode_job(req.body, self->state.cfg.max_payload, job, code);
      !problem.empty())
    return self->state.fail(out, code, problem);
  if (auto problem = api::refuse_callback_literal(job.callback_url,
                                                  self->state.cfg.callbacks);
      !problem.empty())
    return self->state.fail(out, errc::bad_request, problem);
  job.terminal_id = r.id;
  std::string user; // GH (docs/LABELS.md)
  if (auto problem = api::decode_job_user(req.body, user); !problem.empty())
    return self->state.fail(out, errc::bad_request, problem);
  auto accepted = [self, user](job_record& j) {
    link_job_user(self, j.terminal_id, user);
    ++self->state.jobs_accepted;
    return api::json_response(202, api::encode_job_accepted(j));
  };
  ask<job_record>(self, out, accepted, push_atom::value, job);
}

void get_job(gateway_ptr self, const api::route& r, const http_request&,
             const http_responder_ptr& out) {
  ask<job_record>(self, out, json(200), get_atom::value, job_atom::value, r.id);
}

void get_clusters(gateway_ptr self, const api::route&, const http_request&,
                  const http_responder_ptr& out) {
  ask<std::vector<cluster_status>>(self, out, json(200), status_atom::value);
}

void method_not_allowed(gateway_ptr self, const api::route& r,
                        const http_request& req,
                        const http_responder_ptr& out) {
  auto resp = api::error_response(errc::method_not_allowed,
                                  "method " + req.method + " is not allowed on "
                                    + req.target.substr(0, 200)
                                    + " (allowed: " + r.allow + ")");
  resp.headers.emplace_back("Allow", r.allow);
  self->state.answer(out, std::move(resp));
}

void bad_id(gateway_ptr self, const api::route& r, const http_request&,
            const http_responder_ptr& out) {
  self->state.fail(out, errc::bad_request,
                   "path id \"" + r.id
                     + "\" must be 1-128 characters from [A-Za-z0-9._:-]");
}

void not_found(gateway_ptr self, const api::route&, const http_request& req,
               const http_responder_ptr& out) {
  self->state.fail(out, errc::not_found,
                   "no such endpoint: " + req.method + " "
                     + req.target.substr(0, 200));
}

using handler = void (*)(gateway_ptr, const api::route&, const http_request&,
                         const http_responder_ptr&);

handler handler_of(api::route::kind_t kind) {
  using api::route;
  switch (kind) {
  case route::register_terminal:
    return register_terminal;
  case route::destination:
    return get_destination;
  case route::terminal:
    return get_terminal;
  case route::push_job:
    return push_job;
  case route::attributes:
    return put_attributes;
  case route::user_link:
    return link_user;
  case route::job:
    return get_job;
  case route::admin_clusters:
    return get_clusters;
  case route::admin_cluster:
    return put_cluster;
  case route::label_config_get:
    return get_label_config;
  case route::label_config_put:
    return put_label_config;
  case route::admin_node:
    return put_node;
  case route::reallocate:
    return reallocate;
  case route::admin_keys_get:
    return get_keys;
  case route::admin_keys_post:
    return post_key;
  case route::admin_key_delete:
    return delete_key;
  case route::terminals_list:
    return list_terminals;
  case route::jobs_list:
    return list_jobs;
  case route::ui:
    return ui_file;
  case route::openapi:
    return openapi_document;
  case route::terminal_revoke:
    return revoke_terminal;
  case route::history:
    return get_history;
  case route::job_cancel:
    return cancel_job;
  case route::terminal_retire:
    return retire_terminal;
  case route::admin_cluster_get:
    return get_cluster;
  case route::admin_nodes:
    return get_nodes;
  case route::admin_class_delete:
    return clear_class;
  case route::admin_classes_list:
    return list_classes;
  case route::bulk_push:
    return bulk_push;
  case route::admin_events:
    return admin_events;
  case route::admin_class_members:
    return class_members;
  case route::healthz:
    return healthz;
  case route::metrics:
    return metrics;
  case route::method_not_allowed:
    return method_not_allowed;
  case route::bad_id:
    return bad_id;
  case route::not_found:
    break;
  }
  return not_found;
}

} // namespace

void serve(gateway_ptr self, const api::route& r, const http_request& req,
           const http_responder_ptr& out) {
  handler_of(r.kind)(self, r, req, out);
}

} // namespace tether
