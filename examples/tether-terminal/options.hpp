// tether-terminal: the simulator's settings, their defaults, and their
// validation.
//
// main.cpp fills a terminal_options from the command line (CLI11); validate()
// then checks everything at once and returns every problem, so a bad invocation
// is reported in one go. Nothing here touches sockets or Beast: it is cheap to
// include and easy to test.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tether::terminal {

struct terminal_options {
  // --- who the devices are
  std::string server
    = "http://127.0.0.1:8080";         // register / destination base URL
  std::string id;                      // --id: one device with this id
  std::size_t count = 1;               // --count: fleet size
  std::string id_prefix = "T";         // --id-prefix: fleet ids are P0..P{N-1}
  std::string model, firmware, region; // sent on register when non-empty
  std::map<std::string, std::string> attributes; // --attr key=value
  std::vector<std::string> services; // --services print,scan (sent if set)
  // Device identity (docs/API.md): the enrollment group and its key file
  // (--enrollment-key-file; default with --data DIR:
  // DIR/secrets/enrollment/default). No key: requests are not signed.
  std::string group = "default";
  std::string enrollment_key_file;
  std::string data_dir;
  std::string group_key; // raw 32 bytes, read by main from the key file
  // --ca: extra trusted CA certificates (PEM) for https:// and wss://
  // servers, next to the system's.
  std::string ca_file;
  // --client-cert / --client-key: a device certificate (PEM) and its key,
  // sent to https:// servers that ask for one; given, register and
  // destination carry no Tether-Device header (the certificate names the
  // device: docs/SECURITY.md "Device certificates").
  std::string client_cert_file;
  std::string client_key_file;

  // --- how they connect
  std::vector<std::string>
    source_addrs;           // raw --source-addrs items (lists and ranges)
  double ramp_per_s = 1000; // device starts per second; 0 = all at once
  // at most this many devices started and not yet connected (0: no cap;
  // start_gate.hpp)
  std::size_t max_connecting = 0;
  unsigned threads = 1; // io_context threads
  std::chrono::milliseconds backoff_min{500};
  std::chrono::milliseconds backoff_max{30000};
  // After a refused connect (nothing listens: that balancer is down) the next
  // URL within a uniformly random [0, this] (failover.hpp).
  std::chrono::milliseconds failover_hop{100};
  std::chrono::seconds backoff_reset{
    10}; // a session up this long resets the backoff
  std::chrono::milliseconds connect_timeout{
    10000}; // TCP connect + WebSocket handshake
  std::chrono::milliseconds http_timeout{10000}; // whole HTTP exchange
  std::size_t read_message_max = 64 * 1024; // largest accepted server frame
  std::size_t send_queue_max = 64;          // frames queued per socket
  std::size_t dedupe_window = 1024;         // remembered job ids per device

  // --- behaviour switches for tests
  bool no_pong = false; // ignore application pings
  std::uint64_t exit_after_jobs
    = 0; // exit 0 once this many distinct jobs are done

  // --- run control and reporting
  std::chrono::seconds duration{0};        // 0 = until SIGINT/SIGTERM
  std::chrono::seconds stats_interval{10}; // 0 = only the final line
  std::string stats_json;                  // write final counters here when set
  std::string log_level = "info";
};

// Device ids follow the contract: 1-128 characters of [A-Za-z0-9._:-].
bool valid_terminal_id(std::string_view id);

// Expands --source-addrs items: each item is a comma-separated list whose
// elements are single addresses (v4 or v6) or inclusive IPv4 ranges
// "a.b.c.d-e.f.g.h". Problems are appended to `errors`; the result keeps the
// order given (that is the round-robin order).
std::vector<boost::asio::ip::address>
expand_source_addresses(const std::vector<std::string>& items,
                        std::vector<std::string>& errors);

// Checks every setting; returns one message per problem (empty = valid). Source
// addresses are also test-bound once, so a missing local address fails here and
// not 20,000 times later.
std::vector<std::string>
validate(const terminal_options& options,
         std::vector<boost::asio::ip::address>& source_addresses);

// The device ids the options describe: {id} or prefix0..prefix{count-1}.
std::vector<std::string> device_ids(const terminal_options& options);

} // namespace tether::terminal
