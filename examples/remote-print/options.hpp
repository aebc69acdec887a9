// tether-print-service: settings, their defaults, and their validation.
//
// main.cpp fills service_options from the command line (CLI11); validate()
// checks everything at once and returns every problem, so a bad invocation is
// reported in one go. No sockets or Beast here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tether::print {

struct service_options {
  std::string listen
    = "127.0.0.1:8090"; // HOST:PORT, HOST an IP literal; port 0 = any
  std::string tether = "http://127.0.0.1:8080"; // Tether's HTTP gateway
  std::string
    public_url; // base URL devices (print data) and Tether (callbacks) use to
                // reach this service; empty = http://<listen host>:<bound port>
  std::string data_dir = "print-data";
  std::string ready_file; // written (JSON) once serving, when set
  std::uint64_t max_document_bytes = 1 << 20;
  std::int64_t job_ttl_s = 3600; // Tether expires an undelivered job after this
  std::int64_t tether_timeout_ms
    = 5000; // one call to Tether, connect to last byte
  std::int64_t poll_interval_s
    = 10;                   // refresh unfinished jobs from Tether; 0 = never
  bool no_callback = false; // do not ask Tether for job callbacks
  std::string api_key;      // Tether API key (jobs:write, jobs:read,
                            // terminals:write)
  std::string api_key_file; // or the file that holds it (one line)
  std::string log_level = "info";
};

struct listen_address {
  std::string host; // IP literal, without brackets
  std::uint16_t port = 0;
};

// "127.0.0.1:8090", "[::1]:0", "0.0.0.0:8090".
std::optional<listen_address> parse_listen(std::string_view text,
                                           std::string& error);

// Every problem with `o`, one message each (empty = valid). Fills `listen` when
// valid.
std::vector<std::string> validate(const service_options& o,
                                  listen_address& listen);

// The base URL for a service bound to host:port. A wildcard host (0.0.0.0, ::)
// is replaced by the loopback address: right on one machine, wrong across
// machines (set --public-url then).
std::string default_public_url(const listen_address& listen,
                               std::uint16_t bound_port);

} // namespace tether::print
