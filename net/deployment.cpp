#include "net/deployment.hpp"
#include "net/ui/ui_files.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/cluster_balancer/cluster_balancer.hpp"
#include "actors/cluster_manager/cluster_manager.hpp"
#include "actors/control/control.hpp"
#include "actors/http_gateway/api_keys.hpp"
#include "actors/http_gateway/http_gateway.hpp"
#include "actors/node/node.hpp"
#include "actors/peers/peers.hpp"
#include "actors/selector/selector.hpp"
#include "actors/store/store_actor.hpp"
#include "actors/system/audit.hpp"
#include "actors/system/log.hpp"
#include "config/dial_plan.hpp"
#include "net/auth_setup.hpp"
#include "net/callback_guard.hpp"
#include "net/http_poster.hpp"
#include "net/http_server.hpp"
#include "net/ordered_stop.hpp"
#include "net/peer_tls.hpp"
#include "net/port_hint.hpp"
#include "net/tls/server_context.hpp"
#include "net/ws_server.hpp"
#include "storage/secrets_dir.hpp"

namespace asio = boost::asio;

namespace tether::net {

void configure_actor_system(caf::actor_system_config& cfg,
                            const config::topology& topo,
                            const std::string& process) {
  register_types(cfg);
  cfg.load<caf::io::middleman>();
  auto sched = topo.scheduler;
  if (const auto* p = topo.find_process(process))
    sched = p->scheduler;
  cfg.set("scheduler.policy", caf::atom_from_string(sched.policy));
  cfg.set("scheduler.max-threads", static_cast<size_t>(sched.max_threads));
  // Failure detection between processes: without these a frozen peer is
  // never detected.
  cfg.set("middleman.heartbeat-interval", caf::timespan{topo.timers.heartbeat});
  cfg.set("middleman.connection-timeout",
          caf::timespan{topo.timers.failure_timeout});
}

namespace {

/// The settings of balancer `b` of cluster `c`, reached at `url`.
balancer_settings balancer_settings_of(const config::topology& topo,
                                       const config::cluster_config& c,
                                       const config::balancer_config& b,
                                       std::string url) {
  balancer_settings bcfg;
  bcfg.balancer_id = b.id;
  bcfg.cluster_id = c.id;
  bcfg.url = std::move(url);
  // The cluster's quality class (else [timers]).
  bcfg.keepalive_ms
    = static_cast<uint32_t>(config::keepalive_of(topo, c).count());
  bcfg.keepalive_misses = config::keepalive_misses_of(topo, c);
  bcfg.max_sessions_per_node = c.max_sessions_per_node;
  bcfg.retry_after_s
    = static_cast<uint32_t>(topo.timers.retry_after.count() / 1000);
  bcfg.redelivery_ms
    = static_cast<uint32_t>(topo.timers.job_redelivery.count());
  bcfg.request_timeout = topo.timers.request_timeout;
  bcfg.node_strategy = topo.node_strategy;
  bcfg.drain_per_s = topo.reallocation.max_rate;
  bcfg.rebalance = {topo.reallocation.rebalance_ratio,
                    topo.reallocation.rebalance_period.count()};
  bcfg.node_weights = c.node_weights;
  bcfg.node_capacity = c.node_capacity;
  bcfg.drain_job_wait = topo.drain.job_wait;
  return bcfg;
}

http_gateway_settings gateway_settings_of(const config::topology& topo,
                                          std::string process_name) {
  http_gateway_settings gw_cfg;
  // The gateway waits longer than the chains it starts (control →
  // selector → cluster manager → store), so that a slow store yields
  // the inner error rather than a 503 for a request that then succeeds.
  gw_cfg.request_timeout = 3 * topo.timers.request_timeout;
  gw_cfg.retry_after_s
    = static_cast<uint32_t>(topo.timers.retry_after.count() / 1000);
  gw_cfg.max_payload = topo.limits.max_payload;
  gw_cfg.push_rate = topo.limits.push_rate;
  gw_cfg.push_burst = topo.limits.push_burst;
  gw_cfg.bulk_max_jobs = topo.limits.bulk_max_jobs;
  gw_cfg.max_event_streams = topo.limits.max_event_streams;
  gw_cfg.max_waiting = topo.limits.http_max_waiting;
  gw_cfg.event_replay = topo.limits.event_replay;
  gw_cfg.process_name = std::move(process_name);
  gw_cfg.callbacks = api::callback_policy{
    config::parse_cidrs(config::callback_allow_list(topo))};
  gw_cfg.api_keys = topo.auth.api_keys;
  gw_cfg.ui_files = ui::find_file;
  for (const auto& proc : topo.processes)
    for (const auto& node : proc.nodes)
      gw_cfg.node_processes[node] = proc.name;
  return gw_cfg;
}

control_settings control_settings_of(const config::topology& topo) {
  control_settings ccfg;
  ccfg.request_timeout = topo.timers.request_timeout;
  ccfg.max_queue_per_terminal = topo.limits.max_queue;
  ccfg.max_terminals = topo.limits.max_terminals;
  ccfg.job_retention = topo.timers.job_retention;
  ccfg.final_jobs_in_memory = topo.limits.final_jobs_in_memory;
  ccfg.reallocation = topo.reallocation;
  ccfg.drain_job_wait = topo.drain.job_wait;
  ccfg.label_rules = topo.label_thresholds;
  ccfg.strict_labels = topo.label_matching != "lenient";
  ccfg.history_window = topo.label_thresholds.window;
  ccfg.stuck_after = std::min<config::millis>(topo.timers.job_redelivery,
                                              std::chrono::seconds{5});
  return ccfg;
}

/// The peers of process `me`: those it dials and those that dial it
/// (config/dial_plan.hpp), in file order.
peers_settings peers_settings_of(const config::topology& topo,
                                 const config::process_config& me) {
  auto plan = config::dial_plan_of(topo, me.name);
  peers_settings pcfg;
  pcfg.self_name = me.name;
  pcfg.reconnect_min = topo.timers.reconnect_min;
  pcfg.reconnect_max = topo.timers.reconnect_max;
  pcfg.request_timeout = topo.timers.request_timeout;
  auto listed = [](const std::vector<std::string>& v, const std::string& n) {
    return std::find(v.begin(), v.end(), n) != v.end();
  };
  for (const auto& p : topo.processes) {
    bool dial = listed(plan.dials, p.name);
    if (dial || listed(plan.accepts, p.name))
      pcfg.targets.push_back({p.name, p.host, p.caf_port, dial, {}, 0});
  }
  return pcfg;
}

/// The gateway listener's limits ([limits], docs/SECURITY.md); `tls` set:
/// HTTPS.
http_settings http_settings_of(const config::limits_config& l,
                               std::shared_ptr<asio::ssl::context> tls) {
  return {.body_limit = l.max_http_body,
          .header_timeout = l.http_header_timeout,
          .max_connections = l.http_max_connections,
          .register_rate = l.register_rate,
          .register_burst = l.register_burst,
          .tls = std::move(tls)};
}

/// The balancers' abuse limits ([limits], docs/SECURITY.md).
void set_ws_limits(const config::topology& topo, ws_settings& ws) {
  const auto& l = topo.limits;
  ws.max_pending = l.ws_max_pending;
  ws.max_connections = l.ws_max_connections;
  ws.accept_rate = l.ws_accept_rate;
  ws.accept_burst = l.ws_accept_burst;
  ws.total_accept_rate = l.ws_total_accept_rate;
  ws.total_accept_burst = l.ws_total_accept_burst;
  ws.flap_limit = l.flap_limit;
  ws.flap_ban = l.flap_ban;
  ws.stream_rest = l.ws_stream_rest;
  ws.retry_after = topo.timers.retry_after;
}

/// What job callbacks may reach and the secret they are signed with
/// (DATA/secrets/callback-secret, created on first start). The gateways of
/// the topology with fixed ports are forbidden targets from the start; an
/// all-in-one gateway's bound port is added once it listens.
std::shared_ptr<callback_guard>
make_callback_guard(const deployment_options& opts, std::string& error) {
  storage::secrets_dir secrets{opts.data_dir};
  bool created = false;
  std::optional<std::string> secret;
  if (secrets.open(error))
    secret = secrets.read_or_create("callback-secret", 32, created, error);
  if (!secret)
    return nullptr;
  auto log = logger("tetherd");
  if (created)
    log->info("callback signing secret created: {}/callback-secret",
              secrets.path());
  auto allow = config::callback_allow_list(opts.topo);
  std::string listed;
  for (const auto& a : allow)
    listed += (listed.empty() ? "" : ", ") + a;
  log->info("callbacks may reach special addresses only in [{}] "
            "([callbacks] allow_cidrs)",
            listed);
  auto guard = std::make_shared<callback_guard>(
    api::callback_policy{config::parse_cidrs(allow)}, *secret);
  for (const auto* p :
       opts.topo.processes_with_role(config::process_role::gateway))
    if (p->http && p->http->port != 0)
      guard->forbid_listener(p->http->host, p->http->port, p->host);
  return guard;
}

/// Opens the store in `opts.data_dir` and deletes the finished jobs past
/// their retention; nullptr with the reason on failure.
std::shared_ptr<storage::store> open_store(const deployment_options& opts,
                                           std::string& error) {
  auto log = logger("tetherd");
  std::error_code fs_ec;
  std::filesystem::create_directories(opts.data_dir, fs_ec);
  if (fs_ec) {
    error = "cannot create data directory " + opts.data_dir + ": "
          + fs_ec.message();
    return nullptr;
  }
  storage::status st;
  std::shared_ptr<storage::store> db{
    storage::store::open(opts.data_dir + "/db", st,
                         {opts.topo.limits.store_memtable_mb << 20,
                          opts.topo.limits.store_block_cache_mb << 20})};
  if (!db) {
    error = st.message;
    return nullptr;
  }
  db->set_sync(opts.sync_writes);
  if (auto keep = opts.topo.timers.job_retention.count(); keep > 0) {
    auto purged = db->purge_jobs(now_ms() - keep, st);
    if (!st.ok()) {
      error = st.message;
      return nullptr;
    }
    if (purged > 0)
      log->info("retention: deleted {} finished jobs older than {} s", purged,
                keep / 1000);
  }
  return db;
}

/// What the control plane starts from: the stored terminals, jobs,
/// histories and events, and the admin API changes (over the topology).
bool load_stored(storage::store& db, control_snapshot& snapshot,
                 storage::admin_settings& admin, size_t final_jobs,
                 std::string& error) {
  storage::status st;
  snapshot.terminals = db.load_terminals(st);
  snapshot.jobs = db.load_jobs(st, final_jobs);
  snapshot.histories = db.load_histories(st);
  snapshot.disconnects = db.load_events(st);
  snapshot.next_job_seq = db.next_job_seq(st);
  snapshot.retired = db.load_retired(st);
  admin = db.load_admin(st);
  if (!st.ok()) {
    error = st.message;
    return false;
  }
  return true;
}

/// The shortest admin key tetherd takes from its file (it makes 64 hex
/// characters, 256 bits).
constexpr size_t min_admin_key_chars = 32;

/// The bootstrap key (docs/SECURITY.md): DATA/secrets/admin-key, created
/// with every scope on first start, read on later ones; the store holds its
/// hash as key "admin" (replaced when the file's key changed).
bool ensure_admin_key(storage::store& db, const std::string& data_dir,
                      bool keys_on, std::string& error) {
  storage::secrets_dir secrets{data_dir};
  bool created = false;
  if (!secrets.open(error))
    return false;
  auto key = secrets.read_or_create("admin-key", 32, created, error);
  if (!key)
    return false;
  // The file is the operator's to replace (rotation, docs/SECURITY.md): a
  // short key there would grant every scope to whoever guesses it. Found by
  // a new user: "short" was taken silently.
  if (key->size() < min_admin_key_chars && !keys_on) {
    logger("tetherd")->warn("{}/admin-key holds a key of {} characters; keys "
                            "are off ([auth] api_keys = false), but it will "
                            "be refused when they are on: at least {}",
                            secrets.path(), key->size(), min_admin_key_chars);
  } else if (key->size() < min_admin_key_chars) {
    error = secrets.path() + "/admin-key holds a key of "
          + std::to_string(key->size()) + " characters: the admin key grants "
          + "every scope, so it must be at least "
          + std::to_string(min_admin_key_chars)
          + " characters (`openssl rand -hex 32` makes one; or delete the file "
            "and tetherd makes a new one at start)";
    return false;
  }
  storage::status st;
  api_key_record rec;
  rec.key_id = "admin";
  rec.name = "bootstrap key (DATA/secrets/admin-key)";
  rec.scopes = all_scopes();
  rec.hash = hash_key(*key);
  for (const auto& k : db.load_api_keys(st))
    if (k.key_id == "admin")
      rec.created_at_ms = k.hash == rec.hash ? k.created_at_ms : 0;
  if (rec.created_at_ms == 0) {
    rec.created_at_ms = now_ms();
    if (st = db.put_api_key(rec); !st.ok()) {
      error = st.message;
      return false;
    }
  }
  logger("tetherd")->info("admin key ({}): {}/admin-key",
                          created ? "created" : "existing", secrets.path());
  return true;
}

/// The audit log of this process: [auth] audit_log or DATA/audit.log.
bool open_audit(const deployment_options& opts, std::string& error) {
  auto path = opts.topo.auth.audit_log;
  if (path.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(opts.data_dir, ec);
    path = opts.data_dir + "/audit.log";
  }
  if (!open_audit_log(path, error))
    return false;
  logger("tetherd")->info("audit log: {}", path);
  if (!opts.topo.auth.api_keys)
    logger("tetherd")->warn("[auth] api_keys = false: every HTTP call is "
                            "open to anyone who reaches the port");
  return true;
}

class deployment_impl : public deployment {
public:
  explicit deployment_impl(caf::actor_system& sys) : sys_(sys) {}

