// Shared by the HTTP and WebSocket listeners: binding an acceptor with a
// clear error, and accepting again after a failed accept without spinning.
#pragma once

#include <chrono>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/topology.hpp"

namespace tether::net {

/// Opens, binds and listens; on failure says what could not listen where.
inline bool open_acceptor(boost::asio::ip::tcp::acceptor& acceptor,
                          const config::endpoint& at, const char* what,
                          std::string& error) {
  namespace asio = boost::asio;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(at.host, ec);
  if (ec) {
    error = std::string{"invalid "} + what + " listen address " + at.host;
    return false;
  }
  asio::ip::tcp::endpoint ep{address, at.port};
  acceptor.open(ep.protocol(), ec);
  if (!ec)
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec)
    acceptor.bind(ep, ec);
  if (!ec)
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error = std::string{"cannot listen for "} + what + " on " + at.to_string()
          + ": " + ec.message();
    return false;
  }
  return true;
}

/// After a failed accept (typically EMFILE: out of file descriptors), keep
/// serving the connections we have and try again shortly instead of
/// spinning on the error.
template <class Retry>
void accept_later(boost::asio::steady_timer& timer, Retry retry) {
  timer.expires_after(std::chrono::milliseconds{100});
  timer.async_wait([retry = std::move(retry)](boost::system::error_code ec) {
    if (!ec)
      retry();
  });
}

} // namespace tether::net
