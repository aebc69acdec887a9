// tetherd: runs a Tether deployment. Without arguments it starts the
// all-in-one deployment of the embedded default topology.
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <spdlog/spdlog.h>

#include "actors/system/log.hpp"
#include "actors/system/log_json.hpp"
#include "auth/ed25519.hpp"
#include "config/topology.hpp"
#include "net/deployment.hpp"
#include "net/tls/trust_files.hpp"

namespace {

using tether::config::process_config;
using tether::config::topology;

/// The command line.
struct options {
  std::string config_file, http, data_dir, check_file;
  std::string ready_file, log_level = "info", process;
  std::string log_format = "text";
  int ws_base_port = -1;
};

void add_options(CLI::App& app, options& o) {
  app.add_option("--config", o.config_file, "topology file (TOML)");
  app.add_option("--http", o.http,
                 "HTTP gateway listen address HOST:PORT (port 0: any free "
                 "port); overrides the topology");
  app.add_option("--process", o.process,
                 "run only this process of the topology (the name of one of "
                 "its [[processes]]); without it every process of the file "
                 "runs inside this one");
  app.add_option("--data", o.data_dir,
                 "data directory (default: the process's `data` in the "
                 "topology, else tether-data)");
  app
    .add_option("--ws-base-port", o.ws_base_port,
                "balancers listen on consecutive ports from this one "
                "(0: any free ports); overrides the topology")
    ->check(CLI::Range(0, 65535));
  app.add_option("--check-config", o.check_file,
                 "validate a topology file, list every problem, and exit");
  app.add_option("--ready-file", o.ready_file,
                 "write the real listen addresses as JSON here once serving");
  app
    .add_option("--log-level", o.log_level,
                "trace, debug, info, warn (or warning, as the logs name "
                "it), error")
    ->capture_default_str()
    ->check(
      CLI::IsMember({"trace", "debug", "info", "warn", "warning", "error"}));
  app
    .add_option("--log-format", o.log_format,
                "text (for people), or json: one object a line with time, "
                "level, role, process, message and terminal_id")
    ->capture_default_str()
    ->check(CLI::IsMember({"text", "json"}));
}

/// --check-config: lists every problem of the file; the exit status.
int check_config(const std::string& path) {
  auto parsed = tether::config::load_topology_file(path);
  if (!parsed.value) {
    std::cerr << parsed.errors.to_string();
    return 2;
  }
  for (const auto& w : parsed.warnings.list)
    std::cerr << "warning: " << w << "\n";
  // The client CAs and their CRLs: file checks, not TOML ones.
  std::vector<std::string> warnings;
  auto problems
    = tether::net::tls::check_trust_files(parsed.value->edge_tls, warnings);
  for (const auto& w : warnings)
    std::cerr << "warning: " << w << "\n";
  for (const auto& p : problems)
    std::cerr << path << ": " << p << "\n";
  if (!problems.empty())
    return 2;
  std::cout << path << ": ok\n";
  return 0;
}

tether::config::parse_result load(const std::string& path) {
  if (path.empty())
    return tether::config::parse_topology(
      tether::config::default_topology_toml(), "<embedded default>");
  return tether::config::load_topology_file(path);
}

/// The process of --process in `topo`, null without --process; false
/// after saying why when there is no such process.
bool find_process(topology& topo, const std::string& process,
                  process_config*& me) {
  if (process.empty())
    return true;
  for (auto& p : topo.processes)
    if (p.name == process)
      me = &p;
  if (me != nullptr && !topo.all_in_one)
    return true;
  std::cerr << "tetherd: --process " << process << ": "
            << (topo.all_in_one ? "the topology has no [[processes]]; run it "
                                  "without --process"
                                : "no such process in the topology; it has:");
  if (!topo.all_in_one)
    for (const auto& p : topo.processes)
      std::cerr << " " << p.name;
  std::cerr << "\n";
  return false;
}

/// Applies --http and --ws-base-port over the topology; false after saying
/// why when --http is wrong.
bool apply_overrides(const options& o, topology& topo, process_config* me) {
  if (!o.http.empty()) {
    auto ep = tether::config::parse_endpoint(o.http);
    if (!ep) {
      std::cerr << "tetherd: --http must be HOST:PORT, got \"" << o.http
                << "\"\n";
      return false;
    }
    if (me && !me->http) {
      std::cerr << "tetherd: --http: process " << o.process
                << " has no gateway role\n";
      return false;
    }
    topo.http = *ep;
    if (me)
      me->http = *ep;
  }
  if (o.ws_base_port >= 0) {
    int next = o.ws_base_port;
    for (auto& c : topo.clusters)
      for (auto& b : c.balancers) {
        b.listen.port = static_cast<uint16_t>(next);
        if (next != 0)
          ++next;
      }
  }
  return true;
}

/// Prints where the deployment serves and, with --ready-file, writes it
/// there as JSON.
void announce(const tether::net::deployment_endpoints& ep, const options& o) {
  std::string json = "{\"http\":\"" + ep.http + "\",\"balancers\":{";
  std::ostringstream line;
  line << "tetherd" << (o.process.empty() ? "" : " " + o.process)
       << " serving:";
  if (!ep.http.empty())
    line << (ep.https ? " https://" : " http://") << ep.http;
  for (size_t i = 0; i < ep.balancers.size(); ++i) {
    json += (i ? "," : "") + std::string{"\""} + ep.balancers[i].first + "\":\""
          + ep.balancers[i].second + "\"";
    line << " " << ep.balancers[i].first << "=" << ep.balancers[i].second;
  }
  if (ep.http.empty() && ep.balancers.empty())
    line << " no HTTP or device listener (its roles are reached by the "
            "other processes on its caf_port)";
  json += "}}";
  // With --log-format json every line of output is a JSON object.
  if (o.log_format == "json")
    tether::logger("tetherd")->info("{}", line.str());
  else
    std::cout << line.str() << std::endl;
  if (!o.ready_file.empty()) {
    // Write then rename, so a reader never sees a partial file.
    std::ofstream out{o.ready_file + ".tmp"};
    out << json << "\n";
    out.close();
    std::rename((o.ready_file + ".tmp").c_str(), o.ready_file.c_str());
  }
}

/// Runs the deployment of `topo` until SIGINT or SIGTERM; the exit status.
int serve(topology topo, const options& o, std::string data_dir) {
  // Signals are taken synchronously below; block them before any thread
  // starts so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Connect tokens are signed and verified with libsodium: without it no
  // device could connect, so the process does not start (once, here).
  if (!tether::auth::ed25519::ready()) {
    std::cerr << "tetherd: libsodium could not be initialised (sodium_init "
                 "failed): connect tokens can be neither signed nor "
                 "verified\n";
    return 1;
  }
  caf::actor_system_config cfg;
  tether::net::configure_actor_system(cfg, topo, o.process);
  caf::actor_system sys{cfg};
  std::string error;
  tether::net::deployment_options opts;
  opts.topo = std::move(topo);
  opts.data_dir = std::move(data_dir);
  opts.process = o.process;
  auto d = tether::net::deployment::start(sys, std::move(opts), error);
  if (!d) {
    std::cerr << "tetherd: " << error << "\n";
    return 1;
  }
  announce(d->endpoints(), o);
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("tetherd: signal {}, shutting down", sig);
  d->stop();
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"tetherd — keeps device fleets permanently connected.\n"
               "Without options it runs the all-in-one deployment of the "
               "embedded default topology."};
  options o;
  add_options(app, o);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2, as the
    // errors found after parsing do.
    return app.exit(e) == 0 ? 0 : 2;
  }
  spdlog::set_level(spdlog::level::from_str(o.log_level));
  if (o.log_format == "json")
    tether::use_json_logs(o.process.empty() ? "tetherd" : o.process);
  if (!o.check_file.empty())
    return check_config(o.check_file);
  auto parsed = load(o.config_file);
  if (!parsed.value) {
    std::cerr << "tetherd: invalid topology:\n" << parsed.errors.to_string();
    return 2;
  }
  for (const auto& w : parsed.warnings.list)
    spdlog::warn("topology: {}", w);
  auto topo = std::move(*parsed.value);
  process_config* me = nullptr;
  if (!find_process(topo, o.process, me) || !apply_overrides(o, topo, me))
    return 2;
  auto data_dir = o.data_dir;
  if (data_dir.empty())
    data_dir = me && !me->data.empty() ? me->data : "tether-data";
  return serve(std::move(topo), o, std::move(data_dir));
}
