// issued_tokens: the connect tokens this process's signer issued whose
// connect to a balancer of the process has not gone through yet. A balancer in
// the gateway's own process (the all-in-one default) finds such a token here
// and skips the Ed25519 verify, the largest single cost of a connect
// (docs/BENCHMARKS.md, "The connect path profiled"): a token found here is,
// byte for byte, one this process signed, so its signature holds by
// construction. Every other check of token_verifier::verify still runs (key
// known and not retired, expiry, terminal, cluster, revocation).
//
// Kept as SHA-256 digests (32 bytes each), each forgotten once a connect
// with it went through: a reconnect with the same token, or one presented to
// another process, is verified the long way. Bounded: past `capacity` the
// oldest are forgotten (verified the long way then). Thread-safe (a mutex of
// the set): gateway actors add, balancer I/O threads look up and forget.
//
// Handed where they are built (net/auth_setup.cpp): one set per process
// that runs a gateway and balancers, given to its token_signer (which adds)
// and to its balancers' token_verifier (which looks up, and forgets a token
// once its connect went through). No global, no global lock: a process
// without the set (a balancer of its own, a gateway alone) never touches it.
#pragma once

#include <array>
#include <cstddef>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

namespace tether::auth {

class issued_tokens {
public:
  explicit issued_tokens(size_t capacity = 16384) : capacity_(capacity) {}

  /// Remembers a token just issued; forgets the oldest past the capacity.
  void add(std::string_view token);

  /// True when `token` is one remembered (exact bytes). It stays
  /// remembered: a check after this one may still refuse the connect for a
  /// reason not about the token (the balancer is busy, the device flaps),
  /// and the device's next try with the same token should find it again.
  bool issued(std::string_view token) const;

  /// Forgets `token` (its connect went through: a reconnect with it is
  /// verified the long way). Nothing when it is not remembered.
  void forget(std::string_view token);

  /// Tokens remembered now.
  size_t size() const;

private:
  using digest = std::array<unsigned char, 32>;
  struct digest_hash {
    size_t operator()(const digest& d) const noexcept {
      size_t h;
      std::memcpy(&h, d.data(), sizeof h);
      return h;
    }
  };
  static digest digest_of(std::string_view token);

  mutable std::mutex mtx_;
  size_t capacity_;
  std::unordered_set<digest, digest_hash> live_;
  std::deque<digest> order_; // oldest first; may still hold taken ones
};

} // namespace tether::auth
