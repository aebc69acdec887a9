// tetherd: runs a Tether deployment. Without arguments it starts the
// all-in-one deployment of the embedded default topology.
#include <csignal>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <spdlog/spdlog.h>

#include "config/topology.hpp"
#include "net/deployment.hpp"

namespace {

tether::config::parse_result load(const std::string& path) {
  if (path.empty())
    return tether::config::parse_topology(
      tether::config::default_topology_toml(), "<embedded default>");
  return tether::config::load_topology_file(path);
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"tetherd — keeps device fleets permanently connected.\n"
               "Without options it runs the all-in-one deployment of the "
               "embedded default topology."};
  std::string config_file, http, data_dir, check_file;
  std::string ready_file, log_level = "info", process;
  int ws_base_port = -1;
  app.add_option("--config", config_file, "topology file (TOML)");
  app.add_option("--http", http,
                 "HTTP gateway listen address HOST:PORT (port 0: any free "
                 "port); overrides the topology");
  app.add_option("--process", process,
                 "run only this process of the topology (the name of one of "
                 "its [[processes]]); without it every process of the file "
                 "runs inside this one");
  app.add_option("--data", data_dir,
                 "data directory (default: the process's `data` in the "
                 "topology, else tether-data)");
  app
    .add_option("--ws-base-port", ws_base_port,
                "balancers listen on consecutive ports from this one "
                "(0: any free ports); overrides the topology")
    ->check(CLI::Range(0, 65535));
  app.add_option("--check-config", check_file,
                 "validate a topology file, list every problem, and exit");
  app.add_option("--ready-file", ready_file,
                 "write the real listen addresses as JSON here once serving");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
    ->capture_default_str()
    ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2, as the
    // errors found after parsing do.
    return app.exit(e) == 0 ? 0 : 2;
  }
  spdlog::set_level(spdlog::level::from_str(log_level));

  if (!check_file.empty()) {
    auto parsed = tether::config::load_topology_file(check_file);
    if (!parsed.value) {
      std::cerr << parsed.errors.to_string();
      return 2;
    }
    for (const auto& w : parsed.warnings.list)
      std::cerr << "warning: " << w << "\n";
    std::cout << check_file << ": ok\n";
    return 0;
  }

  auto parsed = load(config_file);
  if (!parsed.value) {
    std::cerr << "tetherd: invalid topology:\n" << parsed.errors.to_string();
    return 2;
  }
  auto topo = std::move(*parsed.value);
  tether::config::process_config* me = nullptr;
  if (!process.empty()) {
    for (auto& p : topo.processes)
      if (p.name == process)
        me = &p;
    if (me == nullptr || topo.all_in_one) {
      std::cerr << "tetherd: --process " << process << ": "
                << (topo.all_in_one
                      ? "the topology has no [[processes]]; run it without "
                        "--process"
                      : "no such process in the topology; it has:");
      if (!topo.all_in_one)
        for (const auto& p : topo.processes)
          std::cerr << " " << p.name;
      std::cerr << "\n";
      return 2;
    }
  }
  if (data_dir.empty())
    data_dir = me && !me->data.empty() ? me->data : "tether-data";
  if (!http.empty()) {
    auto ep = tether::config::parse_endpoint(http);
    if (!ep) {
      std::cerr << "tetherd: --http must be HOST:PORT, got \"" << http
                << "\"\n";
      return 2;
    }
    if (me && !me->http) {
      std::cerr << "tetherd: --http: process " << process
                << " has no gateway role\n";
      return 2;
    }
    topo.http = *ep;
    if (me)
      me->http = *ep;
  }
  if (ws_base_port >= 0) {
    int next = ws_base_port;
    for (auto& c : topo.clusters)
      for (auto& b : c.balancers) {
        b.listen.port = static_cast<uint16_t>(next);
        if (next != 0)
          ++next;
      }
  }

  // Signals are taken synchronously below; block them before any thread
  // starts so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  caf::actor_system_config cfg;
  tether::net::configure_actor_system(cfg, topo, process);
  caf::actor_system sys{cfg};
  std::string error;
  tether::net::deployment_options opts;
  opts.topo = std::move(topo);
  opts.data_dir = data_dir;
  opts.process = process;
  auto d = tether::net::deployment::start(sys, std::move(opts), error);
  if (!d) {
    std::cerr << "tetherd: " << error << "\n";
    return 1;
  }
  const auto& ep = d->endpoints();
  std::string json = "{\"http\":\"" + ep.http + "\",\"balancers\":{";
  std::cout << "tetherd" << (process.empty() ? "" : " " + process)
            << " serving:";
  if (!ep.http.empty())
    std::cout << " http://" << ep.http;
  for (size_t i = 0; i < ep.balancers.size(); ++i) {
    json += (i ? "," : "") + std::string{"\""} + ep.balancers[i].first + "\":\""
          + ep.balancers[i].second + "\"";
    std::cout << " " << ep.balancers[i].first << "=" << ep.balancers[i].second;
  }
  json += "}}";
  std::cout << std::endl;
  if (!ready_file.empty()) {
    // Write then rename, so a reader never sees a partial file.
    std::ofstream out{ready_file + ".tmp"};
    out << json << "\n";
    out.close();
    std::rename((ready_file + ".tmp").c_str(), ready_file.c_str());
  }
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("tetherd: signal {}, shutting down", sig);
  d->stop();
  return 0;
}
