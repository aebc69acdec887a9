// issued_tokens: the connect tokens this process's signer issued that no
// balancer of the process has taken yet. A balancer in the gateway's own
// process (the all-in-one default) finds such a token here and skips the
// Ed25519 verify, the largest single cost of a connect (docs/BENCHMARKS.md,
// "The connect path profiled"): a token found here is, byte for byte, one
// this process signed, so its signature holds by construction. Every other
// check of token_verifier::verify still runs (key known and not retired,
// expiry, terminal, cluster, revocation).
//
// Kept as SHA-256 digests (32 bytes each), each taken once: a reconnect
// with the same token, or one presented to another process, is verified the
// long way. Bounded: past `capacity` the oldest are forgotten (verified the
// long way then). Thread-safe: gateway actors add, balancer I/O threads take.
//
// One set per signing key and process, found by the key's id: the signer
// adds to it and the verifier takes from it (connect_token.cpp) only once
// `keep_for(kid)` made it, which net/auth_setup does for a process that
// runs a gateway and balancers. A process-wide fact (what this process
// signed with that key), so it is not handed through the signer's and
// verifier's interfaces (whose headers half the tree includes).
#pragma once

#include <array>
#include <cstddef>
#include <cstring>
#include <deque>
#include <memory>
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

  /// True, and forgotten, when `token` is one remembered (exact bytes).
  bool take(std::string_view token);

  /// Tokens remembered now.
  size_t size() const;

  /// The set of the tokens signed here with key `kid`, made now if there
  /// is none yet.
  static std::shared_ptr<issued_tokens> keep_for(const std::string& kid,
                                                 size_t capacity = 16384);
  /// That set; null when none was made (tokens are not remembered).
  static std::shared_ptr<issued_tokens> of_key(std::string_view kid);
  /// Drops the set of `kid` (tests).
  static void drop(const std::string& kid);

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
