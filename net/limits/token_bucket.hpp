// token_bucket: at most `burst` events at once and `rate` per second on
// average. Plain C++, time passed in (unit-tested without clocks); not
// thread-safe (source_buckets and the listeners lock around it).
#pragma once

#include <chrono>
#include <cstddef>

namespace tether::net {

using limit_clock = std::chrono::steady_clock;

class token_bucket {
public:
  token_bucket(double rate, std::size_t burst, limit_clock::time_point now)
      : rate_(rate), burst_(static_cast<double>(burst)),
        tokens_(static_cast<double>(burst)), at_(now) {}

  /// Takes a token if there is one.
  bool take(limit_clock::time_point now);

  /// How long until a token is there (zero when one is).
  std::chrono::milliseconds wait(limit_clock::time_point now);

  /// Takes `n` tokens at once if there are that many (else takes none): a
  /// bulk request that counts as `n` calls.
  bool take(double n, limit_clock::time_point now);

  /// How long until `n` tokens are there (zero when they are).
  std::chrono::milliseconds wait(double n, limit_clock::time_point now);

  /// Whether the bucket is full again (it can be forgotten).
  bool full(limit_clock::time_point now);

private:
  void refill(limit_clock::time_point now);

  double rate_;
  double burst_;
  double tokens_;
  limit_clock::time_point at_;
};

} // namespace tether::net