  ~deployment_impl() override { stop(); }

  bool start(deployment_options opts, std::string& error) {
    opts_ = std::move(opts);
    if (!find_process(error) || !load_edge_tls(error)
        || !open_audit(opts_, error))
      return false;
    if (me_ && !check_process_tls(*me_, error)) // before anything listens
      return false;
    if (has(config::process_role::control) && !start_control_plane(error))
      return false;
    start_nodes();
    if (!load_device_auth(error))
      return false;
    if (!start_balancers(error))
      return false;
    if (me_ && !start_peers(*me_, error))
      return false;
    if (has(config::process_role::gateway) && !start_gateway(error))
      return false;
    if (peers_)
      for (auto& s : subscribers_)
        caf::anon_send(peers_, join_atom::value, s);
    for (uint32_t i = 0; i < opts_.topo.io_threads; ++i)
      threads_.emplace_back([this] { io_.run(); });
    return true;
  }

private:
  /// The process of `opts_.process`, if any: `me_` (null without
  /// --process, when every role of the file runs here).
  bool find_process(std::string& error) {
    if (!opts_.process.empty()) {
      me_ = opts_.topo.find_process(opts_.process);
      if (me_ == nullptr) {
        error = "no process named \"" + opts_.process + "\" in the topology";
        return false;
      }
    }
    dir_.process
      = me_ ? me_->name : std::string{config::all_in_one_process_name};
    return true;
  }

