// retry_after: the Retry-After of a refusal, in whole seconds, with jitter
// so that many refused clients do not come back in the same second.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>
#include <string>

namespace tether::net {

/// ceil(wait) seconds (at least 1) plus a random 0..a quarter of it (at
/// least 0..1).
inline int64_t jittered_seconds(std::chrono::milliseconds wait) {
  thread_local std::minstd_rand random{std::random_device{}()};
  int64_t s = std::max<int64_t>(1, (wait.count() + 999) / 1000);
  std::uniform_int_distribution<int64_t> extra{0, std::max<int64_t>(1, s / 4)};
  return s + extra(random);
}

} // namespace tether::net
