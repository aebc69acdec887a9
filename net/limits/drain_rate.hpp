// drain_rate: how fast a queue of requests is being served right now,
// measured only while the queue is long. A short queue empties as fast as
// requests arrive and a server that works on many requests at once serves
// more of them a second the more are waiting (Little's law), so only a
// long queue's drain says what the server can do when a burst is waiting.
//
// Used by wait_cap (net/limits/wait_cap.hpp) to turn a queue's length into
// an expected wait. Plain C++, time passed in (unit-tested with a fake
// clock); called by one thread at a time (the thread that admits).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "net/limits/token_bucket.hpp"

namespace tether::net {

class drain_rate {
public:
  using clock = limit_clock;
  /// One measurement spans at most `step`; the last `window` of them count.
  static constexpr std::chrono::milliseconds step{100};
  static constexpr std::chrono::milliseconds window{1000};
  /// Less long-queue time than this measured: no rate yet (a few
  /// milliseconds of a burst say little about how fast it drains).
  static constexpr std::chrono::milliseconds least{100};

  /// A queue of `long_from` requests or more counts as long.
  explicit drain_rate(size_t long_from) : long_from_(long_from) {}

  /// At an arrival: `waiting` requests are in the queue, `served` have
  /// left it since the start (a count that only grows).
  void observe(clock::time_point now, size_t waiting, uint64_t served);

  /// Requests served a second over the long-queue time of the last
  /// `window`; none while less than `least` of it was measured. The time
  /// from when the queue became long to its first answer is not measured:
  /// that is the server's latency, not its pace (counted, it made the
  /// first estimates of a burst far too slow); a queue that got no answer
  /// since it became long (stalled) has no rate either.
  std::optional<double> per_second(clock::time_point now) const;

private:
  /// A stretch of long-queue time that began with `waiting_at_start` in
  /// the queue.
  struct span {
    clock::time_point start{}, end{};
    uint64_t served_at_start = 0, served = 0;
    size_t waiting_at_start = 0;
  };

  void start_span(clock::time_point now, size_t waiting, uint64_t served) {
    open_ = span{now, now, served, 0, waiting};
  }
  /// Ends the open stretch (kept if it measured the pace).
  void close_open(clock::time_point now, uint64_t served);

  size_t long_from_;
  bool started_ = false;
  /// Long: from `long_from` waiting on, until fewer than half of it wait
  /// (a queue that dips by one between an answer and the next arrival
  /// stays long). Filling: long, and no answer since it became long.
  bool long_ = false;
  bool filling_ = false;
  span open_;
  std::array<span, window / step> closed_{};
  size_t next_ = 0;
};

} // namespace tether::net
