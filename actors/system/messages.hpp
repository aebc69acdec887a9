// Every message that flows between Tether's actors, declared once.
//
// All atoms and message structs are registered in one type-ID block
// (`caf::id_block::tether`) and every process registers that block under the
// same names, so any of them may cross a process boundary. Each struct has an
// `inspect()` in CAF 0.17's form.
//
// The typed interfaces of the roles (handle types) live in interfaces.hpp.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/type_id.hpp>
#include <caf/typed_actor.hpp>

#include "actors/system/metric_set.hpp"
#include "storage/records.hpp"

// -- plain data reused from storage -------------------------------------------

namespace tether::storage {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, terminal_record& x) {
  return f(caf::meta::type_name("terminal_record"), x.terminal_id, x.cluster_id,
           x.model, x.firmware, x.region, x.attributes, x.users,
           x.registered_at_ms, x.token_generation, x.revoked, x.services);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_record& x) {
  return f(caf::meta::type_name("job_record"), x.job_id, x.terminal_id,
           x.service, x.payload_json, x.status, x.detail, x.callback_url,
           x.ttl_s, x.created_at_ms, x.updated_at_ms, x.delivered_at_ms,
           x.acked_at_ms, x.finished_at_ms, x.deliveries, x.callback_pending,
           x.callback_outcome, x.callback_attempts);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_settings& x) {
  return f(caf::meta::type_name("cluster_settings"), x.cluster_id, x.labels,
           x.state, x.weight);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, api_history& x) {
  return f(caf::meta::type_name("api_history"), x.terminal_id, x.calls,
           x.errors, x.window_start_ms, x.window_calls, x.window_errors,
           x.previous_calls, x.previous_errors, x.window_prints,
           x.previous_prints, x.pages, x.window_jobs, x.previous_jobs,
           x.connects, x.disconnects, x.keepalive_failures, x.last_seen_ms,
           x.disconnect_class, x.failure_class);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, disconnect_event& x) {
  return f(caf::meta::type_name("disconnect_event"), x.at_ms, x.terminal_id,
           x.address);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, api_key_record& x) {
  return f(caf::meta::type_name("api_key_record"), x.key_id, x.name, x.scopes,
           x.created_at_ms, x.hash);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_record& x) {
  return f(caf::meta::type_name("call_record"), x.terminal_id, x.at_ms, x.seq,
           x.event, x.job_id, x.detail, x.node, x.address);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_page& x) {
  return f(caf::meta::type_name("call_page"), x.records, x.next);
}

} // namespace tether::storage

