// source_buckets: one token_bucket per source address (accepts per
// balancer, registrations per gateway). Thread-safe. Bounded: when it holds
// `max_sources` addresses, full buckets are forgotten (they are as good as
// new); when none is full the newest address shares the verdict of a
// fresh bucket but is not remembered, so memory stays bounded under a
// spoofed-address flood.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

#include "net/limits/token_bucket.hpp"

namespace tether::net {

class source_buckets {
public:
  source_buckets(double rate, std::size_t burst,
                 std::size_t max_sources = 100'000)
      : rate_(rate), burst_(burst), max_sources_(max_sources) {}

  /// Zero when `source` may go on (a token was taken); else how long until
  /// it may (for Retry-After).
  std::chrono::milliseconds take(const std::string& source,
                                 limit_clock::time_point now
                                 = limit_clock::now());

  /// The same for `n` tokens at once (a bulk request that counts as `n`
  /// calls): all of them are taken, or none.
  std::chrono::milliseconds take(const std::string& source, std::size_t n,
                                 limit_clock::time_point now
                                 = limit_clock::now());

  std::size_t size() const;

private:
  void prune(limit_clock::time_point now);

  double rate_;
  std::size_t burst_;
  std::size_t max_sources_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, token_bucket> buckets_;
};

} // namespace tether::net
