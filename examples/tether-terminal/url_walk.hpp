// tether-terminal: where a device is in its destination's cluster_urls.
//
// The device contract (docs/API.md "Reconnecting"): a walk goes round the
// list once, from a starting URL, before the device registers again. A walk
// starts at the first URL, except after a connection that ended without a
// close frame from the server (the balancer's process or host went away)
// or with 1001 (its process stops): then at the URL after the one it lost,
// which is most likely dead, so the device does not spend its first attempt
// (and a hop) there. Plain C++, unit-tested without sockets
// (tests/examples/tether-terminal/url_walk_test.cpp).
#pragma once

#include <cstddef>

namespace tether::terminal {

/// Whether a connection that ended with `close_code` (0: no close frame)
/// lost its balancer: no close frame, or 1001 (its process stops).
inline bool balancer_lost(int close_code) {
  return close_code == 0 || close_code == 1001;
}

class url_walk {
public:
  /// A new list of `count` URLs (a destination answer): starts at the first.
  void reset(std::size_t count) {
    count_ = count;
    restart(0);
  }
  /// The index of the URL to try now.
  std::size_t current() const {
    return count_ == 0 ? 0 : (start_ + step_) % count_;
  }
  /// The URL to try now is the last one of this walk.
  bool last() const { return step_ + 1 >= count_; }
  /// On to the next URL of the walk.
  void next() { ++step_; }
  /// A new walk from the first URL (the server closed the connection, or
  /// a reconnect after a move).
  void from_first() { restart(0); }
  /// A new walk from the URL after the current one (its connection was lost
  /// without a close frame).
  void after_lost() { restart(count_ == 0 ? 0 : (current() + 1) % count_); }

private:
  void restart(std::size_t start) {
    start_ = start;
    step_ = 0;
  }
  std::size_t count_ = 0;
  std::size_t start_ = 0;
  std::size_t step_ = 0;
};

} // namespace tether::terminal
