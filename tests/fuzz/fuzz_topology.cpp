// Fuzz target: the topology reader (config/topology.hpp): TOML parsing and
// validation of any text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/topology.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = tether::config::parse_topology(
    {reinterpret_cast<const char*>(data), size}, "fuzz.toml");
  // A file is read or refused with a reason, never both nor neither.
  if (r.value.has_value() == !r.errors.list.empty())
    __builtin_trap();
  return 0;
}
