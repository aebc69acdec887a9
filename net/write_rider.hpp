// write_rider: several queued WebSocket messages of one connection in one
// send (the balancer's write queue, net/ws_server.cpp; issue 12 item 4).
//
// Beast writes one message per async_write, and its read operation writes
// pongs and close frames itself, each under Beast's own write lock; bytes
// written beneath Beast by anyone else could land inside one of those. So
// the queued messages behind the first are not written beside Beast: they
// ride on Beast's own write of the first. The write queue offers a rider
// (this thread, only for the duration of its async_write call); the stream
// under Beast (frame_gated_stream) takes it only in the write whose buffers
// hold the first message's payload whole, i.e. Beast's write of that
// message, made under Beast's write lock, and then writes Beast's bytes and
// the rider's frames in full before it reports Beast's bytes written. So
// nothing of Beast's can come between them, and they follow the first
// message in order. A rider not taken (Beast's lock was held by a pong or a
// close: Beast writes the first message later, from another call; or its
// payload exceeds one write's buffers) is simply dropped: its messages stay
// queued and go in later writes, as they always did.
//
// Header-only, Boost; tests/net/write_rider_test.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>

namespace tether::net {

struct write_rider {
  /// The first message's payload as the queue hands it to Beast: the write
  /// that carries exactly this buffer is Beast's write of that message.
  const void* first = nullptr;
  size_t first_size = 0;
  /// The messages behind it, as whole text frames (server role: unmasked).
  std::string frames;
  size_t count = 0;   // messages in `frames`
  bool taken = false; // set by the stream that writes them

  /// Adds one message as a single unmasked text frame (RFC 6455 5.2).
  void add_text(std::string_view payload) {
    auto n = payload.size();
    frames += static_cast<char>(0x81); // FIN, text
    if (n < 126) {
      frames += static_cast<char>(n);
    } else if (n <= 0xffff) {
      frames += static_cast<char>(126);
      frames += static_cast<char>(n >> 8);
      frames += static_cast<char>(n & 0xff);
    } else {
      frames += static_cast<char>(127);
      for (int i = 7; i >= 0; --i)
        frames
          += static_cast<char>((static_cast<uint64_t>(n) >> (8 * i)) & 0xff);
    }
    frames.append(payload);
    ++count;
  }

  /// Whether `buffers` (a write Beast hands the stream below it) hold the
  /// first message's payload whole.
  template <class Buffers>
  bool carried_by(const Buffers& buffers) const {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      boost::asio::const_buffer b(*it);
      if (b.data() == first && b.size() == first_size)
        return true;
    }
    return false;
  }
};

/// The rider on offer to the streams of this thread: set by the write
/// queue around its async_write call only (Beast starts its write inside
/// that call when its write lock is free), null otherwise.
inline thread_local write_rider* offered_rider = nullptr;

/// Offers `rider` for the duration of one async_write call (RAII).
class rider_offer {
public:
  explicit rider_offer(write_rider* rider) : prev_(offered_rider) {
    offered_rider = rider;
  }
  ~rider_offer() { offered_rider = prev_; }
  rider_offer(const rider_offer&) = delete;
  rider_offer& operator=(const rider_offer&) = delete;

private:
  write_rider* prev_;
};

} // namespace tether::net
