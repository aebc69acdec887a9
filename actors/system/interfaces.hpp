// The typed interface of every Tether role (docs/ARCHITECTURE.md, "Who talks
// to whom"), and the messages that carry actor handles. See messages.hpp for
// the plain messages.
//
//   http_gateway ──► control ──► selector
//                       │  └───► cluster_manager ──► cluster_balancer ──► node
//                       │                                 ▲   │             │
//                       ◄──────── terminal_session ◄──────┘   └── relays ───┘
#pragma once

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/policy/services.hpp"
#include "actors/system/messages.hpp"

namespace tether {

struct session_spec;
struct session_moved;
struct balancer_info;
struct peer_directory;

/// One connected device, hosted on a node. Receives the device's frames
/// (relayed by the balancer) and jobs; keeps the keepalive.
using terminal_session_actor = caf::typed_actor<
  caf::reacts_to<frame_atom, std::string>,   // text frame from the device
  caf::reacts_to<deliver_atom, job_record>,  // job to send to the device
  caf::reacts_to<closed_atom, std::string>,  // socket gone (reason)
  caf::reacts_to<tick_atom, uint64_t>,       // keepalive timer
  caf::reacts_to<peer_atom, peer_directory>, // the control moved
  // a job the operator canceled: the device is told, the session forgets it
  caf::reacts_to<cancel_atom, std::string>,
  // the control ends the session and closes the device's socket with this
  // code and reason (the terminal was retired)
  caf::reacts_to<close_atom, uint16_t, std::string>,
  // rebalancing: true = idle, and the session ends (moved); false = a job
  // is in flight, it stays
  caf::replies_to<move_atom>::with<bool>>;

/// Hosts terminal sessions and reports its load.
using node_actor = caf::typed_actor<
  caf::replies_to<caf::atom_constant<caf::atom("spawn")>,
                  session_spec>::with<terminal_session_actor>,
  // sessions started again together (re-homing, rehome_batch.hpp): one
  // session per spec, in order
  caf::replies_to<
    caf::atom_constant<caf::atom("spawn")>,
    std::vector<session_spec>>::with<std::vector<terminal_session_actor>>,
  caf::replies_to<status_atom>::with<node_status>,
  caf::reacts_to<peer_atom, peer_directory>, // a peer process (re)joined
  caf::reacts_to<tick_atom, int64_t>>;       // keepalive timer (due time)

using spawn_atom = caf::atom_constant<caf::atom("spawn")>;

/// A cluster's public endpoint: owns the devices' sockets (through ws_link),
/// picks nodes and relays frames between sockets and sessions.
using cluster_balancer_actor = caf::typed_actor<
  // from the socket layer (same process)
  caf::reacts_to<admit_atom, uint64_t, std::string, ws_link_ptr>,
  caf::reacts_to<open_atom, uint64_t>,
  caf::reacts_to<frame_atom, uint64_t, std::string>,
  caf::reacts_to<closed_atom, uint64_t>,
  // from sessions
  caf::reacts_to<to_dev_atom, uint64_t, std::string>,
  caf::reacts_to<close_atom, uint64_t, uint16_t, std::string>,
  // from the cluster manager
  caf::replies_to<deliver_atom, job_record>::with<bool>,
  // a bulk's jobs of this cluster: one character per job, in order
  // (actors/cluster_manager/bulk_deliver.hpp)
  caf::replies_to<deliver_atom, std::vector<job_record>>::with<std::string>,
  caf::replies_to<status_atom>::with<balancer_status>,
  // admin: a node's state ("active", "draining"); reassign a terminal
  caf::reacts_to<put_atom, node_atom, std::string, std::string>,
  // admin: a node's capacity and weight (node, capacity, weight)
  caf::reacts_to<put_atom, node_atom, std::string, uint32_t, uint32_t>,
  caf::reacts_to<reassign_atom, std::string, uint32_t>,
  // periodic refresh of node status
  caf::reacts_to<tick_atom>,
  // a node's load report, sent when it changed by more than a step
  caf::reacts_to<status_atom, node_status>,
  // move one connection's session off a draining node (timer)
  caf::reacts_to<tick_atom, uint64_t>,
  // start the sessions gathered for re-homing (rehome_batch.hpp)
  caf::reacts_to<spawn_atom>,
  // a peer process (control, nodes) was reached (again)
  caf::reacts_to<peer_atom, peer_directory>,
  // admissions past their deadline (request_deadlines.hpp; timer)
  caf::reacts_to<deadline_atom>,
  // its counters and histograms for /metrics (metric_set.hpp)
  caf::replies_to<get_atom, metrics_atom>::with<std::vector<metric_series>>>;

/// Owns cluster labels and the cluster–terminal map; picks clusters and
/// routes pushes to the right cluster.
using cluster_manager_actor = caf::typed_actor<
  caf::replies_to<assign_atom, terminal_record,
                  assigned_label>::with<destination>,
  caf::replies_to<dest_atom, std::string>::with<destination>,
  caf::replies_to<lookup_atom, std::string>::with<std::string>,
  // a balancer admits a connection (true: it already holds one of this
  // terminal, which the new one replaces: no cap applies)
  caf::replies_to<admit_atom, std::string, bool>::with<admission>,
  caf::replies_to<deliver_atom, job_record>::with<bool>,
  // a bulk push's jobs in one message: one character per job, in order
  // (actors/cluster_manager/bulk_deliver.hpp)
  caf::replies_to<deliver_atom, std::vector<job_record>>::with<std::string>,
  caf::replies_to<status_atom>::with<std::vector<cluster_status>>,
  caf::reacts_to<join_atom, balancer_info>,
  // admin API and re-allocation (actors/cluster_manager/cluster_admin.hpp)
  caf::replies_to<put_atom, cluster_change>::with<cluster_status>,
  // a label configuration's items checked against the clusters' labels
  // before it is stored: ok, or 409 naming the items no cluster names
  // (strict matching; actors/cluster_manager/label_coverage.hpp)
  caf::replies_to<admit_atom, label_atom,
                  std::vector<std::string>>::with<ok_atom>,
  caf::replies_to<put_atom, node_atom, std::string,
                  std::string>::with<node_status>,
  // a node's state, capacity and weight (PUT /v1/admin/nodes/{id})
  caf::replies_to<put_atom, node_change>::with<node_status>,
  caf::replies_to<realloc_atom, realloc_plan>::with<std::vector<std::string>>,
  caf::replies_to<move_atom, terminal_record, assigned_label,
                  uint32_t>::with<destination>,
  caf::reacts_to<tick_atom>,
  // assignment writes past their deadline (request_deadlines.hpp; timer)
  caf::reacts_to<deadline_atom>,
  // a retired terminal: its assignment forgotten (the record is deleted by
  // the control through the store)
  caf::replies_to<retire_atom, std::string>::with<ok_atom>,
  // every balancer's counters and histograms for /metrics
  caf::replies_to<get_atom, metrics_atom>::with<std::vector<metric_series>>>;

/// Turns a device's facts into its assigned label.
using selector_actor = caf::typed_actor<
  caf::replies_to<select_atom, terminal_record>::with<assigned_label>,
  caf::replies_to<get_atom, label_atom>::with<std::vector<std::string>>,
  caf::replies_to<put_atom, label_atom,
                  std::vector<std::string>>::with<std::vector<std::string>>>;

/// Front of the control plane: registration, jobs, terminal state.
using control_actor = caf::typed_actor<
  caf::replies_to<register_atom, terminal_record>::with<destination>,
  caf::replies_to<dest_atom, std::string>::with<destination>,
  caf::replies_to<get_atom, terminal_atom, std::string>::with<terminal_status>,
  caf::replies_to<push_atom, job_record>::with<job_record>,
  // a bulk push: every acceptable item stored in one batch, then answered
  // per item in request order (actors/control/bulk_push.hpp)
  caf::replies_to<push_atom,
                  std::vector<job_record>>::with<std::vector<bulk_outcome>>,
  caf::replies_to<get_atom, job_atom, std::string>::with<job_record>,
  // operator lists (listings.hpp): terminals by id prefix, at most N;
  // recent jobs of a terminal (empty: any) in a status (empty: any)
  caf::replies_to<get_atom, terminal_atom, std::string,
                  uint32_t>::with<std::vector<terminal_status>>,
  caf::replies_to<get_atom, job_atom, std::string, std::string,
                  uint32_t>::with<std::vector<job_record>>,
  caf::replies_to<status_atom>::with<std::vector<cluster_status>>,
  caf::reacts_to<job_update>,
  // a session started: terminal, node, session, the device's source address
  // (GE; may be empty), its generation (session_spec::generation)
  caf::reacts_to<open_atom, std::string, std::string, terminal_session_actor,
                 std::string, uint64_t>,
  // a session the balancer moved to another node (the device kept its
  // WebSocket: no new connect), with its generation and its connection ids'
  // key (no svc_conn follows)
  caf::reacts_to<move_atom, session_moved>,
  // the sessions of a re-homing batch, announced by the node that started
  // them (session_spec::batched), in one message
  caf::reacts_to<move_atom, std::vector<session_moved>>,
  // a running session re-announces itself to a control that restarted
  caf::reacts_to<peer_atom, std::string, std::string, terminal_session_actor,
                 uint64_t>,
  caf::reacts_to<closed_atom, std::string, std::string, terminal_session_actor>,
  // after open and peer: the key its connection ids derive from
  // (services::connection_key's hi, lo) and the services the device
  // declared (empty: the default list); the control derives the ids
  caf::reacts_to<svc_conn_atom, std::string, terminal_session_actor, uint64_t,
                 uint64_t, std::vector<std::string>>,
  // service facts
  caf::replies_to<put_atom, attrs_atom, std::string,
                  std::map<std::string, std::string>>::with<terminal_status>,
  caf::replies_to<put_atom, user_atom, std::string,
                  std::string>::with<terminal_status>,
  // one API call on a terminal for its history records: terminal, the
  // call (register, destination, push, attributes, user), HTTP status
  caf::reacts_to<history_atom, std::string, std::string, uint16_t>,
  // a job callback was accepted (true) or given up (false)
  caf::reacts_to<callback_atom, std::string, uint32_t, bool>,
  // admin API and re-allocation (actors/policy/pacer.hpp)
  caf::replies_to<put_atom, cluster_change>::with<cluster_status>,
  caf::replies_to<get_atom, label_atom>::with<std::vector<std::string>>,
  caf::replies_to<put_atom, label_atom,
                  std::vector<std::string>>::with<std::vector<std::string>>,
  // end a GE/GF class (DELETE /v1/admin/classes/{name}): its member count
  caf::replies_to<retire_atom, label_atom, std::string>::with<uint64_t>,
  // the GE/GF classes it holds (GET /v1/admin/classes), each with at most
  // this many member ids
  caf::replies_to<get_atom, label_atom,
                  uint32_t>::with<std::vector<quality_class>>,
  // one class's member ids after an id (empty: from the first), at most
  // this many, sorted (GET /v1/admin/classes/{name}/members); no_such_class
  // when it is not held
  caf::replies_to<get_atom, label_atom, std::string, std::string,
                  uint32_t>::with<quality_class>,
  // sessions opened and closed after a sequence number, for the event
  // stream (GET /v1/admin/events): "seq\tconnect|disconnect\tterminal\tnode"
  // lines, kept only while a reader asks (control/session_events.hpp);
  // 0 asks for the current sequence number alone ("seq\tnow")
  caf::replies_to<get_atom, open_atom,
                  uint64_t>::with<std::vector<std::string>>,
  caf::replies_to<put_atom, node_atom, std::string,
                  std::string>::with<node_status>,
  // a node's state, capacity and weight (PUT /v1/admin/nodes/{id})
  caf::replies_to<put_atom, node_change>::with<node_status>,
  caf::replies_to<realloc_atom, std::string,
                  std::vector<std::string>>::with<realloc_summary>,
  caf::reacts_to<realloc_atom, tick_atom>,
  // API keys (stored by the store; the gateways cache them)
  caf::replies_to<get_atom, key_atom>::with<std::vector<api_key_record>>,
  caf::replies_to<put_atom, api_key_record>::with<ok_atom>,
  caf::replies_to<revoke_atom, std::string>::with<ok_atom>,
  // terminal revocation: revoke (true) or un-revoke (false); and the list
  // the balancers poll (the version they know: unchanged, empty lists)
  caf::replies_to<revoke_atom, terminal_atom, std::string,
                  bool>::with<terminal_status>,
  caf::replies_to<get_atom, revoke_atom, uint64_t>::with<revocation_list>,
  // operator: cancel a job that is not final; retire a terminal
  caf::replies_to<cancel_atom, std::string>::with<job_record>,
  caf::replies_to<retire_atom, std::string>::with<terminal_status>,
  // TTL sweep and history flush
  caf::reacts_to<tick_atom>,
  // a graceful stop (net/ordered_stop.hpp): the pending history records
  // handed to the store now; ok once they are in its mailbox
  caf::replies_to<flush_atom>::with<ok_atom>,
  // a terminal's history records, newest first: terminal, since (Unix ms,
  // 0: any), cursor (a page's `next`, empty: newest), limit
  caf::replies_to<get_atom, history_atom, std::string, int64_t, std::string,
                  uint32_t>::with<call_page>,
  // its own, the store's, the notifier's and the balancers' counters and
  // histograms for /metrics
  caf::replies_to<get_atom, metrics_atom>::with<std::vector<metric_series>>>;

/// The HTTP API: decodes requests, asks the control plane, encodes answers.
using http_gateway_actor
  = caf::typed_actor<caf::reacts_to<http_request, http_responder_ptr>,
                     caf::reacts_to<peer_atom, peer_directory>,
                     // an answer the socket side gave itself (malformed
                     // HTTP, body too large): counted for /metrics
                     caf::reacts_to<answered_atom, uint16_t>,
                     // refresh the cached API keys (timer)
                     caf::reacts_to<key_atom, tick_atom>,
                     // requests to the control past their deadline
                     // (request_deadlines.hpp; timer)
                     caf::reacts_to<deadline_atom>>;

/// Owner of the RocksDB store; runs detached so writes never block the
/// cooperative scheduler.
using store_actor = caf::typed_actor<
  caf::replies_to<put_atom, terminal_record>::with<ok_atom>,
  // jobs an API answer waits on (a push, a bulk, a cancel), and the next
  // job sequence: synced at once
  caf::replies_to<put_atom, std::vector<job_record>, uint64_t>::with<ok_atom>,
  // the control's batch of job states: written lazily (lazy_write_wait)
  caf::replies_to<put_atom, states_atom,
                  std::vector<job_record>>::with<ok_atom>,
  caf::replies_to<put_atom, std::vector<api_history>>::with<ok_atom>,
  caf::replies_to<put_atom, std::vector<disconnect_event>,
                  int64_t>::with<ok_atom>,
  // deletes exactly these stored disconnect events (a class cleared)
  caf::replies_to<retire_atom, std::vector<disconnect_event>>::with<ok_atom>,
  caf::replies_to<get_atom, job_atom, std::string>::with<job_record>,
  // admin changes (one synced write each)
  caf::replies_to<put_atom, cluster_settings>::with<ok_atom>,
  caf::replies_to<put_atom, label_atom,
                  std::vector<std::string>>::with<ok_atom>,
  caf::replies_to<put_atom, node_atom, std::string, std::string>::with<ok_atom>,
  // API keys (meta "apikey/...")
  caf::replies_to<get_atom, key_atom>::with<std::vector<api_key_record>>,
  caf::replies_to<put_atom, api_key_record>::with<ok_atom>,
  caf::replies_to<revoke_atom, std::string>::with<ok_atom>,
  caf::reacts_to<tick_atom>, // retention: delete old finished jobs
  // a retired terminal: its record and history deleted, its last token
  // generation kept (meta "retired/" + id) so old tokens stay refused
  caf::replies_to<retire_atom, std::string, uint64_t>::with<ok_atom>,
  caf::reacts_to<flush_atom>,
  // per-call history records: written batched; read a page (as the
  // control's); the retention sweep's timer
  caf::replies_to<put_atom, std::vector<call_record>>::with<ok_atom>,
  caf::replies_to<get_atom, history_atom, std::string, int64_t, std::string,
                  uint32_t>::with<call_page>,
  caf::reacts_to<history_atom, tick_atom>,
  // write latency for /metrics
  caf::replies_to<get_atom, metrics_atom>::with<std::vector<metric_series>>>;

/// Delivers job callbacks (POST of the job body to its callback_url) with
/// retries and backoff; reports each outcome to the control.
using notifier_actor = caf::typed_actor<
  caf::reacts_to<callback_atom, job_record>,
  // outcome of one attempt (job id, attempt, ok, detail)
  caf::reacts_to<callback_atom, std::string, uint32_t, bool, std::string>,
  // retry timer (job id)
  caf::reacts_to<tick_atom, std::string>,
  // attempts and failures for /metrics
  caf::replies_to<get_atom, metrics_atom>::with<std::vector<metric_series>>>;

/// Published on a process's CAF port: tells a connecting peer which role
/// actors this process hosts.
/// A dialing peer sends its own directory and published actor along (the
/// dial plan, config/dial_plan.hpp: one side of a pair dials).
using process_actor
  = caf::typed_actor<caf::replies_to<get_atom, peer_atom>::with<peer_directory>,
                     caf::replies_to<get_atom, peer_atom, peer_directory,
                                     caf::actor>::with<peer_directory>>;

/// Keeps this process connected to the peer processes it needs (see
/// actors/peers/peers.hpp) and says how they are.
using peers_actor = caf::typed_actor<
  caf::replies_to<get_atom, peer_atom>::with<std::vector<peer_status>>,
  // a local actor that wants every peer directory (also those seen before)
  caf::reacts_to<join_atom, caf::actor>,
  caf::reacts_to<tick_atom, std::string>, // (re)connect to one peer
  // this process's published actor: start dialing
  caf::reacts_to<put_atom, caf::actor>,
  // a peer that dials this process announced itself (its published actor)
  caf::reacts_to<put_atom, peer_directory, caf::actor>>;

// -- messages with handles
// -----------------------------------------------------

/// What a node needs to start a session for a freshly connected device.
struct session_spec {
  std::string terminal_id;
  std::string cluster_id;
  uint64_t conn_id = 0;
  cluster_balancer_actor balancer;
  uint32_t keepalive_ms = 30'000;
  uint32_t keepalive_misses = 2;
  uint32_t redelivery_ms = 30'000; // resend a job not acked by then
  std::string address{};           // the device's source IP ("" if unknown)
  bool moved = false;              // takes over from a session on another node
  /// Orders the sessions of a terminal: a later one has a larger value
  /// (the balancer's clock in microseconds, strictly increasing per
  /// balancer), so the control keeps the newest whatever order their
  /// announcements arrive in (a thawed node's stale session loses).
  uint64_t generation = 0;
  /// The device's connection, unique across balancers and restarts (the
  /// `connection_id` of `hello`; the same for a session moved to another
  /// node, since the device kept its WebSocket).
  std::string connection_id{};
  /// The key its connection ids derive from (`hello`'s
  /// service_connections, services::connection_ids): made by the balancer
  /// when the device connected, kept for the WebSocket's life (also when
  /// the session moves). Empty: no ids.
  services::connection_key service_key{};
  /// The services the device declared (empty: the default list).
  std::vector<std::string> service_names{};
  /// Started in a re-homing batch (rehome_batch.hpp): the balancer greets
  /// the device itself when the node's answer comes, and the node announces
  /// the batch's sessions to the control in one message; the session sends
  /// neither `hello` nor `move`.
  bool batched = false;

