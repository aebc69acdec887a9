// nonce_cache: the nonces of accepted device proofs, each kept until its
// proof could no longer pass the clock check (its timestamp + the allowed
// skew), so that a proof replayed within its window is refused. Bounded:
// when `capacity` nonces are live, new ones are refused (not evicted, which
// would let an evicted one be replayed). Not thread-safe (one owner).
#pragma once

#include <cstddef>
#include <cstdint>
#include <queue>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace tether::auth {

class nonce_cache {
public:
  explicit nonce_cache(size_t capacity = 1'000'000) : capacity_(capacity) {}

  enum class result { fresh, replayed, full };

  /// Remembers `nonce` until `expires_s` (unix seconds) unless it is
  /// remembered already (replayed) or the cache is full. Forgets the nonces
  /// expired at `now_s` first.
  result insert(const std::string& nonce, int64_t expires_s, int64_t now_s);

  size_t size() const { return live_.size(); }

private:
  void prune(int64_t now_s);

  using entry = std::pair<int64_t, std::string>; // expiry, nonce
  size_t capacity_;
  std::unordered_set<std::string> live_;
  std::priority_queue<entry, std::vector<entry>, std::greater<>> by_expiry_;
};

} // namespace tether::auth
