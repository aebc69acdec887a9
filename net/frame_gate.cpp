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
  header_[have_++] = b;
  if (have_ == 2)
    need_ = header_size(header_);
  if (have_ < need_)
    return false;
  remaining_ = payload_size(header_);
  have_ = 0;
  need_ = 2;
  return true;
}

uint8_t frame_gate::header_size(const std::array<unsigned char, 14>& h) {
  uint8_t size = 2;
  auto len7 = h[1] & 0x7f;
  if (len7 == 126)
    size += 2;
  else if (len7 == 127)
    size += 8;
  if ((h[1] & 0x80) != 0)
    size += 4;
  return size;
}

uint64_t frame_gate::payload_size(const std::array<unsigned char, 14>& h) {
  auto len7 = h[1] & 0x7f;
  if (len7 < 126)
    return len7;
  int bytes = len7 == 126 ? 2 : 8;
  uint64_t size = 0;
  for (int i = 0; i < bytes; ++i)
    size = (size << 8) | h[2 + i];
  return size;
}

} // namespace tether::net
