// Fuzz target: the decoder of frames a device sends
// (actors/policy/frames.hpp).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "actors/policy/frames.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tether::frames::device_frame f;
  bool fatal = false;
  auto problem = tether::frames::decode(
    {reinterpret_cast<const char*>(data), size}, f, fatal);
  // A fatal frame always says why.
  if (fatal && problem.empty())
    __builtin_trap();
  return 0;
}
