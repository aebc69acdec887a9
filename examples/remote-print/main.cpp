// tether-print-service: a remote-print service on Tether's public HTTP API (see
// print_service.hpp for the flow and README.md for a walk-through).
//
// main only wires: command line (CLI11) -> service_options -> validate ->
// document store -> io_context with the Tether client, the service and the HTTP
// server -> run until SIGINT or SIGTERM. Exit codes: 0 after a signal; 1 the
// data directory or the listen address cannot be used; 2 bad command line.
#include "remote-print/document_store.hpp"
#include "remote-print/http_server.hpp"
#include "remote-print/log.hpp"
#include "remote-print/options.hpp"
#include "remote-print/print_service.hpp"
#include "remote-print/tether_client.hpp"
#include "remote-print/url.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>

using namespace tether::print;

namespace {

// Writes `text` to `path` through a temporary file, so a reader never sees half
// of it.
bool write_ready_file(const std::string& path, const std::string& text) {
  auto tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << text << '\n';
    if (!out)
      return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

} // namespace

int main(int argc, char** argv) {
  service_options o;
  CLI::App app{
    "tether-print-service: remote printing through Tether (Tether API v1, service side: docs/API.md).\n"
    "Users POST documents; the service stores them, pushes a print job with a print URL to\n"
    "the terminal through Tether, serves the print data to the device, and tracks the job\n"
    "(Tether's callbacks, and polling). Logs go to stderr; the address to stdout."};
  app.option_defaults()->always_capture_default();
  app.get_formatter()->column_width(34);
  app.add_option("--listen", o.listen,
                 "HOST:PORT to serve on (HOST an IP; port 0: any free)");
  app.add_option("--tether", o.tether, "Tether's HTTP base URL");
  app.add_option(
    "--public-url", o.public_url,
    "base URL devices and Tether use to reach this service (default: "
    "http://<listen host>:<bound port>)");
  app.add_option("--data", o.data_dir,
                 "directory for documents and their records");
  app.add_option("--ready-file", o.ready_file,
                 "write the real address as JSON here once serving");
  app.add_option("--max-document-bytes", o.max_document_bytes,
                 "largest accepted document");
  app.add_option("--job-ttl-s", o.job_ttl_s,
                 "Tether expires a job not done within this");
  app.add_option("--tether-timeout-ms", o.tether_timeout_ms,
                 "timeout of one call to Tether");
  app.add_option(
    "--poll-interval-s", o.poll_interval_s,
    "refresh unfinished jobs from Tether this often (0: only when asked)");
  app.add_option("--api-key", o.api_key,
                 "Tether API key (scopes jobs:write, jobs:read, "
                 "terminals:write)");
  app.add_option("--api-key-file", o.api_key_file,
                 "file holding the Tether API key, e.g. "
                 "tether-data/secrets/admin-key");
  app.add_flag("--no-callback", o.no_callback,
               "do not ask Tether for job callbacks (rely on polling)");
  app.add_option("--log-level", o.log_level, "trace, debug, info, warn, error")
    ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  listen_address listen;
  auto errors = validate(o, listen);
  if (!errors.empty()) {
    for (const auto& e : errors)
      std::cerr << "tether-print-service: " << e << '\n';
    return 2;
  }

  auto log = spdlog::stderr_color_mt("print");
  log->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %n: %v");
  log->set_level(spdlog::level::from_str(o.log_level));
  spdlog::set_default_logger(log);

  std::string error;
  auto store = document_store::open(o.data_dir, error);
  if (!store) {
    std::cerr << "tether-print-service: --data: " << error << '\n';
    return 1;
  }

  // One io_context on one thread: the service's state needs no locks (see
  // print_service.hpp).
  boost::asio::io_context io{1};
  auto api_key = o.api_key;
  if (!o.api_key_file.empty()) {
    std::ifstream in{o.api_key_file};
    if (!in || !std::getline(in, api_key) || api_key.empty()) {
      std::cerr << "tether-print-service: --api-key-file: cannot read a key "
                   "from "
                << o.api_key_file << '\n';
      return 1;
    }
  }
  tether_client tether(io.get_executor(), o.tether,
                       std::chrono::milliseconds(o.tether_timeout_ms),
                       std::move(api_key));
  print_service_settings settings;
  settings.max_document_bytes = o.max_document_bytes;
  settings.job_ttl_s = o.job_ttl_s;
  settings.callbacks = !o.no_callback;
  settings.poll_interval = std::chrono::seconds(o.poll_interval_s);
  print_service service(io.get_executor(), *store, tether, settings);

  http_server_settings server_settings;
  server_settings.max_body = service.largest_body_limit();
  auto server = http_server::start(io, listen.host, listen.port, service,
                                   server_settings, error);
  if (!server) {
    std::cerr << "tether-print-service: --listen: " << error << '\n';
    return 1;
  }
  auto host = listen.host.find(':') == std::string::npos
              ? listen.host
              : "[" + listen.host + "]";
  auto address = host + ":" + std::to_string(server->port());
  auto public_url = o.public_url.empty()
                    ? default_public_url(listen, server->port())
                    : trim_base_url(o.public_url);
  service.start(public_url);

  std::cout << "tether-print-service serving: http://" << address
            << " public_url=" << public_url << " tether=" << o.tether
            << std::endl;
  log->info("serving on {} (devices fetch from {}), Tether at {}, data in {}",
            address, public_url, o.tether, o.data_dir);
  if (!o.ready_file.empty()) {
    auto ready = boost::json::serialize(boost::json::object{
      {"http", address}, {"public_url", public_url}, {"tether", o.tether}});
    if (!write_ready_file(o.ready_file, ready))
      log->warn("cannot write the ready file {}", o.ready_file);
  }

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec)
      return;
    log->info("signal {}, stopping", sig);
    server->stop();
    service.stop();
    io.stop(); // requests in flight are dropped; every accepted change is
               // already on disk
  });

  // Handlers are written not to throw; should one do so anyway, log it and keep
  // serving.
  for (;;) {
    try {
      io.run();
      break;
    } catch (const std::exception& e) {
      log->error("unexpected exception in a handler: {}", e.what());
    }
  }
  return 0;
}