  /// Its connection id per service (none without a key).
  std::map<std::string, std::string> service_connections() const {
    return services::connection_ids(service_key, service_names.empty()
                                                   ? services::default_list()
                                                   : service_names);
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_spec& x) {
  return f(caf::meta::type_name("session_spec"), x.terminal_id, x.cluster_id,
           x.conn_id, x.balancer, x.keepalive_ms, x.keepalive_misses,
           x.redelivery_ms, x.address, x.moved, x.generation, x.connection_id,
           x.service_key, x.service_names, x.batched);
}

/// A session that took over from one on another node (`moved`), as it or
/// its node announces it to the control: where it runs, its generation
/// (session_spec::generation) and the key of its connection ids per
/// service with the declared services (what `svc_conn` says after `open`).
struct session_moved {
  std::string terminal_id;
  std::string node_id;
  terminal_session_actor session;
  uint64_t generation = 0;
  services::connection_key service_key{};
  std::vector<std::string> service_names{};
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_moved& x) {
  return f(caf::meta::type_name("session_moved"), x.terminal_id, x.node_id,
           x.session, x.generation, x.service_key, x.service_names);
}

/// A balancer announcing itself to the cluster manager.
struct balancer_info {
  std::string balancer_id;
  std::string cluster_id;
  std::string url;
  cluster_balancer_actor handle;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, balancer_info& x) {
  return f(caf::meta::type_name("balancer_info"), x.balancer_id, x.cluster_id,
           x.url, x.handle);
}

/// The role actors one process hosts (null handles for roles it lacks).
struct peer_directory {
  std::string process;
  control_actor control;
  cluster_manager_actor manager;
  std::map<std::string, node_actor> nodes;
  std::map<std::string, cluster_balancer_actor> balancers;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_directory& x) {
  return f(caf::meta::type_name("peer_directory"), x.process, x.control,
           x.manager, x.nodes, x.balancers);
}

} // namespace tether

// -- type IDs
// ------------------------------------------------------------------

CAF_BEGIN_TYPE_ID_BLOCK(tether, caf::first_custom_type_id)
CAF_ADD_TYPE_ID(tether, (tether::storage::terminal_record))
CAF_ADD_TYPE_ID(tether, (tether::storage::job_record))
CAF_ADD_TYPE_ID(tether, (tether::storage::api_history))
CAF_ADD_TYPE_ID(tether, (tether::assigned_label))
CAF_ADD_TYPE_ID(tether, (tether::destination))
CAF_ADD_TYPE_ID(tether, (tether::job_update))
CAF_ADD_TYPE_ID(tether, (tether::node_status))
CAF_ADD_TYPE_ID(tether, (tether::balancer_status))
CAF_ADD_TYPE_ID(tether, (tether::cluster_status))
CAF_ADD_TYPE_ID(tether, (tether::terminal_status))
CAF_ADD_TYPE_ID(tether, (tether::http_request))
CAF_ADD_TYPE_ID(tether, (tether::http_response))
CAF_ADD_TYPE_ID(tether, (tether::session_spec))
CAF_ADD_TYPE_ID(tether, (tether::balancer_info))
CAF_ADD_TYPE_ID(tether, (tether::terminal_session_actor))
CAF_ADD_TYPE_ID(tether, (tether::node_actor))
CAF_ADD_TYPE_ID(tether, (tether::cluster_balancer_actor))
CAF_ADD_TYPE_ID(tether, (tether::cluster_manager_actor))
CAF_ADD_TYPE_ID(tether, (tether::selector_actor))
CAF_ADD_TYPE_ID(tether, (tether::control_actor))
CAF_ADD_TYPE_ID(tether, (tether::store_actor))
CAF_ADD_TYPE_ID(tether, (tether::notifier_actor))
CAF_ADD_TYPE_ID(tether, (std::vector<tether::storage::job_record>))
CAF_ADD_TYPE_ID(tether, (std::vector<tether::cluster_status>))
CAF_ADD_TYPE_ID(tether, (std::vector<tether::storage::api_history>))
CAF_ADD_TYPE_ID(tether, (std::map<std::string, std::string>))
CAF_ADD_TYPE_ID(tether, (tether::peer_status))
CAF_ADD_TYPE_ID(tether, (tether::peer_directory))
CAF_ADD_TYPE_ID(tether, (std::vector<tether::peer_status>))
CAF_ADD_TYPE_ID(tether, (tether::process_actor))
CAF_ADD_TYPE_ID(tether, (tether::peers_actor))
// admin API and re-allocation
CAF_ADD_TYPE_ID(tether, (tether::storage::cluster_settings))
CAF_ADD_TYPE_ID(tether, (tether::cluster_change))
CAF_ADD_TYPE_ID(tether, (tether::node_change))
CAF_ADD_TYPE_ID(tether, (tether::realloc_plan))
CAF_ADD_TYPE_ID(tether, (tether::realloc_summary))
// label items GE/GF
CAF_ADD_TYPE_ID(tether, (tether::storage::disconnect_event))
CAF_ADD_TYPE_ID(tether, (std::vector<tether::storage::disconnect_event>))
// API keys
CAF_ADD_TYPE_ID(tether, (tether::storage::api_key_record))
CAF_ADD_TYPE_ID(tether, (std::vector<tether::storage::api_key_record>))
// operator lists
CAF_ADD_TYPE_ID(tether, (std::vector<tether::terminal_status>))
// terminal revocation
CAF_ADD_TYPE_ID(tether, (tether::revocation_list))
// metrics gathered by the gateway
CAF_ADD_TYPE_ID(tether, (tether::metric_series))
CAF_ADD_TYPE_ID(tether, (std::vector<tether::metric_series>))
CAF_ADD_TYPE_ID(tether, (tether::admission))
// per-call history records
CAF_ADD_TYPE_ID(tether, (tether::storage::call_record))
CAF_ADD_TYPE_ID(tether, (std::vector<tether::storage::call_record>))
CAF_ADD_TYPE_ID(tether, (tether::storage::call_page))
// quality classes (GET /v1/admin/classes)
CAF_ADD_TYPE_ID(tether, (tether::quality_class))
CAF_ADD_TYPE_ID(tether, (std::vector<tether::quality_class>))
// bulk push
CAF_ADD_TYPE_ID(tether, (tether::bulk_outcome))
CAF_ADD_TYPE_ID(tether, (std::vector<tether::bulk_outcome>))
// re-homing a batch of sessions at once
CAF_ADD_TYPE_ID(tether, (std::vector<tether::session_spec>))
CAF_ADD_TYPE_ID(tether, (std::vector<tether::terminal_session_actor>))
CAF_ADD_TYPE_ID(tether, (tether::session_moved))
CAF_ADD_TYPE_ID(tether, (std::vector<tether::session_moved>))
CAF_END_TYPE_ID_BLOCK(tether)

namespace tether {

/// Registers every Tether message type with an actor system config. Every
/// process must call this before it starts its actor system.
void register_types(caf::actor_system_config& cfg);

} // namespace tether
