// resting_websocket: Beast's WebSocket stream for one of the balancer's
// connections, held only while the connection is busy (net/ws_server.cpp).
//
// Beast's stream keeps about 2.5 KiB per connection (its fixed 1,536-byte
// read buffer among it) for as long as it exists, and an idle device's
// connection needs none of it: between messages, with no operation
// pending, the stream's state is exactly what its upgrade left (open, no
// message under way, nothing buffered: frame_gated_stream hands Beast no
// byte past a frame's end). So a resting connection keeps only its socket
// and frame gate (`io()`), and the stream is made again when the next
// frame arrives or is sent: a new Beast stream over the same gated stream,
// opened by a server handshake replayed from a fixed upgrade request whose
// response is dropped (the real one was written at the upgrade). What
// Beast's stream carries over is what `options` sets again.
//
// Header-only, Boost; tests/net/resting_websocket_test.cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "actors/system/live_count.hpp"
#include "net/frame_gated_stream.hpp"

namespace tether::net {

/// What Beast's stream is under a resting_websocket: a reference to the
/// connection's gated stream, which outlives every stream made over it.
/// Its synchronous calls serve only the replayed handshake: its writes are
/// dropped then (`replaying`) and refused otherwise, its reads refused.
template <class Next>
class gated_ref {
public:
  using executor_type = typename Next::executor_type;
  using next_layer_type = Next;

  explicit gated_ref(frame_gated_stream<Next>& s) noexcept : s_(&s) {}

  executor_type get_executor() noexcept { return s_->get_executor(); }
  Next& next_layer() noexcept { return s_->next_layer(); }
  const Next& next_layer() const noexcept { return s_->next_layer(); }
  frame_gated_stream<Next>& gated() noexcept { return *s_; }
  const frame_gated_stream<Next>& gated() const noexcept { return *s_; }

  template <class Buffers, class Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    return s_->async_read_some(buffers, std::forward<Token>(token));
  }

  template <class Buffers, class Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    return s_->async_write_some(buffers, std::forward<Token>(token));
  }

  bool replaying = false; // set only around the replayed handshake

  template <class Buffers>
  size_t write_some(const Buffers& buffers, boost::system::error_code& ec) {
    if (!replaying) {
      ec = boost::asio::error::operation_not_supported;
      return 0;
    }
    ec = {};
    return boost::asio::buffer_size(buffers);
  }
  template <class Buffers>
  size_t write_some(const Buffers& buffers) {
    boost::system::error_code ec;
    auto n = write_some(buffers, ec);
    if (ec)
      throw boost::system::system_error(ec);
    return n;
  }
  template <class Buffers>
  size_t read_some(const Buffers&, boost::system::error_code& ec) {
    ec = boost::asio::error::operation_not_supported;
    return 0;
  }
  template <class Buffers>
  size_t read_some(const Buffers& buffers) {
    boost::system::error_code ec;
    read_some(buffers, ec);
    throw boost::system::system_error(ec);
  }

  friend void teardown(boost::beast::role_type role, gated_ref& s,
                       boost::system::error_code& ec) {
    using boost::beast::websocket::teardown;
    teardown(role, *s.s_, ec);
  }

  template <class Handler>
  friend void async_teardown(boost::beast::role_type role, gated_ref& s,
                             Handler&& handler) {
    using boost::beast::websocket::async_teardown;
    async_teardown(role, *s.s_, std::forward<Handler>(handler));
  }

private:
  frame_gated_stream<Next>* s_;
};

/// One connection's gated stream and, while busy, Beast's stream over it.
template <class Next>
class resting_websocket {
public:
  using gated = frame_gated_stream<Next>;
  using stream_type = boost::beast::websocket::stream<gated_ref<Next>, false>;

  /// What each new stream is given (Beast's stream keeps its options).
  struct options {
    size_t read_message_max = 64 * 1024;
    /// How long a close handshake may take (Beast's handshake timeout).
    std::chrono::steady_clock::duration close_timeout
      = std::chrono::seconds{10};
    /// Counts the streams held (/metrics: connections busy right now).
    live_count held;
  };

  /// `args`: the gated stream's (the socket, the TLS context).
  template <class... Args>
  explicit resting_websocket(Args&&... args)
      : io_(std::forward<Args>(args)...) {}
  // Beast's stream refers to io_: it stays where it was built.
  resting_websocket(const resting_websocket&) = delete;
  resting_websocket& operator=(const resting_websocket&) = delete;

  gated& io() noexcept { return io_; }
  const gated& io() const noexcept { return io_; }

  /// A new stream for the connection's real upgrade (async_accept it).
  stream_type& for_upgrade(const options& o) {
    make(o);
    return *ws_;
  }

  /// The open stream; made and opened again if the connection rested.
  /// False `ok` only if Beast refused the replayed handshake (a bug).
  stream_type& open(const options& o, bool& ok) {
    ok = true;
    if (ws_)
      return *ws_;
    make(o);
    boost::system::error_code ec;
    ws_->next_layer().replaying = true;
    ws_->accept(replayed_upgrade(), ec);
    ws_->next_layer().replaying = false;
    ok = !ec && ws_->is_open();
    return *ws_;
  }

  /// The stream held, or null while resting.
  stream_type* held() noexcept { return ws_ ? &*ws_ : nullptr; }

  /// Whether no stream is held (between messages, nothing pending).
  bool resting() const noexcept { return !ws_.has_value(); }
  /// Whether the held stream is between messages (true when resting).
  bool between_messages() const noexcept {
    return !ws_ || ws_->is_message_done();
  }

  /// Frees the stream. Only when none of its operations is pending and no
  /// message is under way (between_messages), and only once it was opened.
  void rest() noexcept {
    ws_.reset();
    held_ = live_count::token{};
  }

private:
  void make(const options& o) {
    ws_.emplace(gated_ref<Next>{io_});
    held_ = o.held.track();
    boost::beast::websocket::stream_base::timeout t{};
    t.handshake_timeout = o.close_timeout;
    t.idle_timeout = boost::beast::websocket::stream_base::none();
    t.keep_alive_pings = false; // the application's keepalive decides
    ws_->set_option(t);
    ws_->read_message_max(o.read_message_max);
    ws_->auto_fragment(false);
  }

  /// The upgrade request every replayed handshake is answered from.
  static const boost::beast::http::request<boost::beast::http::empty_body>&
  replayed_upgrade() {
    static const auto req = [] {
      namespace http = boost::beast::http;
      http::request<http::empty_body> r{http::verb::get, "/", 11};
      r.set(http::field::host, "tetherd");
      r.set(http::field::upgrade, "websocket");
      r.set(http::field::connection, "Upgrade");
      r.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
      r.set(http::field::sec_websocket_version, "13");
      return r;
    }();
    return req;
  }

  gated io_;
  std::optional<stream_type> ws_; // null while resting
  live_count::token held_;        // while ws_ is held
};

} // namespace tether::net
