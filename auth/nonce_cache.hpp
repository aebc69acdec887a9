// nonce_cache: the nonces of accepted device proofs, each kept until its
// proof could no longer pass the clock check (its timestamp + the allowed
// skew), so that a proof replayed within its window is refused. Bounded:
// when `capacity` nonces are live, new ones are refused (not evicted, which
// would let an evicted one be replayed). Not thread-safe (one owner).
//
// A nonce is kept as the first 16 bytes of its SHA-256, not as its text
// (the verifier's key is the terminal id and a 16-64 digit nonce, past the
// short-string size): two containers of the text cost about 210 bytes per
// proof of the window, the digest about 70 (issue 12: bytes per device).
// Two different nonces are taken for one only if their 128-bit digests
// collide: a 2^-128 chance by accident, about 2^64 work to arrange, and a
// collision can only refuse a proof as replayed, never accept a replay.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <queue>
#include <string_view>
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
  result insert(std::string_view nonce, int64_t expires_s, int64_t now_s);

  size_t size() const { return live_.size(); }

private:
  using digest = std::array<unsigned char, 16>;
  struct digest_hash {
    size_t operator()(const digest& d) const {
      size_t h; // the digest's bytes are uniform already
      std::memcpy(&h, d.data(), sizeof h);
      return h;
    }
  };
  struct entry {
    int64_t expires_s;
    digest nonce;
    bool operator>(const entry& other) const {
      return expires_s > other.expires_s;
    }
  };

  static digest digest_of(std::string_view nonce);
  void prune(int64_t now_s);

  size_t capacity_;
  std::unordered_set<digest, digest_hash> live_;
  std::priority_queue<entry, std::vector<entry>, std::greater<>> by_expiry_;
};

} // namespace tether::auth
