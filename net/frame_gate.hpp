// frame_gate: where the WebSocket frames of a byte stream end, so that a
// stream under Beast (frame_gated_stream, net/frame_gated_stream.hpp) hands
// Beast no byte past the end of the frame it is reading. It reads only the
// frame headers (RFC 6455 5.2: two bytes, then 0, 2 or 8 bytes of extended
// payload length, then 4 bytes of mask when the mask bit is set) and counts
// the payload off; it checks nothing (Beast refuses bad frames: a reserved
// bit, an over-long or non-minimal length, a missing mask) and never fails:
// any length up to 2^64 - 1 is only counted.
//
// Plain C++, no I/O; tests/net/frame_gate_test.cpp.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tether::net {

class frame_gate {
public:
  /// Of the next `n` bytes of the stream (at `p`), how many belong to the
  /// frame under way: all of them, or fewer when that frame ends inside
  /// them (then at_boundary()). At least one when n > 0.
  size_t take(const unsigned char* p, size_t n);

  /// Between two frames: every byte seen so far belongs to a whole frame.
  bool at_boundary() const noexcept { return !in_payload_ && have_ == 0; }

private:
  /// One header byte; true once the header is whole. The payload length
  /// is accumulated as its bytes come (no copy of the header is kept: the
  /// gate is 16 bytes of every idle connection, issue 12).
  bool header_byte(unsigned char b);

  uint64_t remaining_ = 0; // payload bytes still to come (or its length
                           // so far, while the header is read)
  uint8_t have_ = 0;       // bytes of the header seen
  uint8_t need_ = 2;       // the header's size (2-14), once known
  uint8_t length_end_ = 2; // where its length bytes end (2, 4 or 10)
  bool in_payload_ = false;
};

} // namespace tether::net