  bool has(config::process_role r) const { return !me_ || me_->has(r); }

  /// Whether `id` (of `ids`, this process's share) runs here.
  bool runs(const std::vector<std::string>& ids, const std::string& id) const {
    return !me_ || std::find(ids.begin(), ids.end(), id) != ids.end();
  }

  template <class Handle>
  void keep(const Handle& h) {
    actors_.push_back(caf::actor_cast<caf::actor>(h));
  }

  /// Kept, and told where the roles of the peer processes are.
  template <class Handle>
  void keep_subscribed(const Handle& h) {
    keep(h);
    subscribers_.push_back(caf::actor_cast<caf::actor>(h));
  }

  /// Store, selector, cluster manager and control (always one process).
  bool start_control_plane(std::string& error) {
    const auto& topo = opts_.topo;
    // Job callbacks: TLS settings are checked before anything is opened.
    callbacks_ = make_callback_guard(opts_, error);
    if (!callbacks_)
      return false;
    auto poster = make_http_poster(io_, topo.callbacks, callbacks_, error);
    if (!poster)
      return false;
    if (!topo.callbacks.verify)
      logger("tetherd")->warn("callbacks.verify is false: https callbacks "
                              "accept any certificate (for tests only)");
    auto db = open_store(opts_, error);
    control_snapshot snapshot;
    storage::admin_settings admin;
    if (!db
        || !ensure_admin_key(*db, opts_.data_dir, opts_.topo.auth.api_keys,
                             error)
        || !load_stored(*db, snapshot, admin, topo.limits.final_jobs_in_memory,
                        error))
      return false;
    logger("tetherd")->info("data directory {}: {} terminals, {} jobs",
                            opts_.data_dir, snapshot.terminals.size(),
                            snapshot.jobs.size());
    history_limits kept; // [history]: per-call records' retention
    kept.retention = topo.history.retention;
    kept.max_per_terminal = topo.history.max_per_terminal;
    kept.sweep_per_tick = topo.history.sweep_per_tick;
    auto store = sys_.spawn<caf::detached>(store_service, db,
                                           topo.timers.job_retention, kept);
    auto sel = sys_.spawn(selector, admin.has_label_items ? admin.label_items
                                                          : topo.label_items);
    auto manager
      = sys_.spawn(cluster_manager, topo, snapshot.terminals, store, admin);
    auto ctrl
      = sys_.spawn(control, control_settings_of(topo), std::move(snapshot), sel,
                   manager, store, std::move(poster));
    keep(store);
    keep(sel);
    keep(manager);
    keep(ctrl);
    dir_.control = ctrl;
    dir_.manager = manager;
    store_ = store;
    return true;
  }

