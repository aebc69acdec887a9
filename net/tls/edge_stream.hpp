// edge_stream: the byte stream of one connection at the edge, TLS or plain
// TCP, chosen at run time: by the gateway's and balancers' listeners (a
// server TLS context or none), and by clients from the URL's scheme (the
// simulator examples/tether-terminal includes this header; it is Boost and
// OpenSSL only). HTTP and WebSocket code then exist once for https:// and
// http://, wss:// and ws://. The TCP layer below is a beast::tcp_stream
// (`edge_stream`), so its deadlines (expires_after) also bound the TLS
// handshake and every TLS record; or, for the balancer's many idle
// connections, the socket itself on its strand (`socket_edge_stream`: no
// tcp_stream impl, two timers and a layer of every pending read less per
// connection; the owner keeps its own handshake timer, which closes the
// socket). The TLS layer is lean_stream (net/tls/lean_stream.hpp): OpenSSL
// on the socket itself, no buffers of its own per connection.
#pragma once

#include <memory>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/coroutine.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include "net/tls/lean_stream.hpp"

namespace tether::net::tls {

/// `Next`: beast::tcp_stream or a basic_stream_socket.
template <class Next>
class basic_edge_stream {
public:
  using executor_type = typename Next::executor_type;
  using next_layer_type = Next;
  using tls_layer = basic_lean_stream<Next>;

  /// An accepted socket; `context` null: plain TCP.
  template <class Socket>
  basic_edge_stream(Socket&& socket, boost::asio::ssl::context* context)
      : tcp_(std::move(socket)) {
    if (context != nullptr)
      use_tls(*context);
  }
  /// A client's stream, not connected yet: plain until use_tls.
  explicit basic_edge_stream(const boost::asio::any_io_executor& ex)
      : tcp_(ex) {}
  // The TLS layer refers to tcp_: the stream stays where it was built.
  basic_edge_stream(const basic_edge_stream&) = delete;
  basic_edge_stream& operator=(const basic_edge_stream&) = delete;

  executor_type get_executor() noexcept { return tcp_.get_executor(); }
  Next& next_layer() noexcept { return tcp_; }
  bool is_tls() const noexcept { return tls_ != nullptr; }
  /// From now on TLS with `context` (before the handshake).
  void use_tls(boost::asio::ssl::context& context) {
    tls_ = std::make_unique<tls_layer>(tcp_, context);
  }
  /// The TLS layer (null for plain TCP): SNI, verification, the session.
  tls_layer* tls() noexcept { return tls_.get(); }
  /// Input taken off the socket but not read yet (only TLS holds any).
  bool holds_input() const noexcept { return tls_ && tls_->holds_input(); }

  /// The TLS handshake as `side` (server or client); for plain TCP it
  /// completes at once without error.
  template <class Handler>
  void async_handshake(boost::asio::ssl::stream_base::handshake_type side,
                       Handler&& handler) {
    if (tls_)
      return tls_->async_handshake(side, std::forward<Handler>(handler));
    boost::asio::post(get_executor(),
                      [h = std::forward<Handler>(handler)]() mutable {
                        h(boost::system::error_code{});
                      });
  }

  template <class Buffers, class Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    return on_layer<Token>(buffers, token, [](auto& layer, auto&&... xs) {
      layer.async_read_some(std::forward<decltype(xs)>(xs)...);
    });
  }

  template <class Buffers, class Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    return on_layer<Token>(buffers, token, [](auto& layer, auto&&... xs) {
      layer.async_write_some(std::forward<decltype(xs)>(xs)...);
    });
  }

  /// WebSocket closing handshake's last step (found by argument-dependent
  /// lookup from beast::websocket::stream): TLS close_notify, then TCP.
  friend void teardown(boost::beast::role_type role, basic_edge_stream& s,
                       boost::system::error_code& ec) {
    using boost::beast::websocket::teardown;
    boost::system::error_code tls_ec;
    if (s.tls_)
      s.tls_->shutdown(tls_ec);
    teardown(role, socket_of(s.tcp_), ec);
  }

  template <class Handler>
  friend void async_teardown(boost::beast::role_type role, basic_edge_stream& s,
                             Handler&& handler) {
    using boost::beast::websocket::async_teardown;
    if (!s.tls_)
      return async_teardown(role, socket_of(s.tcp_),
                            std::forward<Handler>(handler));
    boost::asio::async_compose<Handler, void(boost::system::error_code)>(
      teardown_op{{}, s, role}, handler, s.tcp_);
  }

private:
  /// Starts `op(layer, buffers, handler)` on the TLS layer when there is
  /// one, else on TCP: the one place a read or write picks its layer.
  template <class Token, class Buffers, class Op>
  auto on_layer(const Buffers& buffers, Token& token, Op op) {
    return boost::asio::async_initiate<Token,
                                       void(boost::system::error_code, size_t)>(
      [this, op](auto handler, const Buffers& b) {
        if (tls_)
          op(*tls_, b, std::move(handler));
        else
          op(tcp_, b, std::move(handler));
      },
      token, buffers);
  }

  /// close_notify (its error kept), then the TCP teardown.
  struct teardown_op : boost::asio::coroutine {
    basic_edge_stream& s;
    boost::beast::role_type role;
    boost::system::error_code first{};

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}) {
      using boost::beast::websocket::async_teardown;
      BOOST_ASIO_CORO_REENTER(*this) {
        BOOST_ASIO_CORO_YIELD s.tls_->async_shutdown(std::move(self));
        first = ec;
        BOOST_ASIO_CORO_YIELD async_teardown(role, socket_of(s.tcp_),
                                             std::move(self));
        self.complete(first ? first : ec);
      }
    }
  };

  Next tcp_;
  std::unique_ptr<tls_layer> tls_;
};

/// Over a beast::tcp_stream: the gateway's connections and clients.
using edge_stream = basic_edge_stream<boost::beast::tcp_stream>;

/// A socket on its own strand, its executor no larger than the strand (an
/// any_io_executor is 56 bytes, copied into each layer of a pending
/// operation; this one 24). The same type as net::strand_socket.
using strand_socket = boost::asio::basic_stream_socket<
  boost::asio::ip::tcp,
  boost::asio::strand<boost::asio::io_context::executor_type>>;

/// Over the bare socket: the balancer's connections (net/ws_server.cpp).
using socket_edge_stream = basic_edge_stream<strand_socket>;

} // namespace tether::net::tls
