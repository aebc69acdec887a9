// http_server: the socket side of the HTTP gateway (Boost.Beast).
//
// Accepts connections, reads one request at a time with limits on header
// and body size and on idle time, and hands each request to the
// http_gateway actor together with a responder; the actor's answer is posted
// back to the connection's strand and written. Malformed HTTP gets a 400 (or
// 413 for an oversized body) in the contract's error format and the
// connection is closed; the server keeps serving.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "actors/system/interfaces.hpp"
#include "config/topology.hpp"
#include "net/asio_fwd.hpp"

namespace tether::net {

struct http_settings {
  size_t body_limit = 1 << 20;
  size_t header_limit = 16 * 1024;
  std::chrono::seconds idle_timeout{30};
  // Abuse limits (config::limits_config), answered before any routing:
  // a request head not complete by then closes the connection (also an
  // idle keep-alive connection: the wait for the next head counts).
  std::chrono::milliseconds header_timeout{10'000};
  size_t max_connections = 10'000; // over it a new socket is closed at once
  double register_rate = 20;       // registrations per source address: 429
  size_t register_burst = 200;
  // Set: HTTPS ([edge_tls]); the TLS handshake and the first request head
  // share the header timeout. Null: plain HTTP.
  std::shared_ptr<boost::asio::ssl::context> tls;
};

class http_server {
public:
  virtual ~http_server() = default;

  /// Binds `at` and starts accepting. On failure returns nullptr and says
  /// why in `error`.
  static std::shared_ptr<http_server>
  start(boost::asio::io_context& io, const config::endpoint& at,
        http_gateway_actor gateway, http_settings settings, std::string& error);

  /// The bound port (the real one when 0 was asked for).
  virtual uint16_t port() const = 0;
  virtual void stop() = 0;
};

} // namespace tether::net