  void start_nodes() {
    for (const auto& c : opts_.topo.clusters)
      for (const auto& n : c.nodes)
        if (runs(me_ ? me_->nodes : c.nodes, n)) {
          auto handle = sys_.spawn(node, n, dir_.control);
          keep_subscribed(handle);
          dir_.nodes[n] = handle;
        }
  }

  /// The device credentials this process needs: the gateway's proof check
  /// and token signer, the balancers' token verifier (auth_setup.hpp).
  bool load_device_auth(std::string& error) {
    const auto& topo = opts_.topo;
    if (!topo.auth.devices) {
      logger("tetherd")->warn(
        "[auth] devices = false: devices register and connect without any "
        "credential, anyone can take over any terminal (for tests only)");
      return true;
    }
    // Every process of a multi-process file shares the gateway's secrets.
    auto data = topo.auth.secrets_from.empty() ? opts_.data_dir
                                               : topo.auth.secrets_from;
    if (has(config::process_role::gateway)) {
      devices_ = gateway_device_auth(topo, data, error);
      if (!devices_)
        return false;
    }
    bool balancers = !me_ || !me_->balancers.empty();
    if (balancers)
      tokens_ = balancer_token_verifier(topo, data, devices_.get());
    return true;
  }

  /// [edge_tls]: the TLS context of this process's gateway and balancer
  /// listeners, and the refusal of a plaintext one off loopback; both
  /// before anything listens.
  bool load_edge_tls(std::string& error) {
    const auto& topo = opts_.topo;
    std::vector<std::pair<std::string, config::endpoint>> listeners;
    if (has(config::process_role::gateway))
      listeners.emplace_back("the HTTP gateway",
                             me_ && me_->http ? *me_->http : topo.http);
    for (const auto& [what, at] : listeners)
      if (error = tls::plaintext_refusal(topo.edge_tls, at, what);
          !error.empty())
        return false;
    for (const auto& c : topo.clusters)
      for (const auto& b : c.balancers)
        if ((!me_ || runs(me_->balancers, b.id))
            && !load_balancer_tls(b, error))
          return false;
    if (topo.edge_tls.insecure && !topo.edge_tls.enabled())
      logger("tetherd")->warn(
        "insecure = true: the gateway and the balancers may serve "
        "plaintext HTTP and WebSocket on any address; anyone on the path "
        "reads and forges API keys, device proofs and connect tokens");
    if (!topo.edge_tls.enabled() || listeners.empty())
      return true;
    edge_tls_ = tls::make_server_context(topo.edge_tls, error);
    return edge_tls_ != nullptr;
  }

