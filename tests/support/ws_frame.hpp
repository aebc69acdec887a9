// ws_frame: one WebSocket frame as a client sends it (masked) or a server
// (not), byte for byte: for tests that write raw frames at a server's
// stream or check what it wrote (tests/net/frame_gate_test.cpp,
// tests/net/resting_websocket_test.cpp).
#pragma once

#include <cstdint>
#include <string>

namespace tether::test {

inline std::string ws_frame(uint8_t opcode, const std::string& payload,
                            bool fin = true, bool masked = true) {
  std::string f;
  f += static_cast<char>((fin ? 0x80 : 0) | opcode);
  uint8_t mask_bit = masked ? 0x80 : 0;
  auto n = payload.size();
  if (n < 126) {
    f += static_cast<char>(mask_bit | n);
  } else if (n <= 0xffff) {
    f += static_cast<char>(mask_bit | 126);
    f += static_cast<char>(n >> 8);
    f += static_cast<char>(n & 0xff);
  } else {
    f += static_cast<char>(mask_bit | 127);
    for (int i = 7; i >= 0; --i)
      f += static_cast<char>((static_cast<uint64_t>(n) >> (8 * i)) & 0xff);
  }
  const char key[4] = {0x12, 0x34, 0x56, 0x78};
  if (masked)
    f.append(key, 4);
  for (size_t i = 0; i < n; ++i)
    f += masked ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i];
  return f;
}

} // namespace tether::test
