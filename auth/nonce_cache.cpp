#include "auth/nonce_cache.hpp"

#include <algorithm>
#include <string>

#include "auth/crypto.hpp"

namespace tether::auth {

nonce_cache::digest nonce_cache::digest_of(std::string_view nonce) {
  auto full = sha256(nonce);
  digest d{};
  std::copy_n(full.begin(), d.size(), d.begin());
  return d;
}

void nonce_cache::prune(int64_t now_s) {
  while (!by_expiry_.empty() && by_expiry_.top().expires_s < now_s) {
    live_.erase(by_expiry_.top().nonce);
    by_expiry_.pop();
  }
}

nonce_cache::result nonce_cache::insert(std::string_view nonce,
                                        int64_t expires_s, int64_t now_s) {
  prune(now_s);
  auto d = digest_of(nonce);
  if (live_.count(d) > 0)
    return result::replayed;
  if (live_.size() >= capacity_)
    return result::full;
  live_.insert(d);
  by_expiry_.push({expires_s, d});
  return result::fresh;
}

} // namespace tether::auth