  /// Balancer `b`'s TLS context (tls::balancer_tls: its own certificate
  /// or [edge_tls]'s, no client CA), or none for plaintext where allowed.
  bool load_balancer_tls(const config::balancer_config& b, std::string& error) {
    auto cfg = tls::balancer_tls(opts_.topo.edge_tls, b);
    auto what = "balancer " + b.id;
    if (error = tls::plaintext_refusal(cfg, b.listen, what); !error.empty())
      return false;
    if (!cfg.enabled())
      return true;
    auto& shared = b.cert_file.empty() ? balancers_tls_ : balancer_tls_[b.id];
    if (!shared)
      shared = tls::make_server_context(
        cfg, error, b.cert_file.empty() ? "edge_tls" : "clusters.balancers");
    if (!shared)
      error = what + ": " + error;
    return shared != nullptr;
  }

  /// The TLS context of balancer `id`'s listener; null: plaintext.
  std::shared_ptr<asio::ssl::context> tls_of(const std::string& id) const {
    auto i = balancer_tls_.find(id);
    return i != balancer_tls_.end() ? i->second : balancers_tls_;
  }

  bool start_balancers(std::string& error) {
    ws_settings ws_cfg;
    ws_cfg.tokens = tokens_;
    ws_cfg.max_frame = opts_.topo.limits.max_ws_frame;
    ws_cfg.max_queue = opts_.topo.limits.max_ws_queue;
    set_ws_limits(opts_.topo, ws_cfg);
    for (const auto& c : opts_.topo.clusters)
      for (const auto& b : c.balancers)
        if ((!me_ || runs(me_->balancers, b.id))
            && !start_balancer(c, b, ws_cfg, error))
          return false;
    return true;
  }

