// burst_trim: when a burst of connects is over, the heap their handshakes
// left free (HTTP parsers, TLS handshake state, Beast's upgrade buffers,
// freed among the long-lived objects of the connections that stay) goes
// back to the system with malloc_trim(0): on a listener that just took
// thousands of devices it is most of the growth in RSS after a WSS burst
// (docs/BENCHMARKS.md, idle connections). Trimming walks and locks every
// glibc arena, so it runs once per burst, never per connect: after at least
// `min_connects` accepted sockets, once none came for `quiet`.
// Plain C++, thread-safe, the time passed in for tests; the listener
// (net/ws_server.cpp) arms a timer when told to and calls trim().
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>

namespace tether::net {

class burst_trim {
public:
  using clock = std::chrono::steady_clock;

  burst_trim(std::size_t min_connects, clock::duration quiet)
      : min_connects_(min_connects), quiet_(quiet) {}

  /// How long after the last connect a burst is over.
  clock::duration quiet() const { return quiet_; }

  /// A socket was accepted at `now`. True: arm a check in quiet() (none is
  /// armed; only this caller is told, once per armed check).
  bool on_connect(clock::time_point now);

  /// What an armed check found.
  struct check {
    /// Not zero: connects went on; arm the check again in this long.
    clock::duration again{0};
    /// The burst is over and was large enough: trim now.
    bool trim = false;
  };
  /// The armed check fires at `now`.
  check on_check(clock::time_point now);

  /// How many times on_check said trim.
  std::size_t trims() const;

  /// Gives free heap back to the system (glibc's malloc_trim(0)); true
  /// when some memory was released.
  static bool trim();

private:
  mutable std::mutex mutex_;
  std::size_t min_connects_;
  clock::duration quiet_;
  std::size_t since_trim_ = 0; // connects since the last trim
  clock::time_point last_{};   // the last connect
  bool armed_ = false;
  std::size_t trims_ = 0;
};

} // namespace tether::net
