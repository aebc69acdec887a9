// listener: the one listener template of the HTTP gateway's and the
// balancers' servers (net/http_server.cpp, net/ws_server.cpp). It owns the
// accept loop (tcp_listener, net/acceptor.hpp), sets no_delay on every
// socket (a TLS handshake writes several small records in a row: without it
// each waits for the peer's delayed ACK), refuses a new socket at once while
// the server is full (closes it, or what Derived's refuse_full says), counts
// the live connections and implements the interface's port() and stop().
// `Derived` says when it is full
// (`bool full() const`) and what an admitted socket becomes
// (`void on_socket(strand_socket)`); it may be a friend-only part of Derived.
// Header only, and free of Beast: each server's TUs include what they use.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "actors/system/live_count.hpp"
#include "net/acceptor.hpp"

namespace tether::net {

template <class Derived, class Interface>
class listener : public Interface,
                 public std::enable_shared_from_this<Derived> {
public:
  /// `what` and `log_module` as tcp_listener's.
  listener(boost::asio::io_context& io, std::string what,
           std::string log_module)
      : tcp_(std::make_shared<tcp_listener>(io, std::move(what),
                                            std::move(log_module))) {}

  /// Binds `at`; on failure says what could not listen where.
  bool open(const config::endpoint& at, std::string& error) {
    return tcp_->open(at, error);
  }

  /// The bound port (the real one when 0 was asked for).
  uint16_t port() const override { return tcp_->port(); }

  /// Stops accepting (connections already handed over are not touched).
  void stop() override { tcp_->stop(); }

protected:
  /// Starts accepting. Weak: the listener owns the accept loop, not the
  /// other way round.
  void accept() {
    tcp_->start([weak = this->weak_from_this()](strand_socket socket) {
      if (std::shared_ptr<listener> self = weak.lock())
        self->admit(std::move(socket));
    });
  }

  /// Connection objects of this listener that exist now.
  live_count connections_;

  /// Over the cap: closed at once (a Derived may answer first).
  void refuse_full(strand_socket& socket) {
    boost::system::error_code ignored;
    socket.close(ignored);
  }

private:
  void admit(strand_socket socket) {
    boost::system::error_code ignored;
    socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    auto& self = static_cast<Derived&>(*this);
    if (self.full()) // over the cap: refused at once
      return self.refuse_full(socket);
    self.on_socket(std::move(socket));
  }

  std::shared_ptr<tcp_listener> tcp_;
};

} // namespace tether::net