  /// Balancer `b` of cluster `c` and its WebSocket listener.
  bool start_balancer(const config::cluster_config& c,
                      const config::balancer_config& b,
                      const ws_settings& ws_cfg, std::string& error) {
    auto listener_cfg = ws_cfg;
    listener_cfg.cluster_id = c.id;
    listener_cfg.tls = tls_of(b.id);
    auto server = ws_server::bind(io_, b.listen, listener_cfg, error);
    if (!server)
      return false;
    auto url = b.public_url;
    if (url.empty())
      url = (listener_cfg.tls ? "wss://" : "ws://") + b.listen.host + ":"
          + std::to_string(server->port()) + ws_cfg.path;
    // Nodes of other processes start unknown (null): the peers actor
    // hands them over once their processes are reached.
    // With node moves, the other clusters' nodes too (told draining).
    std::vector<std::pair<std::string, node_actor>> nodes;
    for (const auto& n : config::nodes_reachable_by(opts_.topo, c)) {
      auto i = dir_.nodes.find(n);
      nodes.emplace_back(n, i != dir_.nodes.end() ? i->second : node_actor{});
    }
    auto bcfg = balancer_settings_of(opts_.topo, c, b, url);
    bcfg.ws_connections = server->connections();
    bcfg.ws_streams = server->streams();
    bcfg.tokens = tokens_;
    bcfg.flaps = server->flaps();
    bcfg.control = dir_.control;
    auto balancer
      = sys_.spawn(cluster_balancer, bcfg, dir_.manager, std::move(nodes));
    keep_subscribed(balancer);
    dir_.balancers[b.id] = balancer;
    server->start(balancer);
    ws_servers_.push_back(server);
    endpoints_.balancers.emplace_back(b.id, url);
    return true;
  }

