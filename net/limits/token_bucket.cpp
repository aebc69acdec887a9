#include "net/limits/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace tether::net {

void token_bucket::refill(limit_clock::time_point now) {
  if (now <= at_)
    return;
  std::chrono::duration<double> elapsed = now - at_;
  tokens_ = std::min(burst_, tokens_ + elapsed.count() * rate_);
  at_ = now;
}

bool token_bucket::take(limit_clock::time_point now) {
  return take(1.0, now);
}

std::chrono::milliseconds token_bucket::wait(limit_clock::time_point now) {
  return wait(1.0, now);
}

bool token_bucket::take(double n, limit_clock::time_point now) {
  refill(now);
  if (tokens_ < n)
    return false;
  tokens_ -= n;
  return true;
}

std::chrono::milliseconds token_bucket::wait(double n,
                                             limit_clock::time_point now) {
  refill(now);
  if (tokens_ >= n)
    return std::chrono::milliseconds{0};
  return std::chrono::milliseconds{
    static_cast<int64_t>(std::ceil((n - tokens_) / rate_ * 1000.0))};
}

bool token_bucket::full(limit_clock::time_point now) {
  refill(now);
  return tokens_ >= burst_;
}

} // namespace tether::net
