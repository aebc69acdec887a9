// tcp_listener: the accept loop shared by the HTTP gateway's and the
// balancers' listeners (net/http_server.cpp, net/ws_server.cpp). It binds
// with a clear error, accepts each socket on a strand of its own and hands
// it to the listener's handler; after a failed accept (typically EMFILE:
// out of file descriptors) it keeps serving and tries again shortly instead
// of spinning on the error. What a socket becomes (HTTP, WebSocket, TLS or
// not) is the handler's business.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "config/topology.hpp"

namespace tether::net {

/// An accepted socket on its own strand. Its executor type is the strand
/// itself (24 bytes), not an any_io_executor (56): the balancer keeps it so
/// (net/tls/edge_stream.hpp, socket_edge_stream); the gateway converts it.
using strand_socket = boost::asio::basic_stream_socket<
  boost::asio::ip::tcp,
  boost::asio::strand<boost::asio::io_context::executor_type>>;

class tcp_listener : public std::enable_shared_from_this<tcp_listener> {
public:
  /// Called on the accepted socket's own strand executor.
  using handler = std::function<void(strand_socket)>;

  /// `what` names the listener in errors ("HTTP", "WebSocket"); failed
  /// accepts are logged to the logger of `log_module`.
  tcp_listener(boost::asio::io_context& io, std::string what,
               std::string log_module);

  /// Opens, binds and listens; on failure says what could not listen where.
  bool open(const config::endpoint& at, std::string& error);

  /// Starts accepting; every socket goes to `on_socket`.
  void start(handler on_socket);

  /// The bound port (the real one when 0 was asked for).
  uint16_t port() const { return port_; }

  /// Stops accepting (connections already handed over are not touched).
  void stop();

private:
  void accept();
  void on_accept(boost::system::error_code ec, strand_socket socket);

  boost::asio::io_context& io_;
  std::string what_;
  std::string log_module_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;
  handler on_socket_;
  uint16_t port_ = 0;
};

} // namespace tether::net