  bool start_gateway(std::string& error) {
    const auto& topo = opts_.topo;
    auto gw_cfg = gateway_settings_of(topo, dir_.process);
    gw_cfg.devices = devices_;
    auto gateway
      = sys_.spawn(http_gateway, std::move(gw_cfg), dir_.control, peers_);
    if (peers_)
      keep_subscribed(gateway);
    else
      keep(gateway);
    auto listen = me_ && me_->http ? *me_->http : topo.http;
    http_ = http_server::start(io_, listen, gateway,
                               http_settings_of(topo.limits, edge_tls_), error);
    if (!http_)
      return false;
    endpoints_.http = listen.host + ":" + std::to_string(http_->port());
    endpoints_.https = edge_tls_ != nullptr;
    if (callbacks_) // a callback must not push to this gateway
      callbacks_->forbid_listener(listen.host, http_->port(),
                                  me_ ? me_->host : std::string{});
    return true;
  }

  /// Publishes this process's directory on its CAF port and starts
  /// connecting to the peers it needs (peers_settings_of).
  bool start_peers(const config::process_config& me, std::string& error) {
    auto pcfg = peers_settings_of(opts_.topo, me);
    if (!dial_through_tls(pcfg, error))
      return false;
    pcfg.self_dir = dir_;
    peers_ = sys_.spawn(peers, std::move(pcfg));
    keep(peers_);
    auto proc = sys_.spawn(process_directory, dir_, peers_);
    keep(proc);
    // With process TLS, CAF listens on loopback only, behind the relay.
    auto host = peer_tls_ ? std::string{"127.0.0.1"} : me.host;
    uint16_t want = peer_tls_ ? 0 : me.caf_port;
    auto port = sys_.middleman().publish(proc, want, host.c_str(), true);
    if (port && peer_tls_
        && !peer_tls_->listen(me.host, me.caf_port, *port,
                              config::dial_plan_of(opts_.topo, me.name).accepts,
                              error))
      return false;
    if (!port) {
      error = "cannot listen for peer processes on " + me.host + ":"
            + std::to_string(me.caf_port) + " (caf_port of process " + me.name
            + "): " + sys_.render(port.error());
      if (auto why = bind_problem(host, want); !why.empty() && want != 0)
        error += "; " + why;
      return false;
    }
    caf::anon_send(peers_, put_atom::value, caf::actor_cast<caf::actor>(proc));
    return true;
  }

  /// [process_tls] for this process, or plaintext where that is allowed:
  /// every process on loopback, or `insecure = true` (warned).
  bool check_process_tls(const config::process_config& me, std::string& error) {
    const auto& topo = opts_.topo;
    auto log = logger("tetherd");
    if (topo.process_tls.enabled()) {
      peer_tls_ = peer_tls::create(
        io_, peer_tls_files_of(topo.process_tls, me.name), me.name, error);
      if (peer_tls_)
        log->info("process TLS: {} ({}), CA {}", me.name,
                  topo.process_tls.certs, topo.process_tls.ca);
      return peer_tls_ != nullptr;
    }
    if (config::processes_on_loopback(topo))
      return true;
    if (!topo.insecure) {
      error = "process_tls: processes on other machines than loopback talk "
              "over CAF; set [process_tls] ca and certs (docs/SECURITY.md, "
              "\"Between processes\"), or insecure = true to allow plaintext";
      return false;
    }
    log->warn("insecure = true: the processes talk without TLS; anyone who "
              "reaches a CAF port gets the handles of its actors");
    return true;
  }

  /// Dialed peers are reached through a loopback port of the TLS relay.
  bool dial_through_tls(peers_settings& pcfg, std::string& error) {
    if (!peer_tls_)
      return true;
    for (auto& t : pcfg.targets) {
      if (!t.dial)
        continue;
      t.connect_host = "127.0.0.1";
      t.connect_port
        = peer_tls_->dial_through(t.process, t.host, t.port, error);
      if (t.connect_port == 0)
        return false;
    }
    return true;
  }

public:
  const deployment_endpoints& endpoints() const override { return endpoints_; }

