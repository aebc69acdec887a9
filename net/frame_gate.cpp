#include "net/frame_gate.hpp"

#include <algorithm>

namespace tether::net {

size_t frame_gate::take(const unsigned char* p, size_t n) {
  size_t i = 0;
  while (i < n) {
    if (!in_payload_) {
      if (!header_byte(p[i++]))
        continue;
      if (remaining_ == 0) // an empty frame ends with its header
        return i;
      in_payload_ = true;
      continue;
    }
    auto k = static_cast<size_t>(
      std::min<uint64_t>(remaining_, static_cast<uint64_t>(n - i)));
    i += k;
    remaining_ -= k;
    if (remaining_ == 0) {
      in_payload_ = false;
      return i;
    }
  }
  return i;
}

bool frame_gate::header_byte(unsigned char b) {
  auto at = have_++;
  if (at == 1) { // mask bit and the 7-bit length (RFC 6455 5.2)
    auto len7 = b & 0x7f;
    length_end_ = len7 == 126 ? 4 : len7 == 127 ? 10 : 2;
    need_ = length_end_ + ((b & 0x80) != 0 ? 4 : 0);
    remaining_ = len7 < 126 ? len7 : 0;
  } else if (at >= 2 && at < length_end_) {
    remaining_ = (remaining_ << 8) | b; // big-endian extended length
  }
  if (have_ < need_)
    return false;
  have_ = 0;
  need_ = 2;
  return true;
}

} // namespace tether::net
