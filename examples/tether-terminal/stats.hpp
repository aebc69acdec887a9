// tether-terminal: fleet-wide counters.
//
// One fleet_stats is shared by every device of the process. Devices run on
// several threads when --threads > 1, so the counters are relaxed atomics: each
// is exact on its own, a snapshot across counters is not a consistent cut (good
// enough for a progress line).
#pragma once

#include "tether-terminal/failover.hpp"
#include "tether-terminal/latency_histogram.hpp"

#include <atomic>
#include <cstdint>
#include <string>

namespace tether::terminal {

struct stats_snapshot {
  std::uint64_t devices = 0; // devices started so far
  std::uint64_t registered
    = 0; // devices that registered successfully at least once
  std::uint64_t registrations
    = 0; // successful register / destination answers, all
  std::uint64_t register_failures = 0; // failed register / destination calls
  std::int64_t connected = 0; // WebSocket sessions open right now (gauge)
  std::uint64_t connect_failures
    = 0; // connection attempts that did not open a session
  std::uint64_t reconnects
    = 0; // sessions opened by a device that had one before
  std::uint64_t disconnects = 0; // open sessions that ended
  std::uint64_t pings = 0;       // application pings answered with a pong
  std::uint64_t jobs = 0;        // distinct jobs received
  std::uint64_t duplicates = 0;  // job frames dropped as already seen
  std::uint64_t done = 0;        // jobs reported done
  std::uint64_t failed = 0;      // jobs reported failed
  std::uint64_t reassigns = 0;   // reassign frames acted upon
  std::uint64_t bad_frames
    = 0; // server frames that were not valid JSON objects
  // Push latency: for distinct jobs whose payload has a numeric sent_at_ms
  // (Unix ms, may be fractional), the system_clock time of the frame's arrival
  // minus sent_at_ms. Only meaningful when the pusher runs on the same machine
  // (same clock).
  latency_summary latency; // count, p50/p90/p99/max in ms
  std::uint64_t latency_negative
    = 0; // samples with arrival before sent_at_ms (recorded as 0)
  // Every `hello` received (a session started, also again on another node
  // while the WebSocket stays open: re-homing), and the Unix ms of the
  // latest one (0: none yet): examples/bench/rehome.sh times a re-homing
  // burst by it.
  std::uint64_t hellos = 0;
  std::int64_t last_hello_ms = 0;
  // connect_failures by cause (failover.hpp): nothing listened (a balancer
  // down), 503/429 before the upgrade, closed before any answer (a balancer
  // over its pending-handshake cap), timed out, 409/404, anything else.
  std::uint64_t connect_refused = 0, connect_busy = 0, connect_closed = 0,
                connect_timeouts = 0, connect_not_here = 0, connect_other = 0;
  // Where a connect's time goes (fleet_stats' phase histograms).
  latency_summary start_lag, register_rtt, upgrade_rtt, hello_wait, first_hello,
    lost_to_hello;
};

class fleet_stats {
public:
  // One field per snapshot field; fetch_add with relaxed order everywhere.
  std::atomic<std::uint64_t> devices{0}, registered{0}, registrations{0},
    register_failures{0};
  std::atomic<std::int64_t> connected{0};
  std::atomic<std::uint64_t> connect_failures{0}, reconnects{0}, disconnects{0};
  std::atomic<std::uint64_t> pings{0}, jobs{0}, duplicates{0}, done{0},
    failed{0};
  std::atomic<std::uint64_t> reassigns{0}, bad_frames{0};
  latency_histogram push_latency; // microseconds, see stats_snapshot::latency
  std::atomic<std::uint64_t> latency_negative{0};
  std::atomic<std::uint64_t> hellos{0};
  std::atomic<std::int64_t> last_hello_ms{0};
  std::atomic<std::uint64_t> connect_refused{0}, connect_busy{0},
    connect_closed{0}, connect_timeouts{0}, connect_not_here{0},
    connect_other{0};
  // Where a connect's time goes, in microseconds:
  // - start_lag: from a device's start() to its first step running on the
  //   io_context (the simulator's own queueing);
  // - register_rtt: a successful register's round trip (TCP connect, request,
  //   answer; refusals are not sampled);
  // - upgrade_rtt: a WebSocket's TCP connect, TLS and upgrade, to the open
  //   session (failed attempts are not sampled);
  // - hello_wait: from the open session to its hello;
  // - first_hello: a device's whole first sequence, start() to its first
  //   hello, retries included;
  // - lost_to_hello: from a session lost to the next hello, every attempt
  //   and wait between included (loss_clock.hpp; a reconnect storm's figure).
  latency_histogram start_lag, register_rtt, upgrade_rtt, hello_wait,
    first_hello, lost_to_hello;

  /// Counts a failed connect attempt under its cause (and in
  /// connect_failures).
  void connect_failed(connect_failure why);

  /// Counts a hello received at Unix ms `now_ms`.
  void hello_at(std::int64_t now_ms);

  stats_snapshot snapshot() const;
};

inline void bump(std::atomic<std::uint64_t>& counter) {
  counter.fetch_add(1, std::memory_order_relaxed);
}

// "registered=.. connected=.. ..." on one line, stable field order (scripts
// parse it); latency_* fields are milliseconds with three decimals.
std::string to_line(const stats_snapshot& s);
// {"registered":..,...}: the same fields as a JSON object.
std::string to_json(const stats_snapshot& s);

} // namespace tether::terminal
