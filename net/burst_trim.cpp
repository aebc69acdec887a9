#include "net/burst_trim.hpp"

#include <malloc.h>

namespace tether::net {

bool burst_trim::on_connect(clock::time_point now) {
  std::lock_guard lock{mutex_};
  ++since_trim_;
  last_ = now;
  if (armed_)
    return false;
  armed_ = true;
  return true;
}

burst_trim::check burst_trim::on_check(clock::time_point now) {
  std::lock_guard lock{mutex_};
  check out;
  if (now - last_ < quiet_) {
    out.again = quiet_ - (now - last_); // the burst goes on
    return out;
  }
  armed_ = false;
  if (since_trim_ >= min_connects_) {
    out.trim = true;
    since_trim_ = 0;
    ++trims_;
  }
  return out;
}

std::size_t burst_trim::trims() const {
  std::lock_guard lock{mutex_};
  return trims_;
}

bool burst_trim::trim() {
  return ::malloc_trim(0) != 0;
}

} // namespace tether::net
