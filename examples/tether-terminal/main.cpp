// tether-terminal: simulate one device or a fleet of devices against a Tether
// server.
//
// main only wires: command line (CLI11) -> terminal_options -> validate ->
// fleet::run. Exit codes: 0 success; 1 --exit-after-jobs not reached (or
// --stats-json not written); 2 bad command line or settings.
#include "tether-terminal/device_proof.hpp"
#include "tether-terminal/fleet.hpp"
#include "tether-terminal/options.hpp"
#include "tether-terminal/tls_context.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <cstdint>
#include <filesystem>
#include <iostream>

using namespace tether::terminal;

namespace {

// Devices each hold a socket: lift the soft descriptor limit to the hard one.
rlim_t raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
    return 0;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
  }
  return rl.rlim_cur;
}

} // namespace

int main(int argc, char** argv) {
  terminal_options o;
  // Durations are read as plain integers and converted after parsing.
  std::int64_t backoff_min_ms = o.backoff_min.count(),
               backoff_max_ms = o.backoff_max.count();
  std::int64_t backoff_reset_s = o.backoff_reset.count();
  std::int64_t failover_hop_ms = o.failover_hop.count();
  std::int64_t connect_timeout_ms = o.connect_timeout.count();
  std::int64_t http_timeout_ms = o.http_timeout.count();
  std::int64_t duration_s = o.duration.count(),
               stats_interval_s = o.stats_interval.count();
  std::vector<std::string> attrs;

  CLI::App app{
    "tether-terminal: simulates Tether devices (Tether API v1, device side: docs/API.md).\n"
    "Each device registers (POST /v1/terminals/register), keeps a WebSocket to its cluster,\n"
    "answers pings, acks and executes jobs (GET payload.print_url), follows reassign, and\n"
    "reconnects with jittered exponential backoff. Many devices share one process and one\n"
    "io_context. Counters go to stdout; logs to stderr."};
  app.option_defaults()->always_capture_default();
  app.get_formatter()->column_width(36);

  // One line an option: its group, name, variable and help, in help order.
  auto in = [&app](const char* group) {
    return [&app, group](const char* name, auto& variable, const char* help) {
      return app.add_option(name, variable, help)->group(group);
    };
  };
  auto device_option = in("Devices");
  device_option("--server", o.server,
                "Tether HTTP base URL (register, destination)");
  auto* id_opt
    = device_option("--id", o.id, "run exactly one device with this id");
  device_option("--count", o.count,
                "number of devices, named <id-prefix>0..<count-1>")
    ->excludes(id_opt);
  device_option("--id-prefix", o.id_prefix, "prefix of generated device ids")
    ->excludes(id_opt);
  for (auto [name, field] :
       {std::pair{"model", &o.model}, std::pair{"firmware", &o.firmware},
        std::pair{"region", &o.region}})
    device_option(
      ("--" + std::string{name}).c_str(), *field,
      (std::string{name} + " sent on register (omitted when empty)").c_str());
  device_option("--attr", attrs, "register attribute key=value (repeatable)");
  device_option("--services", o.services,
                "services declared on register, e.g. print,scan (omitted "
                "when not given: the server's default list)")
    ->delimiter(',');

  auto connection_option = in("Connections");
  connection_option("--source-addrs", o.source_addrs,
                    "local addresses bound round-robin per device, e.g. "
                    "127.0.0.2,127.0.0.3 or 127.0.0.2-127.0.0.40 (repeatable)");
  connection_option("--ramp-per-s", o.ramp_per_s,
                    "devices started per second (0 = all at once)");
  connection_option("--max-connecting", o.max_connecting,
                    "at most this many devices started and not yet "
                    "connected; a new one starts as one connects (0 = no cap)");
  connection_option("--threads", o.threads, "io_context threads");
  connection_option("--backoff-min-ms", backoff_min_ms,
                    "backoff base: first retry within this");
  connection_option("--backoff-max-ms", backoff_max_ms, "backoff cap");
  connection_option("--failover-hop-ms", failover_hop_ms,
                    "after a refused connect (balancer down), the next URL "
                    "within a random delay up to this");
  connection_option("--backoff-reset-s", backoff_reset_s,
                    "a session up this long resets the backoff");
  connection_option("--connect-timeout-ms", connect_timeout_ms,
                    "TCP connect and WebSocket upgrade timeout, each");
  connection_option(
    "--http-timeout-ms", http_timeout_ms,
    "timeout of one HTTP exchange (register, destination, print fetch)");
  connection_option("--read-max-bytes", o.read_message_max,
                    "largest accepted server frame");
  connection_option("--send-queue-max", o.send_queue_max,
                    "frames queued per socket before it is dropped");
  connection_option("--dedupe-window", o.dedupe_window,
                    "job ids remembered per device");

  app
    .add_flag("--no-pong", o.no_pong,
              "do not answer pings (tests keepalive disconnects)")
    ->group("Testing");
  in("Testing")("--exit-after-jobs", o.exit_after_jobs,
                "exit 0 once this many distinct jobs are done (0 = off; exit 1 "
                "if the run ends before)");

  auto run_option = in("Run");
  auto identity_option = in("Identity");
  run_option("--duration-s", duration_s, "run time (0 = until SIGINT/SIGTERM)");
  run_option("--stats-interval-s", stats_interval_s,
             "print a counters line every N s (0 = only at exit)");
  run_option("--stats-json", o.stats_json,
             "write the final counters as JSON to this file");
  identity_option(
    "--enrollment-key-file", o.enrollment_key_file,
    "the enrollment group's key (64 hex characters): devices sign "
    "register and destination with HMAC-SHA256(key, id)");
  identity_option("--group", o.group, "the enrollment group's id");
  identity_option("--data", o.data_dir,
                  "a tetherd data directory: the key defaults to "
                  "DIR/secrets/enrollment/default");
  identity_option("--ca", o.ca_file,
                  "trust the CA certificates of this PEM file (next to the "
                  "system's) for https:// and wss:// servers");
  identity_option(
    "--client-cert", o.client_cert_file,
    "a device certificate (PEM) for https:// servers that ask for "
    "one: its CN or subjectAltName is the terminal id, and "
    "register and destination then carry no Tether-Device header");
  identity_option("--client-key", o.client_key_file,
                  "the private key (PEM) of --client-cert");
  run_option("--log-level", o.log_level,
             "trace, debug, info, warn, error, critical, off");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  o.backoff_min = std::chrono::milliseconds(backoff_min_ms);
  o.backoff_max = std::chrono::milliseconds(backoff_max_ms);
  o.backoff_reset = std::chrono::seconds(backoff_reset_s);
  o.failover_hop = std::chrono::milliseconds(failover_hop_ms);
  o.connect_timeout = std::chrono::milliseconds(connect_timeout_ms);
  o.http_timeout = std::chrono::milliseconds(http_timeout_ms);
  o.duration = std::chrono::seconds(duration_s);
  o.stats_interval = std::chrono::seconds(stats_interval_s);

  std::vector<std::string> errors;
  for (const auto& a : attrs) {
    auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0)
      errors.push_back("--attr: '" + a + "': expected key=value");
    else
      o.attributes[a.substr(0, eq)] = a.substr(eq + 1);
  }
  // Default: the key of tetherd's default data directory, when it is here.
  if (o.data_dir.empty() && o.enrollment_key_file.empty()
      && std::filesystem::exists("tether-data/secrets/enrollment/default"))
    o.data_dir = "tether-data";
  if (o.enrollment_key_file.empty() && !o.data_dir.empty())
    o.enrollment_key_file = o.data_dir + "/secrets/enrollment/default";
  if (!o.enrollment_key_file.empty()) {
    std::string error;
    if (auto key = read_group_key(o.enrollment_key_file, error))
      o.group_key = std::move(*key);
    else
      errors.push_back(error);
  }
  if (std::string error; !configure_client_tls(
        o.ca_file, error, o.client_cert_file, o.client_key_file))
    errors.push_back(error);
  std::vector<boost::asio::ip::address> sources;
  auto more = validate(o, sources);
  errors.insert(errors.end(), more.begin(), more.end());
  if (!errors.empty()) {
    for (const auto& e : errors)
      std::cerr << "tether-terminal: " << e << '\n';
    return 2;
  }

  auto log = spdlog::stderr_color_mt("terminal");
  log->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %n: %v");
  log->set_level(spdlog::level::from_str(o.log_level));

  auto fds = raise_fd_limit();
  std::size_t devices = o.id.empty() ? o.count : 1;
  if (fds != 0 && devices + 64 > fds)
    log->warn(
      "{} devices but only {} file descriptors: some connections will fail; run "
      "several processes",
      devices, static_cast<std::uint64_t>(fds));

  fleet f(std::move(o), std::move(sources), log);
  return f.run();
}
