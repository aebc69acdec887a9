#include "net/deployment.hpp"

#include <filesystem>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/send.hpp>

#include "actors/cluster_balancer.hpp"
#include "actors/cluster_manager.hpp"
#include "actors/control.hpp"
#include "actors/http_gateway.hpp"
#include "actors/log.hpp"
#include "actors/node.hpp"
#include "actors/selector.hpp"
#include "actors/store_actor.hpp"
#include "net/http_poster.hpp"
#include "net/http_server.hpp"
#include "net/ws_server.hpp"

namespace asio = boost::asio;

namespace tether::net {

void configure_actor_system(caf::actor_system_config& cfg,
                            const config::topology& topo) {
  register_types(cfg);
  cfg.set("scheduler.policy", caf::atom_from_string(topo.scheduler.policy));
  cfg.set("scheduler.max-threads",
          static_cast<size_t>(topo.scheduler.max_threads));
}

namespace {

class deployment_impl : public deployment {
public:
  explicit deployment_impl(caf::actor_system& sys) : sys_(sys) {
  }

  ~deployment_impl() override {
    stop();
  }

  bool start(deployment_options opts, std::string& error) {
    auto log = logger("tetherd");
    const auto& topo = opts.topo;
    // -- storage ---------------------------------------------------------------
    std::error_code fs_ec;
    std::filesystem::create_directories(opts.data_dir, fs_ec);
    if (fs_ec) {
      error = "cannot create data directory " + opts.data_dir + ": "
              + fs_ec.message();
      return false;
    }
    storage::status st;
    std::shared_ptr<storage::store> db{
      storage::store::open(opts.data_dir + "/db", st)};
    if (!db) {
      error = st.message;
      return false;
    }
    db->set_sync(opts.sync_writes);
    control_snapshot snapshot;
    snapshot.terminals = db->load_terminals(st);
    snapshot.jobs = db->load_jobs(st);
    snapshot.histories = db->load_histories(st);
    snapshot.next_job_seq = db->next_job_seq(st);
    auto admin = db->load_admin(st);  // admin API changes, over the topology
    if (!st.ok()) {
      error = st.message;
      return false;
    }
    log->info("data directory {}: {} terminals, {} jobs", opts.data_dir,
              snapshot.terminals.size(), snapshot.jobs.size());
    // -- control plane ---------------------------------------------------------
    auto store = sys_.spawn<caf::detached>(store_service, db);
    auto sel = sys_.spawn(selector, admin.has_label_items ? admin.label_items
                                                          : topo.label_items);
    auto manager = sys_.spawn(cluster_manager, topo, snapshot.terminals,
                              store, admin);
    control_settings ccfg;
    ccfg.request_timeout = topo.timers.request_timeout;
    ccfg.max_queue_per_terminal = topo.limits.max_queue;
    ccfg.reallocation = topo.reallocation;
    auto ctrl = sys_.spawn(control, ccfg, std::move(snapshot), sel, manager,
                           store, make_http_poster(io_));
    http_gateway_settings gw_cfg;
    // The gateway waits longer than the chains it starts (control →
    // selector → cluster manager → store), so that a slow store yields the
    // inner error rather than a 503 for a request that then succeeds.
    gw_cfg.request_timeout = 3 * topo.timers.request_timeout;
    gw_cfg.retry_after_s = static_cast<uint32_t>(
      topo.timers.retry_after.count() / 1000);
    gw_cfg.max_payload = topo.limits.max_payload;
    auto gateway = sys_.spawn(http_gateway, gw_cfg, ctrl);
    actors_ = {caf::actor_cast<caf::actor>(store),
               caf::actor_cast<caf::actor>(sel),
               caf::actor_cast<caf::actor>(manager),
               caf::actor_cast<caf::actor>(ctrl),
               caf::actor_cast<caf::actor>(gateway)};
    // -- clusters --------------------------------------------------------------
    ws_settings ws_cfg;
    ws_cfg.max_frame = topo.limits.max_ws_frame;
    ws_cfg.max_queue = topo.limits.max_ws_queue;
    for (const auto& c : topo.clusters) {
      std::vector<std::pair<std::string, node_actor>> nodes;
      for (const auto& n : c.nodes) {
        auto handle = sys_.spawn(node, n, ctrl);
        actors_.push_back(caf::actor_cast<caf::actor>(handle));
        nodes.emplace_back(n, handle);
      }
      for (const auto& b : c.balancers) {
        auto server = ws_server::bind(io_, b.listen, ws_cfg, error);
        if (!server)
          return false;
        auto url = b.public_url;
        if (url.empty())
          url = "ws://" + b.listen.host + ":" + std::to_string(server->port())
                + ws_cfg.path;
        balancer_settings bcfg;
        bcfg.balancer_id = b.id;
        bcfg.cluster_id = c.id;
        bcfg.url = url;
        bcfg.keepalive_ms = static_cast<uint32_t>(topo.timers.keepalive.count());
        bcfg.keepalive_misses = topo.timers.keepalive_misses;
        bcfg.redelivery_ms
          = static_cast<uint32_t>(topo.timers.job_redelivery.count());
        bcfg.request_timeout = topo.timers.request_timeout;
        auto balancer = sys_.spawn(cluster_balancer, bcfg, manager, nodes);
        actors_.push_back(caf::actor_cast<caf::actor>(balancer));
        server->start(balancer);
        ws_servers_.push_back(server);
        endpoints_.balancers.emplace_back(b.id, url);
      }
    }
    // -- HTTP gateway ----------------------------------------------------------
    http_settings http_cfg;
    http_cfg.body_limit = topo.limits.max_http_body;
    http_ = http_server::start(io_, topo.http, gateway, http_cfg, error);
    if (!http_)
      return false;
    endpoints_.http = topo.http.host + ":" + std::to_string(http_->port());
    // -- I/O threads -----------------------------------------------------------
    for (uint32_t i = 0; i < topo.io_threads; ++i)
      threads_.emplace_back([this] { io_.run(); });
    return true;
  }

  const deployment_endpoints& endpoints() const override {
    return endpoints_;
  }

  /// Order matters: the balancers hold the connections (ws_link), whose
  /// sockets belong to the io_context. So first stop accepting, then end
  /// every actor and wait until they are gone (which drops their links), and
  /// only then stop the I/O threads; the io_context is destroyed last.
  void stop() override {
    if (stopped_)
      return;
    stopped_ = true;
    if (http_)
      http_->stop();
    for (auto& s : ws_servers_)
      s->stop();
    for (auto& a : actors_)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    actors_.clear();
    sys_.await_all_actors_done();
    work_.reset();
    io_.stop();
    for (auto& t : threads_)
      t.join();
    threads_.clear();
  }

private:
  caf::actor_system& sys_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{
    io_.get_executor()};
  std::vector<std::thread> threads_;
  std::shared_ptr<http_server> http_;
  std::vector<std::shared_ptr<ws_server>> ws_servers_;
  std::vector<caf::actor> actors_;
  deployment_endpoints endpoints_;
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
