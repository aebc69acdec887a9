// tether-terminal: how many devices the fleet should have started by now.
// `--ramp-per-s` starts R a second (0: all at once); `--max-connecting` N
// (0: no cap) also keeps at most N devices started and not yet connected, so
// a new device starts when one before it is connected, as a load generator
// that caps its handshakes under way does (examples/bench/mqtt-idle's
// --max-pending, the mosquitto side of compare-mosquitto.sh). Each device
// still does exactly what it does without the cap: the cap only decides
// when it starts.
#pragma once

#include <algorithm>
#include <cstddef>

namespace tether::terminal {

inline std::size_t due_starts(std::size_t devices, double elapsed_s,
                              double ramp_per_s, std::size_t started,
                              std::size_t connected,
                              std::size_t max_connecting) {
  std::size_t due = devices;
  if (ramp_per_s > 0)
    due = std::min(due, static_cast<std::size_t>(elapsed_s * ramp_per_s) + 1);
  if (max_connecting > 0) {
    std::size_t under_way = started > connected ? started - connected : 0;
    std::size_t room
      = max_connecting > under_way ? max_connecting - under_way : 0;
    due = std::min(due, started + room);
  }
  return std::max(due, started);
}

} // namespace tether::terminal
