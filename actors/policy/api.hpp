// The HTTP API of docs/API.md as plain C++: routing, request-body decoding
// (every error names the field) and response encoding. The http_gateway actor
// uses it; tests/actors/policy/api_test.cpp tests it without sockets.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/system/errors.hpp"
#include "actors/system/messages.hpp"

namespace tether::api {

/// Ids: 1–128 characters of [A-Za-z0-9._:-].
bool valid_id(std::string_view id);

struct route {
  enum kind_t {
    register_terminal, // POST /v1/terminals/register
    destination,       // GET  /v1/terminals/{id}/destination
    terminal,          // GET  /v1/terminals/{id}
    push_job,          // POST /v1/terminals/{id}/jobs
    attributes,        // PUT  /v1/terminals/{id}/attributes
    user_link,         // PUT  /v1/users/{user}/terminals/{id}
    job,               // GET  /v1/jobs/{id}
    admin_clusters,    // GET  /v1/admin/clusters
    admin_cluster,     // PUT  /v1/admin/clusters/{id}
    label_config_get,  // GET  /v1/admin/label-config
    label_config_put,  // PUT  /v1/admin/label-config
    admin_node,        // PUT  /v1/admin/nodes/{id}
    reallocate,        // POST /v1/admin/reallocate
    admin_keys_get,    // GET  /v1/admin/keys
    admin_keys_post,   // POST /v1/admin/keys
    admin_key_delete,  // DELETE /v1/admin/keys/{id}
    terminal_revoke,   // POST|DELETE /v1/admin/terminals/{id}/revoke
    healthz,           // GET  /healthz
    metrics,           // GET  /metrics
    not_found,
    method_not_allowed,
    bad_id,         // a path id that is not a valid id
    terminals_list, // GET /v1/terminals?prefix=&limit=
    jobs_list,      // GET /v1/jobs?terminal_id=&status=&limit=
    ui,             // GET /ui/{file} (id: the file's path below /ui/)
    openapi,        // GET /v1/openapi.json (docs/openapi.json, no key)
    history,        // GET /v1/terminals/{id}/history?since=&limit=&cursor=
    // operator calls (issue 13, item 8)
    job_cancel,          // DELETE /v1/jobs/{id}
    terminal_retire,     // DELETE /v1/terminals/{id}
    admin_nodes,         // GET /v1/admin/nodes
    admin_cluster_get,   // GET /v1/admin/clusters/{id}
    admin_class_delete,  // DELETE /v1/admin/classes/{name} (a GE/GF class)
    admin_classes_list,  // GET /v1/admin/classes?ids= (the GE/GF classes)
    bulk_push,           // POST /v1/jobs/bulk (api_bulk.hpp)
    admin_events,        // GET /v1/admin/events (server-sent events)
    admin_class_members, // GET /v1/admin/classes/{name}/members?after=&limit=
  } kind
    = not_found;
  std::string id;    // terminal or job id
  std::string user;  // user_link
  std::string allow; // method_not_allowed: the methods the path takes
};

route match(std::string_view method, std::string_view target);

/// The decoded `name=value` pairs of the query of `target` (RFC 3986,
/// `+` read as a space), in order; nullopt when the query is malformed
/// (a bad %-escape or a character no query may hold).
std::optional<std::vector<std::pair<std::string, std::string>>>
query_params(std::string_view target);

/// The decoded value of the first parameter `name` in the query of
/// `target`; empty when it is absent or the query is malformed.
std::string query_value(std::string_view target, std::string_view name);

/// The query of the operator lists (GET /v1/terminals, GET /v1/jobs).
struct list_query {
  std::string prefix;      // terminals: id prefix (empty: any)
  std::string terminal_id; // jobs: of this terminal (empty: any)
  std::string status;      // jobs: in this status (empty: any)
  uint32_t limit = 50;     // 1..1000
};

/// Decodes the query string of `target` for route `kind` (terminals_list
/// or jobs_list): an empty string or the problem, naming the parameter
/// (unknown parameters are refused).
std::string decode_list_query(std::string_view target, route::kind_t kind,
                              list_query& out);

/// Decodes a registration body. Returns an empty string or the problem,
/// naming the field.
std::string decode_register(std::string_view body, terminal_record& out);

/// Decodes a job push body into `out` (service, payload, ttl, callback).
/// On failure returns the problem and sets `code` (bad_request or
/// payload_too_large).
std::string decode_job(std::string_view body, size_t max_payload,
                       job_record& out, errc& code);

/// The optional `user` of a job push body (GH: the user a job names,
/// linked to the terminal automatically); empty when absent. Returns the
/// problem when it is not an id (1-128 characters of [A-Za-z0-9._:-]).
std::string decode_job_user(std::string_view body, std::string& user);

/// Decodes a PUT attributes body: an object of string values.
std::string decode_attributes(std::string_view body,
                              std::map<std::string, std::string>& out);

/// Decodes PUT /v1/admin/clusters/{id}: "labels" (object of label item ->
/// value or list of values), "state" ("active" or "draining"), "weight"
/// (0..1000000); what is left out is unchanged. Unknown fields are refused.
std::string decode_cluster_change(std::string_view body, cluster_change& out);

/// Decodes PUT /v1/admin/label-config: {"items":[known label items]}.
std::string decode_label_config(std::string_view body,
                                std::vector<std::string>& items);

/// Decodes PUT /v1/admin/nodes/{id}: {"state":"active" or "draining"}.
std::string decode_node_state(std::string_view body, std::string& state);
/// PUT /v1/admin/nodes/{id}: `state`, `capacity` (1-1000000) and `weight`
/// (0-1000000), each optional (at least one).
std::string decode_node_change(std::string_view body, node_change& out);

/// Decodes POST /v1/admin/reallocate: {} (every terminal), or
/// {"cluster_id":".."}, or {"terminal_ids":[..]} (not both). An empty
/// body is refused: moving the whole fleet takes an explicit {}.
std::string decode_reallocate(std::string_view body, std::string& cluster_id,
                              std::vector<std::string>& terminal_ids);

std::string encode(const destination& d);
std::string encode(const cluster_status& c);
std::string encode(const node_status& n);
std::string encode(const realloc_summary& r);
std::string encode_label_config(const std::vector<std::string>& items);
/// DELETE /v1/admin/classes/{name}: {"class","cleared":true,"terminals"}.
std::string encode_class_cleared(const std::string& name, uint64_t terminals);
std::string encode(const job_record& j);
std::string encode(const terminal_status& t);
std::string encode(const std::vector<cluster_status>& cs);
std::string encode_job_accepted(const job_record& j);
/// GET /healthz: `status` "ok" or "unavailable" (the control plane does not
/// answer), this process, its uptime, the clusters (when known), why it is
/// unavailable (if so), and how the peer processes are.
struct health {
  std::string status = "ok";
  std::string process;
  int64_t uptime_s = 0;
  std::optional<size_t> clusters;
  std::string problem;
  std::vector<peer_status> peers;
};
std::string encode(const health& h);

/// {"terminals":[terminal as encode shows it,...]} and {"jobs":[...]}.
std::string encode_terminal_list(const std::vector<terminal_status>& ts);
std::string encode_job_list(const std::vector<job_record>& jobs);
/// GET /v1/admin/nodes: every node of every cluster with its cluster and
/// process (`process_of` by node id, else `default_process`); a failed
/// node's state is "down".
std::string
encode_node_list(const std::vector<cluster_status>& cs,
                 const std::map<std::string, std::string>& process_of,
                 const std::string& default_process);

/// {"error":{"code":..,"message":..}} with the code's status; 503 and 429
/// carry Retry-After.
http_response error_response(errc code, std::string_view message,
                             uint32_t retry_after_s = 2);
http_response json_response(uint16_t status, std::string body);

/// RFC 3339 UTC time ("2026-11-23T11:23:28.123Z") of a Unix time in ms.
std::string rfc3339(int64_t unix_ms);

} // namespace tether::api
