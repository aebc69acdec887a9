// tether-terminal: exponential backoff with full jitter.
//
// The n-th consecutive failure waits a uniformly random time in [0, min(max,
// min * 2^n)]
// ("full jitter"). Randomising the whole interval spreads a fleet that lost its
// server at the same instant over the window instead of bringing it back in
// synchronized waves. reset() after a connection proved stable. Header-only: a
// few integers, no I/O.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace tether::terminal {

class backoff {
public:
  using duration = std::chrono::milliseconds;

  backoff(duration min, duration max) : min_(min), max_(max) {}

  // The delay before the next attempt; advances the exponent.
  template <class Rng>
  duration next(Rng& rng) {
    // 2^attempt overflows nothing below 2^20 * min; beyond that the cap rules
    // anyway.
    const auto shift = std::min<unsigned>(attempt_, 20);
    const auto cap
      = std::min<std::int64_t>(max_.count(), min_.count() << shift);
    if (attempt_ < 64)
      ++attempt_;
    std::uniform_int_distribution<std::int64_t> pick(0, cap);
    return duration(pick(rng));
  }

  void reset() { attempt_ = 0; }
  unsigned attempts() const { return attempt_; }

private:
  duration min_, max_;
  unsigned attempt_ = 0;
};

} // namespace tether::terminal
