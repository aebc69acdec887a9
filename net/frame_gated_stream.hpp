// frame_gated_stream: a stream under Beast's websocket::stream that hands
// Beast no byte past the end of the WebSocket frame it is reading (the
// balancer's connections, net/ws_server.cpp). Bytes read from below past
// that end wait here (`stash`) and are handed up by the next reads, each
// again at most to its frame's end. So after a whole message Beast's read
// buffer is empty, and whether any input is already off the socket is known
// here (holds_input: the stash, or TLS's own buffered input): only when none
// is may an idle connection wait for the socket's readability instead of
// keeping a Beast read pending (docs/BENCHMARKS.md, branch mem11).
//
// Until gate_frames() (called after the upgrade, at the first frame's
// start) reads pass straight through: the TLS handshake and the HTTP
// upgrade request are not frames. Writes pass straight through, except
// Beast's write of a message that carries a rider (net/write_rider.hpp):
// that one writes the rider's frames behind Beast's bytes before it
// completes.
//
// Header-only, Boost; tests/net/frame_gate_test.cpp.
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include "net/frame_gate.hpp"
#include "net/write_rider.hpp"

namespace tether::net {

/// `Next`: the stream below (tls::socket_edge_stream on the balancer), with
/// a `holds_input()` saying whether it has input off the socket already.
template <class Next>
class frame_gated_stream {
public:
  using executor_type = typename Next::executor_type;
  using next_layer_type = Next;

  template <class... Args>
  explicit frame_gated_stream(Args&&... args)
      : next_(std::forward<Args>(args)...) {}

  executor_type get_executor() noexcept { return next_.get_executor(); }
  Next& next_layer() noexcept { return next_; }
  const Next& next_layer() const noexcept { return next_; }

  /// From now on reads end at frame ends (call at a frame's start).
  void gate_frames() noexcept { gated_ = true; }
  /// Input off the socket that no reader has had yet.
  bool holds_input() const noexcept {
    return stash_ != nullptr || next_.holds_input();
  }

  template <class Buffers, class Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    if (!gated_)
      return next_.async_read_some(buffers, std::forward<Token>(token));
    return boost::asio::async_compose<Token,
                                      void(boost::system::error_code, size_t)>(
      read_op<Buffers>{*this, buffers}, token, next_);
  }

  template <class Buffers, class Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    if (auto* r = offered_rider;
        r != nullptr && !r->taken && r->carried_by(buffers)) {
      r->taken = true;
      return boost::asio::async_compose<Token, void(boost::system::error_code,
                                                    size_t)>(
        rider_write_op{*this, make_rider_write(buffers, std::move(r->frames))},
        token, next_);
    }
    return next_.async_write_some(buffers, std::forward<Token>(token));
  }

  friend void teardown(boost::beast::role_type role, frame_gated_stream& s,
                       boost::system::error_code& ec) {
    using boost::beast::websocket::teardown;
    teardown(role, s.next_, ec);
  }

  template <class Handler>
  friend void async_teardown(boost::beast::role_type role,
                             frame_gated_stream& s, Handler&& handler) {
    using boost::beast::websocket::async_teardown;
    async_teardown(role, s.next_, std::forward<Handler>(handler));
  }

