// Topology: the one description of a Tether deployment (processes, clusters,
// label configuration, strategies, timers). It is parsed from TOML,
// validated as a whole (every problem reported with its place), and then
// frozen: the rest of the system only reads it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/defaults.hpp"

namespace tether::config {

using millis = std::chrono::milliseconds;

/// "host:port" as written in the file; port 0 asks the OS for a free port.
struct endpoint {
  std::string host;
  uint16_t port = 0;

  std::string to_string() const;
};

/// A label maps an item ("region", "model", ...) to the values a cluster
/// accepts; an item a cluster does not mention does not restrict it.
using cluster_labels = std::map<std::string, std::vector<std::string>>;

struct balancer_config {
  std::string id;         // unique, e.g. "C1-b1"
  endpoint listen;        // WebSocket listener
  std::string public_url; // advertised URL; empty = derived from listen
  // Its own TLS certificate and key (PEM), over [edge_tls]'s for this
  // listener (a balancer on another machine has its own name); set
  // together. Empty: [edge_tls]'s.
  std::string cert_file;
  std::string key_file;
};

// A cluster's standby nodes and thresholds (`elastic = { standby = [...],
// scale_out = N, scale_in = M }`, issue 14; actors/cluster_manager/
// elastic_rule.hpp). Sessions per active node above scale_out for
// [autoscale] period wake a standby node; below scale_in one woken node
// returns to standby. 0: that direction is off.
struct cluster_elastic_config {
  std::vector<std::string> standby; // nodes of the cluster, standby at first
  double scale_out = 0;
  double scale_in = 0;
  // The same thresholds on the mean CPU of the cluster's active nodes, in
  // shares of one core (node_status::cpu; 0: off). Above either scale_out
  // wakes; below scale_in needs every threshold set to be under.
  double scale_out_cpu = 0;
  double scale_in_cpu = 0;
  // Nodes moving between clusters (issue 14 item 2): a cluster with
  // max_nodes > 0 takes part; it keeps at least min_nodes active nodes and
  // receives none past max_nodes ([autoscale] rebalance_ratio).
  uint32_t min_nodes = 1;
  uint32_t max_nodes = 0;
};

// [autoscale]: how long a threshold must hold, the least time between two
// node changes of a cluster, and the operator's command run when a cluster
// stays over scale_out with no standby node left (argv, never a shell;
// tetherd appends the cluster id, the reason and the figures), at most once
// per min_interval, stopped after timeout.
struct autoscale_config {
  millis period{10'000};
  millis cooldown{30'000};
  // A node moves from the lighter to the heavier of two clusters that take
  // part (elastic.max_nodes > 0) when one's sessions per active node are at
  // least this many times the other's for `period` (0: off; else >= 1.1).
  // The moves of all clusters are at least `cooldown` apart.
  double rebalance_ratio = 2;
  std::vector<std::string> command;
  millis min_interval{60'000};
  millis timeout{60'000};
};

struct cluster_config {
  std::string id; // e.g. "C1"
  cluster_labels labels;
  uint32_t weight = 1;
  // false: declared (its balancers and nodes run) but not in service until
  // an operator adds it with PUT /v1/admin/clusters/{id}.
  bool enabled = true;
  std::vector<balancer_config> balancers;
  std::vector<std::string> nodes; // node ids, e.g. "C1-n1"
  // [clusters.node_weights]: node id -> capacity weight for the "weighted"
  // node strategy (missing: 1; 0: the node takes no new sessions then).
  std::map<std::string, uint32_t> node_weights;
  // Tier caps: at most this many live connections in the cluster (0: no
  // cap), and per attribute value (`caps = { plan = { free = 100 } }`: at
  // most 100 connections of devices whose attribute plan is "free").
  uint32_t max_connections = 0;
  std::map<std::string, std::map<std::string, uint32_t>> caps;
  // [clusters.node_capacity]: node id -> capacity (missing: 1); the
  // least_load node strategy compares load ÷ capacity.
  std::map<std::string, uint32_t> node_capacity;
  // Standby nodes and the thresholds that wake them (`elastic = {...}`).
  cluster_elastic_config elastic;
  // Quality class (docs/ARCHITECTURE.md): this cluster's keepalive period
  // in whole seconds and its unanswered pings before a session closes (0:
  // [timers] keepalive and keepalive_misses), and the most sessions a node
  // of it takes (0: no cap).
  uint32_t keepalive_s = 0;
  uint32_t keepalive_misses = 0;
  uint32_t max_sessions_per_node = 0;
};

struct timers_config {
  millis keepalive{30'000};      // application ping period
  uint32_t keepalive_misses = 2; // unanswered pings before the session closes
  millis request_timeout{
    tether::defaults::request_timeout}; // any request between actors
  millis job_redelivery{30'000};        // resend a job not acknowledged by then
  millis retry_after{2'000};            // Retry-After advertised with 503/429
  // Between processes (CAF middleman). heartbeat < failure_timeout and
  // reconnect_min <= reconnect_max are enforced by the parser.
  millis heartbeat{500};         // middleman heartbeat interval
  millis failure_timeout{3'000}; // a peer silent this long is taken as dead
  millis reconnect_min{200};     // first delay before reconnecting to a peer
  millis reconnect_max{
    tether::defaults::reconnect_max}; // the backoff never waits longer than
                                      // this
  // Finished jobs (done/failed/expired, callback delivered or given up) are
  // deleted from the store this long after they finished; 0 keeps them.
  millis job_retention{7 * 24 * 3'600'000LL};
};

/// [history]: per-call history records (GET /v1/terminals/{id}/history).
struct history_config {
  millis retention{tether::defaults::history_retention};
  std::size_t max_per_terminal = tether::defaults::history_max_per_terminal;
  std::size_t sweep_per_tick = tether::defaults::history_sweep_per_tick;
};

struct limits_config {
  std::size_t max_http_body = 1 << 20;  // bytes
  std::size_t max_ws_frame = 64 * 1024; // bytes
  std::size_t max_ws_queue = 256;       // frames waiting to be written
  std::size_t max_payload = 256 * 1024; // job payload bytes
  std::size_t max_queue = 1000;         // open jobs per terminal (429)
  // Abuse limits, each answered before any control lookup (docs/SECURITY.md).
  // Per balancer listener:
  std::size_t ws_max_pending = 1024;        // accepted, not yet upgraded
  std::size_t ws_max_connections = 100'000; // sockets held at once
  double ws_accept_rate = 20;               // per source address, per second
  std::size_t ws_accept_burst = 200;        // ... and at once (NAT: generous)
  uint32_t flap_limit = 15;                 // connects of one id per minute
  millis flap_ban{300'000};                 // then refused (429) this long
  // HTTP gateway:
  millis http_header_timeout{10'000};        // request head must arrive by then
  std::size_t http_max_connections = 10'000; // sockets held at once
  std::size_t http_max_waiting = 1000; // device/service requests queued (503)
  double register_rate = 20;           // registrations per source, per s
  std::size_t register_burst = 200;    // ... and at once
  double push_rate = 1000;             // job pushes per API key, per s
  std::size_t push_burst = 5000;       // ... and at once (429 over it)
  std::size_t bulk_max_jobs = 1000;    // items of one POST /v1/jobs/bulk
  std::size_t max_event_streams = 16;  // GET /v1/admin/events at once (503)
  std::size_t event_replay = 1000; // events kept for a Last-Event-ID reconnect
  std::size_t max_terminals = 1'000'000; // registered terminals (403)
  double ws_total_accept_rate = 5000;    // per balancer, all sources (503)
  std::size_t ws_total_accept_burst = 10'000;
  // A device connection quiet this long (up to twice) frees its WebSocket
  // stream's state until its next frame (docs/BENCHMARKS.md §2).
  millis ws_stream_rest{1'000};
  // Memory bounds of the process holding the store (docs/BENCHMARKS.md,
  // soak): finished jobs the control keeps in memory (older ones are read
  // from the store), RocksDB memtables (all column families together) and
  // its block cache (one, shared).
  std::size_t final_jobs_in_memory = 100'000;
  std::size_t store_memtable_mb = 32;
  std::size_t store_block_cache_mb = 8;
};

/// Re-allocation (docs/ARCHITECTURE.md): terminals whose cluster changes are
/// sent `reassign`, spread over `window` and never faster than `max_rate`.
struct reallocation_config {
  millis window{60'000};  // the reassigns of one run spread over this
  uint32_t max_rate = 50; // reassign frames per second, at most
  millis period{0};       // re-allocate every terminal this often; 0: off
  // Idle-only rebalancing inside a cluster (actors/policy/rebalance.hpp):
  // sessions move when a node holds at least rebalance_ratio times the
  // sessions of the emptiest (0: off), rounds at least rebalance_period
  // apart.
  double rebalance_ratio = 2;
  millis rebalance_period{5'000};
};

/// Draining a node or cluster ([drain]): a session with a job delivered and
/// not yet acknowledged moves once the job is acknowledged or finished, or
/// after `job_wait`, whichever comes first.
struct drain_config {
  millis job_wait{30'000};
};

/// How a counted label item (GB, GC, GD, GI) turns a count into a group:
/// the count of the last `window` (sliding: the current window plus the
/// part of the previous one that still overlaps it) is "high" from `high`
/// on, "medium" from `medium` on (when medium > 0), else "low".
struct frequency_rule {
  uint64_t medium = 0; // 0: no "medium" group
  uint64_t high = 10;
};

/// GE: when terminals from at least `min_addresses` distinct source
/// addresses lost their connection within `window`, the terminals that
/// dropped form a simultaneous-disconnection class ("ge-<unix seconds of
/// the first drop>"), stored and kept; other terminals with a known address
/// get "none". `min_terminals` is the older name of `min_addresses`.
struct disconnect_group_rule {
  uint32_t min_addresses = 100;
  millis window{600'000};
};

/// GF: terminals are grouped by `group_by` (region, model, firmware, or an
/// attribute name); a group of at least `min_terminals` terminals in which
/// at least `share` of them disconnected within `window` becomes a
/// communication-failure class, stored and kept: its terminals get the
/// group's value, every other terminal with a value for `group_by` gets
/// "none".
struct failure_group_rule {
  std::string group_by = "region";
  double share = 0.30;
  uint32_t min_terminals = 10;
  millis window{600'000};
};

/// One rule of [labels.regions] map: a terminal whose id starts with
/// `id_prefix`, or whose connection address lies in `cidr`, is in `region`
/// (exactly one of id_prefix and cidr is set).
struct region_rule {
  std::string id_prefix;
  std::string cidr;
  std::string region;
};

/// [labels.regions]: GG as the server derives it (patent S520, S750-S760):
/// the first rule of `map` that matches; when none does, the region the
/// device claims at registration, unless `device_claim` is false (then the
/// terminal has no region).
struct region_config {
  std::vector<region_rule> map;
  bool device_claim = true;
};

/// [labels.thresholds]: how the computed label items get their values.
struct label_rules {
  // The window of the counters GB, GC, GD, GI (also the control's history
  // window).
  millis window{3'600'000};
  frequency_rule print_frequency{0, 10};       // GB: print jobs done
  frequency_rule api_call_frequency{0, 100};   // GC: API calls
  frequency_rule api_error_frequency{0, 10};   // GD: failed API calls
  frequency_rule user_usage_frequency{0, 100}; // GI: jobs done, per user
  disconnect_group_rule disconnect_group;      // GE
  failure_group_rule failure_group;            // GF
  region_config regions;                       // GG ([labels.regions])
  // [placement] class_ttl: GE/GF classes end this long after they formed
  // (0: kept until cleared).
  millis class_ttl{tether::defaults::class_ttl};
  // [labels] null_label_models: terminals of these models get the null
  // label (no items), so every cluster is a candidate (patent S620/S630).
  std::vector<std::string> null_label_models;
};

/// [callbacks]: how job callbacks are posted. http:// callbacks need none of
/// this; for https:// ones the server's certificate is verified against the
/// system trust store (and `ca_file`, if set) and must name the URL's host.
struct callbacks_config {
  // Extra trusted certificates (PEM, one or more), added to the system
  // store; e.g. a private CA or a service's self-signed certificate. A
  // relative path is relative to tetherd's working directory. Validation
  // checks that it is a readable file holding a PEM certificate.
  std::string ca_file;
  // false: accept any certificate for any host name. Dangerous: anyone on
  // the path can read and forge callbacks. For tests only (with a warning).
  bool verify = true;
  // Where callbacks may go although the address is loopback, private,
  // link-local, multicast or unspecified: CIDR ranges ("10.1.0.0/16",
  // "::1/128"). Not set: loopback (127.0.0.0/8, ::1) when every listener of
  // the topology is on loopback (the embedded default), else nothing.
  std::optional<std::vector<std::string>> allow_cidrs;
};

/// [edge_tls]: TLS for the edge, where devices, services and operators
/// connect: HTTPS on the gateway's listener, WSS on every balancer's. Set
/// cert_file and key_file together; then every such listener speaks TLS
/// (1.2 or newer). Checked at start: a file that cannot be read, or a key
/// that is not the certificate's, stops the start naming the setting.
struct edge_tls_config {
  std::string cert_file;      // PEM: the certificate, then its chain
  std::string key_file;       // PEM: its private key
  std::string client_ca_file; // PEM, optional: client certificates are
                              // asked for and checked against it
  // PEM, optional (needs client_ca_file): CRLs issued by the client CA; a
  // certificate listed in them is refused at the handshake. Re-read when
  // the file changes, checked every crl_reload_s seconds (0: never).
  std::string crl_file;
  uint32_t crl_reload_s = 10;
  // Without TLS a gateway or balancer listener on an address other than
  // loopback is refused at start; true allows it (warned at every start).
  bool insecure = false;

  bool enabled() const { return !cert_file.empty(); }
};

/// [auth]: service and operator API keys (docs/SECURITY.md).
/// One [[enrollment_groups]] table: a group of devices whose keys derive
/// from the group's 32-byte key (docs/SECURITY.md "Device identity").
struct enrollment_group_config {
  std::string id;       // the `kid` of the devices' proofs
  std::string key_file; // 64 hex characters (one line)
  bool enabled = true;  // false: its devices are refused (rotation)
};

/// [auth]: service and operator keys, the audit log, device identity and
/// connect tokens.
struct auth_config {
  // false: every HTTP route is open to anyone who reaches the port (warned
  // at every start). Never on a network others can reach.
  bool api_keys = true;
  // The audit log (JSON lines); empty: DATA/audit.log.
  std::string audit_log;
  // false: register, destination and connect need no credential (warned at
  // every start; for tests and trusted networks only).
  bool devices = true;
  millis token_ttl{24LL * 3600 * 1000}; // lifetime of a connect token
  // The data directory whose secrets/ holds the device credentials of every
  // process of this file (enrollment/default, token-signing-key,
  // token-public-key); empty: each process's own DATA. A multi-process
  // deployment names the gateway's, so that its balancers and further
  // gateways share them.
  std::string secrets_from;
  // Empty: the group "default" of DATA/secrets/enrollment/default.
  std::vector<enrollment_group_config> enrollment_groups;
};

/// [process_tls]: mutual TLS between the processes of a multi-process
/// deployment (docs/SECURITY.md, "Between processes"). Each process
/// presents DIR/<name>.crt (signed by `ca`, naming the process in its
/// subjectAltName DNS entry or common name) with the key DIR/<name>.key,
/// and accepts only peers whose certificate the CA signed for the process
/// the dial plan expects. Not set: the CAF port is plaintext, which only a
/// deployment whose processes are all on loopback (or `insecure = true`)
/// may use.
struct process_tls_config {
  std::string ca;    // the deployment CA certificate (PEM)
  std::string certs; // the directory of <process>.crt and <process>.key
  bool enabled() const { return !ca.empty(); }
};

/// CAF scheduler settings, applied per process.
struct scheduler_config {
  std::string policy = "sharing"; // "sharing" or "stealing"
  uint32_t max_threads = 2;
};

/// What a process runs. Written in the file as the snake_case
/// names below; the order is the order of all_process_roles().
enum class process_role : uint8_t {
  gateway,         // "gateway": the HTTP gateway
  control,         // "control"
  selector,        // "selector"
  cluster_manager, // "cluster_manager"
  balancer,        // "balancer": the cluster balancers listed in `balancers`
  node,            // "node": the nodes listed in `nodes`
};

/// The name of a role as written in the file ("cluster_manager").
std::string_view to_string(process_role role);

/// The role named `name`, or nothing if there is no such role.
std::optional<process_role> parse_process_role(std::string_view name);

/// Every role, in declaration order.
const std::vector<process_role>& all_process_roles();

/// One OS process of the deployment (`[[processes]]`). Every process is
/// started with the same topology file and its own name.
struct process_config {
  std::string name;                   // unique, e.g. "C1-b1"; `tetherd --name`
  std::string host = "127.0.0.1";     // where the other processes reach it
  uint16_t caf_port = 0;              // CAF middleman port; 0: not published
                                      // (only possible for a single process)
  std::vector<process_role> roles;    // non-empty, no repeats, file order
  std::optional<endpoint> http;       // set iff roles has gateway
  std::string data;                   // data directory (RocksDB); used by
                                      // control and cluster_manager
  std::vector<std::string> balancers; // balancer ids it runs
  std::vector<std::string> nodes;     // node ids it runs (= node_id)
  scheduler_config scheduler;         // the global one, overridden by
                                      // [processes.scheduler]

  bool has(process_role role) const;
  endpoint caf_endpoint() const { return {host, caf_port}; }
};

struct topology {
  // The HTTP gateway's address: [gateway] http for an all-in-one file; with
  // [[processes]], the http of the first gateway process (prefer
  // processes[].http there, as there may be several gateways).
  endpoint http{"127.0.0.1", 8080};
  uint32_t io_threads = 1; // per gateway process
  std::vector<std::string> label_items{"region", "model"};
  // One of cluster_strategy_names() / node_strategy_names().
  std::string cluster_strategy = "fewest_connections";
  std::string node_strategy = "fewest_sessions";
  // [labels.strategies]: a label item -> the cluster strategy used when the
  // terminal's label has a value for that item (the first item of
  // label_items that has a rule wins); otherwise cluster_strategy applies.
  std::map<std::string, std::string> item_strategies;
  // [labels] matching: "strict" (patent S640: a candidate cluster carries
  // values for every item of the terminal's label) or "lenient" (an item a
  // cluster does not mention does not restrict it).
  std::string label_matching = "strict";
  label_rules label_thresholds;
  std::vector<cluster_config> clusters;
  timers_config timers;
  limits_config limits;
  history_config history;
  reallocation_config reallocation;
  drain_config drain;
  autoscale_config autoscale;
  callbacks_config callbacks;
  auth_config auth;
  edge_tls_config edge_tls;
  scheduler_config scheduler; // global; each process has its resolved copy
  process_tls_config process_tls;
  // Top-level `insecure = true`: processes on several machines may talk
  // without process TLS (warned at every start).
  bool insecure = false;
  // Never empty once parsed. A file without [[processes]] describes an
  // all-in-one deployment: one process named all_in_one_process_name, with
  // every role, every balancer and every node, http from [gateway], host
  // 127.0.0.1, caf_port 0, data "tether-data"; then all_in_one is true.
  std::vector<process_config> processes;
  bool all_in_one = false;

  const cluster_config* find_cluster(std::string_view id) const;

  const process_config* find_process(std::string_view name) const;
  /// The processes that have `role`, in file order.
  std::vector<const process_config*>
  processes_with_role(process_role role) const;
  /// The process that runs balancer / node `id` (nullptr if none does,
  /// which validation rules out for every id of a cluster).
  const process_config* process_of_balancer(std::string_view id) const;
  const process_config* process_of_node(std::string_view id) const;
  /// The cluster a balancer / node belongs to.
  const cluster_config* cluster_of_balancer(std::string_view id) const;
  const cluster_config* cluster_of_node(std::string_view id) const;
};

/// The nodes cluster `c`'s balancers hold: its own, then, when it takes part
/// in node moves (elastic.max_nodes > 0), those of the other clusters that
/// do (not their standby nodes): a node moved in is already in their pool.
std::vector<std::string> nodes_reachable_by(const topology& topo,
                                            const cluster_config& c);

/// The keepalive period and misses of cluster `c`'s sessions: its own
/// (quality class), else [timers]'.
millis keepalive_of(const topology& topo, const cluster_config& c);
uint32_t keepalive_misses_of(const topology& topo, const cluster_config& c);

/// [callbacks] allow_cidrs as it applies to `topo` (see callbacks_config).
std::vector<std::string> callback_allow_list(const topology& topo);

/// Whether every process of `topo` is reached on a loopback address (CAF
/// links that never leave the machine).
bool processes_on_loopback(const topology& topo);

/// The name of the process synthesized for a file without [[processes]].
inline constexpr std::string_view all_in_one_process_name = "all-in-one";

/// Every problem found in a topology, each with its place.
struct problems {
  std::vector<std::string> list;
  std::string to_string() const;
};

/// Parses and validates. On failure, returns every problem at once.
/// Warnings (same form) point at a valid but doubtful choice, such as the
/// control-plane roles split over several processes; they never prevent a
/// value.
struct parse_result {
  std::optional<topology> value;
  problems errors;
  problems warnings;
};

parse_result parse_topology(std::string_view toml_text,
                            std::string_view source_name);
parse_result load_topology_file(const std::string& path);

/// The built-in all-in-one topology: gateway on 127.0.0.1:8080, clusters C1
/// and C2 with different labels, one balancer and two nodes each.
std::string_view default_topology_toml();

/// The strategies among candidate clusters: "fewest_connections",
/// "least_load", "weighted", "round_robin", "round_robin_per_user".
const std::vector<std::string>& cluster_strategy_names();
/// The balancers' node choices: "fewest_sessions", "least_load",
/// "weighted".
const std::vector<std::string>& node_strategy_names();

/// Known label item names (docs/LABELS.md).
const std::vector<std::string>& known_label_items();

/// Parses "1500ms", "3s", "2m", "1h" into milliseconds; nothing for a value
/// that does not fit.
std::optional<millis> parse_duration(std::string_view text);

/// Parses "host:port".
std::optional<endpoint> parse_endpoint(std::string_view text);

} // namespace tether::config
