// ws_server: the socket side of a cluster balancer (Boost.Beast WebSocket).
//
// Each connection: read the upgrade request (path /v1/connect, query
// terminal_id; the connect token, checked here: 401 before anything else
// happens), ask the balancer actor to admit it, then either refuse it
// with the balancer's HTTP status (404, 409, 503) before the upgrade, or
// accept the upgrade and relay text frames to the balancer. The connection
// is the balancer's ws_link: its frames to the device are queued (bounded,
// one write in flight) on the connection's strand. Binary frames close with
// 1003, oversized frames with 1009, a peer that does not read is closed.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "actors/system/interfaces.hpp"
#include "actors/system/live_count.hpp"
#include "auth/connect_token.hpp"
#include "config/topology.hpp"
#include "net/asio_fwd.hpp"

namespace tether::net {

class flap_ban;

struct ws_settings {
  size_t max_frame = 64 * 1024;
  size_t max_queue = 256;
  size_t header_limit = 8 * 1024;
  std::chrono::seconds handshake_timeout{10};
  std::string path = "/v1/connect";
  // Abuse limits (config::limits_config), all before any control lookup:
  size_t max_pending = 1024;        // over it a new socket is closed at once
  size_t max_connections = 100'000; // over it: 503
  double accept_rate = 20;          // per source address (503 over it)
  size_t accept_burst = 200;
  double total_accept_rate = 5000; // all sources together (503 over it)
  size_t total_accept_burst = 10'000;
  uint32_t flap_limit = 15; // connects of one id a minute, then 429
  std::chrono::milliseconds flap_ban{300'000};
  std::chrono::milliseconds retry_after{2'000}; // base of a 503's Retry-After
  /// Checks the connect token before the upgrade (Authorization: Bearer or
  /// ?token=), for the terminal and `cluster_id`; null: no token needed.
  std::shared_ptr<auth::token_verifier> tokens;
  std::string cluster_id;
  // Set: WSS ([edge_tls]); the TLS handshake counts as pending (max_pending)
  // and shares the handshake timeout with the upgrade. Null: plain ws://.
  std::shared_ptr<boost::asio::ssl::context> tls;
  /// Free heap back to the system after a connect burst (net/burst_trim):
  /// at least this many sockets since the last trim (0: never), none for
  /// `trim_quiet`.
  size_t trim_after_connects = 1000;
  std::chrono::milliseconds trim_quiet{2'000};
  /// A connection quiet this long (up to twice) frees Beast's WebSocket
  /// stream, about 2.5 KiB, until its next frame (net/resting_websocket).
  std::chrono::milliseconds stream_rest{1'000};
};

class ws_server {
public:
  virtual ~ws_server() = default;

  /// Binds `at` (not yet accepting: the balancer needs the URL first).
  static std::shared_ptr<ws_server> bind(boost::asio::io_context& io,
                                         const config::endpoint& at,
                                         ws_settings settings,
                                         std::string& error);

  virtual uint16_t port() const = 0;
  /// Connection objects of this listener that exist (from construction to
  /// destruction): what its sockets really hold in memory.
  virtual live_count connections() const = 0;
  /// Beast WebSocket streams its connections hold: those busy in the last
  /// stream_rest or two (a quiet connection holds none).
  virtual live_count streams() const = 0;
  /// How often the heap was trimmed after a connect burst (burst_trim).
  virtual size_t trims() const = 0;
  /// The listener's flapping ban: its balancer takes back the connects it
  /// refused itself (no live node, starting), so they do not ban a device.
  virtual std::shared_ptr<flap_ban> flaps() const = 0;
  /// Starts accepting; connections are handed to `balancer`.
  virtual void start(cluster_balancer_actor balancer) = 0;
  virtual void stop() = 0;
};

} // namespace tether::net
