// The request handling of the http_gateway actor, apart from its actor
// plumbing (http_gateway.cpp): `serve` is the route table; every route
// decodes its body (api.hpp: 400 naming the field), asks the control plane
// through `ask`, and answers. The terminal and operational routes live in
// http_routes.cpp, the admin routes (docs/API.md "Operator side") in
// http_admin.cpp.
#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <utility>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/http_gateway/http_gateway.hpp"
#include "actors/policy/api.hpp"
#include "actors/system/request_deadlines.hpp"

namespace tether {

using gateway_ptr = http_gateway_actor::stateful_pointer<http_gateway_state>;

/// Answers request `req` on route `r` through `out`.
void serve(gateway_ptr self, const api::route& r, const http_request& req,
           const http_responder_ptr& out);

/// The admin routes (http_admin.cpp): PUT /v1/admin/clusters/{id}, the
/// label configuration, PUT /v1/admin/nodes/{id}, POST
/// /v1/admin/reallocate.
void put_cluster(gateway_ptr self, const api::route& r, const http_request& req,
                 const http_responder_ptr& out);
void get_label_config(gateway_ptr self, const api::route& r,
                      const http_request& req, const http_responder_ptr& out);
void put_label_config(gateway_ptr self, const api::route& r,
                      const http_request& req, const http_responder_ptr& out);
void put_node(gateway_ptr self, const api::route& r, const http_request& req,
              const http_responder_ptr& out);
void reallocate(gateway_ptr self, const api::route& r, const http_request& req,
                const http_responder_ptr& out);
/// DELETE /v1/admin/classes/{name}: ends a GE/GF class.
void clear_class(gateway_ptr self, const api::route& r, const http_request& req,
                 const http_responder_ptr& out);
/// GET /v1/admin/classes?ids=N: the GE/GF classes the control holds, each
/// with at most N member ids (http_classes.cpp).
void list_classes(gateway_ptr self, const api::route& r,
                  const http_request& req, const http_responder_ptr& out);
/// GET /v1/admin/events: server-sent events of what the dashboard shows
/// (http_events.cpp).
void admin_events(gateway_ptr self, const api::route& r,
                  const http_request& req, const http_responder_ptr& out);
/// GET /v1/admin/classes/{name}/members?after=&limit=: one class's member
/// ids, a page at a time (http_classes.cpp).
void class_members(gateway_ptr self, const api::route& r,
                   const http_request& req, const http_responder_ptr& out);
/// POST (revoke) and DELETE (lift) /v1/admin/terminals/{id}/revoke.
void revoke_terminal(gateway_ptr self, const api::route& r,
                     const http_request& req, const http_responder_ptr& out);

/// The body of GET /metrics (Prometheus text, docs/OPERATORS.md
/// "Metrics"): the gateway's counters, the clusters and nodes as the
/// control reports them, the series the roles keep (gathered through the
/// control), and this process (as last read, http_gateway_state::process).
std::string metrics_text(const http_gateway_state& st,
                         const std::vector<cluster_status>& clusters,
                         const std::vector<metric_series>& gathered = {});

/// The operator lists (http_lists.cpp): GET /v1/terminals (by id prefix)
/// and GET /v1/jobs (recent, by terminal and status); GET /ui/ (the
/// dashboard's static files, net/ui/).
void list_terminals(gateway_ptr self, const api::route& r,
                    const http_request& req, const http_responder_ptr& out);
void list_jobs(gateway_ptr self, const api::route& r, const http_request& req,
               const http_responder_ptr& out);
void ui_file(gateway_ptr self, const api::route& r, const http_request& req,
             const http_responder_ptr& out);
/// GET /v1/openapi.json: docs/openapi.json, compiled in with the dashboard's
/// files (net/ui/CMakeLists.txt); no key (it describes, it holds no data).
void openapi_document(gateway_ptr self, const api::route& r,
                      const http_request& req, const http_responder_ptr& out);

/// Per-call history (http_history.cpp): GET /v1/terminals/{id}/history;
/// `record_calls` wraps the responder of a call recorded in the terminal's
/// history (destination, attributes, user link, and a refused push) so its
/// answer's status is reported to the control; `record_call` reports one
/// (a registration, once its terminal id is proven).
void get_history(gateway_ptr self, const api::route& r, const http_request& req,
                 const http_responder_ptr& out);
http_responder_ptr record_calls(http_responder_ptr raw,
                                const control_actor& control,
                                const api::route& r);
void record_call(const control_actor& control, const std::string& terminal,
                 const char* call, uint16_t status);
/// The operator's calls on one job, terminal, cluster or node
/// (http_operator.cpp): DELETE /v1/jobs/{id} (cancel), DELETE
/// /v1/terminals/{id} (retire), GET /v1/admin/clusters/{id}, GET
/// /v1/admin/nodes.
void cancel_job(gateway_ptr self, const api::route& r, const http_request& req,
                const http_responder_ptr& out);
void retire_terminal(gateway_ptr self, const api::route& r,
                     const http_request& req, const http_responder_ptr& out);
void get_cluster(gateway_ptr self, const api::route& r, const http_request& req,
                 const http_responder_ptr& out);
void get_nodes(gateway_ptr self, const api::route& r, const http_request& req,
               const http_responder_ptr& out);

/// API keys (http_auth.cpp): every request comes through `on_request`,
/// which checks its key against the route (api_keys.hpp: access_of) before
/// `serve`; a key not in the cache waits for one refresh (at most one a
/// second). `refresh_keys` reads the keys from the control again.
void on_request(gateway_ptr self, http_request req, http_responder_ptr raw);
void refresh_keys(gateway_ptr self);
/// GET and POST /v1/admin/keys, DELETE /v1/admin/keys/{id}.
void get_keys(gateway_ptr self, const api::route& r, const http_request& req,
              const http_responder_ptr& out);
void post_key(gateway_ptr self, const api::route& r, const http_request& req,
              const http_responder_ptr& out);
void delete_key(gateway_ptr self, const api::route& r, const http_request& req,
                const http_responder_ptr& out);

/// GH: the user a pushed job names is linked to its terminal (as PUT
/// /v1/users/{user}/terminals/{id} does); a failure is only logged.
void link_job_user(gateway_ptr self, const std::string& terminal,
                   const std::string& user);
/// POST /v1/jobs/bulk (http_bulk.cpp): many jobs in one request, stored
/// in one batch, answered per item.
void bulk_push(gateway_ptr self, const api::route& r, const http_request& req,
               const http_responder_ptr& out);

/// The error branch of a request to the control plane: its error as the
/// contract's error body.
std::function<void(caf::error&)> on_error(gateway_ptr self,
                                          http_responder_ptr out);

/// Encodes a result with api::encode as a JSON answer with `status`.
inline auto json(uint16_t status) {
  return [status](const auto& x) {
    return api::json_response(status, api::encode(x));
  };
}

/// Asks the control plane `xs...`; fails with `sec::request_timeout` after
/// the request timeout, kept in the gateway's own deadline queue
/// (request_deadlines.hpp: no clock entry per request). Always at normal
/// priority: with CAF 0.17 the answer to an urgent request from another
/// process never arrives (a gateway process's pushes all timed out;
/// docs/ARCHITECTURE.md, Jobs). Handle it with `.then(f, g)`.
template <class... Ts>
auto request_control(gateway_ptr self, Ts&&... xs) {
  return timed_request(self, self->state.deadlines, self->state.control,
                       std::forward<Ts>(xs)...);
}

/// The one "request → encode → answer" chain: asks the control plane
/// `xs...` (request_control), answers `encode(result)` (an http_response),
/// or the error.
template <class Result, class Encode, class... Ts>
void ask(gateway_ptr self, const http_responder_ptr& out, Encode encode,
         Ts&&... xs) {
  request_control(self, std::forward<Ts>(xs)...)
    .then([self, out, encode = std::move(encode)](
            Result& x) { self->state.answer(out, encode(x)); },
          on_error(self, out));
}

/// The body decoded by `decode` (an api::decode_* of one value), or
/// nothing after answering 400 with the problem.
template <class T, class Decode>
std::optional<T> decoded(gateway_ptr self, const http_responder_ptr& out,
                         std::string_view body, Decode decode) {
  T value;
  if (auto problem = decode(body, value); !problem.empty()) {
    self->state.fail(out, errc::bad_request, problem);
    return std::nullopt;
  }
  return value;
}

} // namespace tether