namespace tether {

using storage::api_history;
using storage::api_key_record;
using storage::call_page;
using storage::call_record;
using storage::cluster_settings;
using storage::disconnect_event;
using storage::job_record;
using storage::terminal_record;

// -- atoms (at most 10 characters in CAF 0.17) --------------------------------

using admit_atom = caf::atom_constant<caf::atom("admit")>;
using answered_atom = caf::atom_constant<caf::atom("answered")>;
using attrs_atom = caf::atom_constant<caf::atom("attrs")>;
using callback_atom = caf::atom_constant<caf::atom("callback")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using user_atom = caf::atom_constant<caf::atom("user")>;
using key_atom = caf::atom_constant<caf::atom("key")>;       // API keys
using revoke_atom = caf::atom_constant<caf::atom("revoke")>; // an API key
using assign_atom = caf::atom_constant<caf::atom("assign")>;
using closed_atom = caf::atom_constant<caf::atom("closed")>;
using close_atom = caf::atom_constant<caf::atom("close")>;
using move_atom = caf::atom_constant<caf::atom("move")>;
/// The key a session's connection ids per service derive from, for the
/// control (GET terminal).
using svc_conn_atom = caf::atom_constant<caf::atom("svcconn")>;
using node_atom = caf::atom_constant<caf::atom("node")>;
using realloc_atom = caf::atom_constant<caf::atom("realloc")>;
using reassign_atom = caf::atom_constant<caf::atom("reassign")>;
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;
using dest_atom = caf::atom_constant<caf::atom("dest")>;
using frame_atom = caf::atom_constant<caf::atom("frame")>;
using get_atom = caf::atom_constant<caf::atom("get")>;
using job_atom = caf::atom_constant<caf::atom("job")>;
using join_atom = caf::atom_constant<caf::atom("join")>;
using label_atom = caf::atom_constant<caf::atom("label")>;
using lookup_atom = caf::atom_constant<caf::atom("lookup")>;
using ok_atom = caf::atom_constant<caf::atom("ok")>;
/// get_atom, metrics_atom: a role's counters and histograms for /metrics.
using metrics_atom = caf::atom_constant<caf::atom("metrics")>;
using open_atom = caf::atom_constant<caf::atom("open")>;
using peer_atom = caf::atom_constant<caf::atom("peer")>;
using push_atom = caf::atom_constant<caf::atom("push")>;
using put_atom = caf::atom_constant<caf::atom("put")>;
/// put_atom, states_atom, jobs: job states that no API answer waits on (the
/// store writes them lazily, with the next waited-on write or soon after).
using states_atom = caf::atom_constant<caf::atom("states")>;
using register_atom = caf::atom_constant<caf::atom("register")>;
using select_atom = caf::atom_constant<caf::atom("select")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using terminal_atom = caf::atom_constant<caf::atom("terminal")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
/// The timer of an actor's request deadlines (request_deadlines.hpp).
using deadline_atom = caf::atom_constant<caf::atom("deadline")>;
using history_atom = caf::atom_constant<caf::atom("history")>; // call records
using to_dev_atom = caf::atom_constant<caf::atom("to_dev")>;
/// An operator cancels a job (DELETE /v1/jobs/{id}); a session drops it.
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
/// An operator retires a terminal (DELETE /v1/terminals/{id}).
using retire_atom = caf::atom_constant<caf::atom("retire")>;

/// The reason a session ends when its balancer moves it to another node
/// (node drain): the device stays connected, so it is no disconnect.
inline constexpr std::string_view session_moved_reason
  = "moved off a draining node";

// -- message structs
// -----------------------------------------------------------

/// A device's assigned label: label item -> value (docs/LABELS.md). Items the
/// device has no value for are absent.
struct assigned_label {
  std::map<std::string, std::string> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, assigned_label& x) {
  return f(caf::meta::type_name("assigned_label"), x.items);
}

/// The answer to registration and to the destination request.
struct destination {
  std::string terminal_id;
  std::string cluster_id;
  std::vector<std::string> cluster_urls;
  std::string token;
  uint32_t keepalive_s = 0;
  uint64_t token_generation = 0; // the generation the token is issued with
  bool created = false;          // registration: the terminal is new
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, destination& x) {
  return f(caf::meta::type_name("destination"), x.terminal_id, x.cluster_id,
           x.cluster_urls, x.token, x.keepalive_s, x.token_generation,
           x.created);
}

/// The revoked terminals and the lowest connect-token generation each
/// needs (docs/SECURITY.md "Revocation"), as the control answers a
/// balancer that knew `version` of it: unchanged, the lists are empty.
struct revocation_list {
  uint64_t version = 0;
  std::vector<std::string> terminal_ids;
  std::vector<uint64_t> generations; // one per terminal id
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, revocation_list& x) {
  return f(caf::meta::type_name("revocation_list"), x.version, x.terminal_ids,
           x.generations);
}

/// A session's report that a job moved (acked, done, failed, delivered).
struct job_update {
  std::string job_id;
  std::string terminal_id;
  std::string status;
  std::string detail;
  uint32_t pages = 0; // a "done" result: pages printed (1 when not said)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_update& x) {
  return f(caf::meta::type_name("job_update"), x.job_id, x.terminal_id,
           x.status, x.detail, x.pages);
}

/// One item of a bulk push (POST /v1/jobs/bulk) as the control answers it:
/// the accepted job (job_id set), or the item as asked with why it was
/// refused (error_code: an errc, 0 when accepted).
struct bulk_outcome {
  job_record job;
  uint8_t error_code = 0;
  std::string error;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, bulk_outcome& x) {
  return f(caf::meta::type_name("bulk_outcome"), x.job, x.error_code, x.error);
}

/// A node's state as the balancer and the operator see it.
struct node_status {
  std::string node_id;
  std::string state; // "active", "draining", "failed" ("unknown": listed
                     // from the topology, no balancer reported it)
  uint32_t sessions = 0;
  double cpu = 0;      // share of one core used by the node's process
  uint64_t memory = 0; // resident bytes of the node's process
  /// Session actor objects of this node that exist, from their
  /// construction and destruction: equal to `sessions` unless they leak.
  int64_t session_actors = 0;
  /// The node's capacity from the topology ([clusters.node_capacity],
  /// default 1): least_load compares load ÷ capacity.
  uint32_t capacity = 1;
  /// The node's weight for the `weighted` node strategy ([clusters.
  /// node_weights], or an operator's PUT /v1/admin/nodes; default 1).
  uint32_t weight = 1;
  /// Utilisation, each a share from 0 to 1 (actors/node/utilisation.hpp):
  /// the node's process's CPU of all the host's CPUs and its resident
  /// memory of the host's memory (a cgroup's limits count as the host's),
  /// and the host's CPU busy and memory in use. least_load compares
  /// memory_util, then cpu_util.
  double cpu_util = 0;
  double memory_util = 0;
  double host_cpu_util = 0;
  double host_memory_util = 0;
  /// The reporting balancer has reached the node since it started: a
  /// failed node that never was has not started yet (a spare the autoscale
  /// command starts), it was not lost.
  bool reached = false;

