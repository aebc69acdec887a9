#include "auth/nonce_cache.hpp"

namespace tether::auth {

void nonce_cache::prune(int64_t now_s) {
  while (!by_expiry_.empty() && by_expiry_.top().first < now_s) {
    live_.erase(by_expiry_.top().second);
    by_expiry_.pop();
  }
}

nonce_cache::result nonce_cache::insert(const std::string& nonce,
                                        int64_t expires_s, int64_t now_s) {
  prune(now_s);
  if (live_.count(nonce) > 0)
    return result::replayed;
  if (live_.size() >= capacity_)
    return result::full;
  live_.insert(nonce);
  by_expiry_.emplace(expires_s, nonce);
  return result::fresh;
}

} // namespace tether::auth
