// tether-terminal: how long a device was without a session after it lost one
// (the reconnect storm's figure per device: examples/bench/storm.sh).
//
// The clock starts when a session that had said hello ends and the device goes
// to connect again (not when it stops, nor on a move the server asked for);
// it stops at the next hello. Sessions that end before their hello, refused
// attempts, waits and registrations in between are all inside the one span.
// Plain C++ (the device calls it on its executor), unit-tested without sockets
// (tests/examples/tether-terminal/loss_clock_test.cpp).
#pragma once

#include <chrono>
#include <optional>

namespace tether::terminal {

class loss_clock {
public:
  using time_point = std::chrono::steady_clock::time_point;

  /// A session ended at `now`; `greeted`: it had said hello. Only the first
  /// loss since the last hello counts: later ones are inside its span.
  void lost(time_point now, bool greeted) {
    if (greeted && !since_)
      since_ = now;
  }

  /// A hello at `now`: the span since the loss, if one is open.
  std::optional<std::chrono::steady_clock::duration> hello(time_point now) {
    if (!since_)
      return std::nullopt;
    auto span = now - *since_;
    since_.reset();
    return span;
  }

private:
  std::optional<time_point> since_;
};

} // namespace tether::terminal