  /// Whether the load figures are the node's load now: not for a failed
  /// node (its process does not answer; they are what its balancers last
  /// heard) nor an unknown one (no balancer of its cluster reported it).
  bool load_known() const { return state != "failed" && state != "unknown"; }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_status& x) {
  return f(caf::meta::type_name("node_status"), x.node_id, x.state, x.sessions,
           x.cpu, x.memory, x.session_actors, x.capacity, x.weight, x.cpu_util,
           x.memory_util, x.host_cpu_util, x.host_memory_util, x.reached);
}

/// One balancer's view of its cluster.
struct balancer_status {
  std::string balancer_id;
  std::string cluster_id;
  std::string url;
  uint32_t connections = 0;
  std::vector<node_status> nodes;
  /// WebSocket connection objects of this balancer's listener that exist
  /// (upgrading, open or closing), from their construction and destruction.
  int64_t ws_connections = 0;
  /// Live connections per capped tier ("plan=free"), from the tiers the
  /// cluster manager named when it admitted each (tier caps).
  std::map<std::string, uint32_t> tiers;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, balancer_status& x) {
  return f(caf::meta::type_name("balancer_status"), x.balancer_id, x.cluster_id,
           x.url, x.connections, x.nodes, x.ws_connections, x.tiers);
}

/// The cluster manager's answer to a connection's admission: the
/// terminal's cluster, the capped tiers it counts in ("plan=free"), and,
/// when a cap of the cluster is reached, the cap (else empty).
struct admission {
  std::string cluster_id;
  std::vector<std::string> tiers;
  std::string refused;
  /// The services the terminal declared (empty: the default list); the
  /// balancer makes one connection id per service (`hello`).
  std::vector<std::string> services{};
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, admission& x) {
  return f(caf::meta::type_name("admission"), x.cluster_id, x.tiers, x.refused,
           x.services);
}

/// A cluster as `GET /v1/admin/clusters` reports it.
struct cluster_status {
  std::string cluster_id;
  std::map<std::string, std::vector<std::string>> labels{};
  std::string state{}; // "active", "draining"
  uint32_t weight = 1;
  std::vector<std::string> balancers{}; // URLs
  uint32_t connections = 0;
  uint64_t assigned = 0; // terminals mapped to this cluster
  std::vector<node_status> nodes{};
  /// WebSocket connection objects that exist in the cluster's balancers.
  int64_t ws_connections = 0;
  /// Balancers that joined and then went down (listed last in
  /// destinations until they join again).
  std::vector<std::string> balancers_down{};
  /// Tier caps: max_connections (0: none) and live connections per capped
  /// tier ("plan=free") with their caps.
  uint32_t max_connections = 0;
  std::map<std::string, uint32_t> tier_connections{};
  std::map<std::string, uint32_t> tier_caps{};
  /// Quality class: the cluster's keepalive period and misses (its own or
  /// [timers]'), and its cap of sessions per node (0: none).
  uint32_t keepalive_s = 0;
  uint32_t keepalive_misses = 0;
  uint32_t max_sessions_per_node = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_status& x) {
  return f(caf::meta::type_name("cluster_status"), x.cluster_id, x.labels,
           x.state, x.weight, x.balancers, x.connections, x.assigned, x.nodes,
           x.ws_connections, x.balancers_down, x.max_connections,
           x.tier_connections, x.tier_caps,
           // quality class
           x.keepalive_s, x.keepalive_misses, x.max_sessions_per_node);
}

/// A terminal as `GET /v1/terminals/{id}` reports it.
struct terminal_status {
  terminal_record record;
  bool connected = false;
  std::string node_id;
  int64_t last_seen_ms = 0;
  uint64_t connects = 0;
  uint64_t disconnects = 0;
  uint64_t keepalive_failures = 0;
  api_history api;
  uint32_t open_jobs = 0;
  /// The label its facts give now under the current label configuration
  /// (what registration and re-allocation would place it by).
  assigned_label label;
  /// While connected: the connection id of each service of the session
  /// (`hello`'s service_connections); empty otherwise.
  std::map<std::string, std::string> service_connections;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, terminal_status& x) {
  return f(caf::meta::type_name("terminal_status"), x.record, x.connected,
           x.node_id, x.last_seen_ms, x.connects, x.disconnects,
           x.keepalive_failures, x.api, x.open_jobs, x.label,
           x.service_connections);
}

/// An operator's change to one cluster (PUT /v1/admin/clusters/{id}). What
/// the request leaves out stays as it is.
struct cluster_change {
  std::string cluster_id;
  bool has_labels = false;
  std::map<std::string, std::vector<std::string>> labels;
  std::string state;   // "active", "draining"; empty: unchanged
  int64_t weight = -1; // negative: unchanged
  /// The label items in use (the control fills them in from the selector):
  /// under strict matching new labels may not leave one of them named by
  /// no cluster (409), or no terminal with a value for it could register.
  std::vector<std::string> label_items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_change& x) {
  return f(caf::meta::type_name("cluster_change"), x.cluster_id, x.has_labels,
           x.labels, x.state, x.weight, x.label_items);
}

/// An operator's change to one node (PUT /v1/admin/nodes/{id}). What the
/// request leaves out stays as it is.
struct node_change {
  std::string node_id;
  std::string state;     // "active", "draining"; empty: unchanged
  int64_t capacity = -1; // negative: unchanged (else at least 1)
  int64_t weight = -1;   // negative: unchanged
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_change& x) {
  return f(caf::meta::type_name("node_change"), x.node_id, x.state, x.capacity,
           x.weight);
}

/// The control's question to the cluster manager in a re-allocation: which
/// of these terminals (with their labels now) must change cluster. A
/// non-empty `cluster_id` names the cluster the run is about (it must exist).
struct realloc_plan {
  std::string cluster_id;
  std::vector<std::string> terminal_ids;
  std::vector<assigned_label> labels; // one per terminal id
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, realloc_plan& x) {
  return f(caf::meta::type_name("realloc_plan"), x.cluster_id, x.terminal_ids,
           x.labels);
}

/// The answer to POST /v1/admin/reallocate.
struct realloc_summary {
  uint64_t candidates = 0; // terminals looked at
  uint64_t moving = 0;     // whose cluster changes
  uint64_t connected = 0;  // of those, sent `reassign` over time
  uint64_t pending = 0;    // reassigns waiting in the control (all runs)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, realloc_summary& x) {
  return f(caf::meta::type_name("realloc_summary"), x.candidates, x.moving,
           x.connected, x.pending);
}

/// One GE/GF quality class the control holds (GET /v1/admin/classes).
struct quality_class {
  std::string name; // "ge-<unix seconds>" (GE) or the group's value (GF)
  std::string kind; // "disconnect" (GE) or "failure" (GF)
  uint64_t members = 0;
  std::vector<std::string> member_ids; // sorted, at most the asked bound
  int64_t formed_ms = 0;               // Unix ms
  int64_t expires_ms = 0;              // Unix ms; 0: never (class_ttl 0)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, quality_class& x) {
  return f(caf::meta::type_name("quality_class"), x.name, x.kind, x.members,
           x.member_ids, x.formed_ms, x.expires_ms);
}

/// HTTP request handed from the gateway's socket code to its actor.
struct http_request {
  std::string method;
  std::string target; // path and query
  std::string body;
  std::string peer;            // remote address, for logs
  std::string authorization{}; // the Authorization header (may be empty)
  // The names of the connection's verified client certificate, separated
  // by spaces (net/tls/client_identity.hpp); empty without one.
  std::string certificate{};
  // The Last-Event-ID header (GET /v1/admin/events: the last event a
  // reconnecting client saw); empty without one.
  std::string last_event_id{};
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, http_request& x) {
  return f(caf::meta::type_name("http_request"), x.method, x.target, x.body,
           x.peer, x.authorization, x.certificate, x.last_event_id);
}

struct http_response {
  uint16_t status = 200;
  std::string body; // JSON
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type = "application/json";
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, http_response& x) {
  return f(caf::meta::type_name("http_response"), x.status, x.body, x.headers,
           x.content_type);
}

/// How one process sees another of the deployment (GET /healthz "peers").
struct peer_status {
  std::string process;
  std::string address; // host:caf_port
  bool reachable = false;
  int64_t since_ms = 0;   // when it became reachable / unreachable
  uint32_t connects = 0;  // successful connections so far
  std::string last_error; // why the last attempt failed, if it did
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_status& x) {
  return f(caf::meta::type_name("peer_status"), x.process, x.address,
           x.reachable, x.since_ms, x.connects, x.last_error);
}

// -- bridges to the socket layer (never leave their process) ------------------

/// The gateway actor answers an HTTP request through this. Implemented by
/// net/; `respond` may be called from any thread, exactly once.
class http_responder {
public:
  virtual ~http_responder() = default;
  virtual void respond(http_response resp) = 0;
};
using http_responder_ptr = std::shared_ptr<http_responder>;

/// Posts a JSON body to a URL (job callbacks). Implemented by net/; `done`
/// is called exactly once, from an I/O thread, with the outcome.
class http_poster {
public:
  /// The detail of a post refused before connecting (its address is not
  /// allowed) starts with this: retrying would not help.
  static constexpr std::string_view refused = "refused: ";

  virtual ~http_poster() = default;
  virtual void post(std::string url, std::string body,
                    std::function<void(bool ok, std::string detail)> done)
    = 0;
};
using http_poster_ptr = std::shared_ptr<http_poster>;

/// A device's WebSocket, as the balancer sees it. Implemented by net/; every
/// call may come from any thread and is posted to the connection's strand.
class ws_link {
public:
  virtual ~ws_link() = default;
  /// Answer to admission: 0 accepts the upgrade, otherwise the HTTP status
  /// to refuse it with (404, 409, 503) and a JSON error body.
  virtual void admitted(uint16_t http_status, std::string body) = 0;
  virtual void send_text(std::string text) = 0;
  virtual void close(uint16_t code, std::string reason) = 0;
  /// The device's source IP address ("" if unknown): recorded with its
  /// connection and disconnect events (label item GE).
  virtual std::string remote_address() const { return {}; }
};
using ws_link_ptr = std::shared_ptr<ws_link>;

} // namespace tether

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tether::http_responder_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tether::ws_link_ptr)