  /// Order matters: the balancers hold the connections (ws_link), whose
  /// sockets belong to the io_context. So first stop accepting, then close
  /// the devices' sockets and let the control store their disconnects
  /// (ordered_stop.hpp), then end every actor and wait until they are gone
  /// (which drops their links), and only then stop the I/O threads; the
  /// io_context is destroyed last.
  void stop() override {
    if (stopped_)
      return;
    stopped_ = true;
    if (http_)
      http_->stop();
    if (peer_tls_)
      peer_tls_->stop();
    for (auto& s : ws_servers_)
      s->stop();
    stop_roles_in_order();
    wait_for_sockets_closed();
    for (auto& a : actors_)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    actors_.clear();
    sys_.await_all_actors_done();
    work_.reset();
    io_.stop();
    for (auto& t : threads_)
      t.join();
    threads_.clear();
    close_audit_log();
  }

private:
  /// The I/O threads write the devices' close frames (1001): they run
  /// until every WebSocket of the process closed, for at most a second.
  void wait_for_sockets_closed() {
    auto start = std::chrono::steady_clock::now();
    auto open = [this] {
      int64_t n = 0;
      for (const auto& s : ws_servers_)
        n += s->connections().value();
      return n;
    };
    auto before = open();
    auto left = before;
    while (left > 0
           && std::chrono::steady_clock::now() - start
                < std::chrono::seconds{1}) {
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
      left = open();
    }
    if (before > 0)
      logger("tetherd")->info(
        "stopping: waited {} ms for {} device socket(s) to close, {} still "
        "open",
        std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - start)
          .count(),
        before, left);
  }

  void stop_roles_in_order() {
    stopping_roles roles;
    for (auto& [id, b] : dir_.balancers)
      roles.balancers.push_back(b);
    for (auto& [id, n] : dir_.nodes)
      roles.nodes.push_back(n);
    roles.control = dir_.control;
    roles.store = store_;
    auto out = stop_in_order(sys_, roles);
    auto log = logger("tetherd");
    if (!roles.balancers.empty())
      log->info("stopping: {} of {} balancer(s) ended, {} session(s) still on "
                "this process's nodes",
                out.balancers_ended, roles.balancers.size(), out.sessions_left);
    if (store_ && !out.history_handed_over)
      log->warn("stopping: the control did not hand over its pending "
                "history records in time (the last tick's may be lost)");
  }

  caf::actor_system& sys_;
  deployment_options opts_;
  const config::process_config* me_ = nullptr; // in opts_.topo
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{
    io_.get_executor()};
  std::vector<std::thread> threads_;
  std::shared_ptr<http_server> http_;
  std::shared_ptr<callback_guard> callbacks_; // with the control plane
  std::vector<std::shared_ptr<ws_server>> ws_servers_;
  std::vector<caf::actor> actors_;
  store_actor store_;                   // with the control plane; else null
  peer_directory dir_;                  // the roles this process hosts
  peers_actor peers_;                   // only with --process
  std::vector<caf::actor> subscribers_; // of peer directories
  std::shared_ptr<peer_tls> peer_tls_;  // [process_tls]; null: plaintext
  deployment_endpoints endpoints_;
  std::shared_ptr<auth::device_auth> devices_;   // gateway; null: off
  std::shared_ptr<auth::token_verifier> tokens_; // balancers; null: off
  std::shared_ptr<asio::ssl::context> edge_tls_; // [edge_tls]; null: plain
  // The balancers' listeners: [edge_tls]'s certificate without a client CA,
  // and those with their own certificate (by balancer id).
  std::shared_ptr<asio::ssl::context> balancers_tls_;
  std::map<std::string, std::shared_ptr<asio::ssl::context>> balancer_tls_;
  bool stopped_ = false;
};

} // namespace

std::unique_ptr<deployment> deployment::start(caf::actor_system& sys,
                                              deployment_options opts,
                                              std::string& error) {
  auto d = std::make_unique<deployment_impl>(sys);
  if (!d->start(std::move(opts), error))
    return nullptr;
  return d;
}

} // namespace tether::net