private:
  /// Beast's buffers of one write and the rider's frames behind them, on
  /// the heap: the buffers point into `frames`, which must not move.
  struct rider_write {
    std::vector<boost::asio::const_buffer> buffers;
    size_t beasts = 0; // bytes of Beast's buffers (reported written)
    std::string frames;
  };

  template <class Buffers>
  static std::unique_ptr<rider_write> make_rider_write(const Buffers& buffers,
                                                       std::string frames) {
    auto w = std::make_unique<rider_write>();
    w->frames = std::move(frames);
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      boost::asio::const_buffer b(*it);
      w->beasts += b.size();
      w->buffers.push_back(b);
    }
    w->buffers.emplace_back(w->frames.data(), w->frames.size());
    return w;
  }

  /// Writes all of Beast's bytes and the rider's frames, then reports
  /// Beast's bytes: Beast's write (under its lock) ends after the riders.
  struct rider_write_op {
    frame_gated_stream& s;
    std::unique_ptr<rider_write> w;
    bool started = false;

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {},
                    size_t n = 0) {
      if (!started) {
        started = true;
        auto& buffers = w->buffers;
        return boost::asio::async_write(s.next_, buffers, std::move(self));
      }
      self.complete(ec, std::min(n, w->beasts));
    }
  };

  /// Bytes read past a frame's end, not handed up yet.
  struct stash {
    std::string bytes;
    size_t used = 0;
  };

  /// One read: from the stash if it holds bytes (completed by a post),
  /// else from below, cut at the frame's end.
  template <class Buffers>
  struct read_op {
    frame_gated_stream& s;
    Buffers buffers;
    enum { start, below, served } state = start;

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {},
                    size_t n = 0) {
      if (state == below && n > 0)
        n = s.admit(buffers, n);
      if (state != start)
        return self.complete(ec, n);
      if (s.stash_ == nullptr) {
        state = below;
        return s.next_.async_read_some(buffers, std::move(self));
      }
      state = served;
      n = s.serve(buffers);
      boost::asio::post(s.get_executor(),
                        boost::beast::bind_front_handler(
                          std::move(self), boost::system::error_code{}, n));
    }
  };

  /// The first `n` bytes read into `buffers`: those up to the frame's end
  /// are handed up (their count returned), the rest go to the stash.
  template <class Buffers>
  size_t admit(const Buffers& buffers, size_t n) {
    size_t up = 0;
    auto it = boost::asio::buffer_sequence_begin(buffers);
    for (; n > 0; ++it) {
      boost::asio::mutable_buffer b(*it);
      auto len = std::min(b.size(), n);
      auto* p = static_cast<unsigned char*>(b.data());
      auto took = gate_.take(p, len);
      up += took;
      n -= len;
      if (took > 0 && gate_.at_boundary() && (took < len || n > 0)) {
        keep(it, buffers, took, len, n);
        break;
      }
    }
    return up;
  }

  /// Stashes what follows byte `from` of buffer `it` (its first `len`
  /// bytes were read) and the `more` bytes read into the buffers after it.
  template <class It, class Buffers>
  void keep(It it, const Buffers& buffers, size_t from, size_t len,
            size_t more) {
    auto st = std::make_unique<stash>();
    boost::asio::const_buffer b(*it);
    st->bytes.append(static_cast<const char*>(b.data()) + from, len - from);
    for (++it; more > 0 && it != boost::asio::buffer_sequence_end(buffers);
         ++it) {
      boost::asio::const_buffer next(*it);
      auto k = std::min(next.size(), more);
      st->bytes.append(static_cast<const char*>(next.data()), k);
      more -= k;
    }
    if (!st->bytes.empty())
      stash_ = std::move(st);
  }

  /// Hands up stashed bytes into `buffers`, to the frame's end at most.
  template <class Buffers>
  size_t serve(const Buffers& buffers) {
    size_t up = 0;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers) && stash_; ++it) {
      boost::asio::mutable_buffer b(*it);
      auto* from = reinterpret_cast<const unsigned char*>(stash_->bytes.data()
                                                          + stash_->used);
      auto took = gate_.take(
        from, std::min(b.size(), stash_->bytes.size() - stash_->used));
      std::memcpy(b.data(), from, took);
      up += took;
      stash_->used += took;
      if (stash_->used == stash_->bytes.size())
        stash_.reset(); // drained: an idle connection keeps none
      if (took > 0 && gate_.at_boundary())
        break; // the frame's end
    }
    return up;
  }

  Next next_;
  std::unique_ptr<stash> stash_; // null while empty
  // The flag takes the gate's tail padding: 24 bytes for the three. So the
  // gate is never assigned or cleared as a whole object (that may write
  // its padding, i.e. the flag): it changes only through its members.
  [[no_unique_address]] frame_gate gate_;
  bool gated_ = false;
};

} // namespace tether::net
