// ed25519: the Ed25519 signatures of connect tokens (RFC 8032), over
// libsodium. Signing a token was over half of tetherd's instructions per
// connect with OpenSSL 3.0's EVP_DigestSign (about 604,000 instructions a
// signature, its provider dispatch and per-call key setup included);
// libsodium's crypto_sign_detached gives the same bytes (Ed25519 is
// deterministic) in about 233,000 (docs/BENCHMARKS.md §3, branch conn14).
//
// Keys and signatures are the raw RFC 8032 bytes, as before: the 32-byte
// seed of DATA/secrets/token-signing-key, 32-byte public keys, 64-byte
// signatures. Tokens, key files and key ids do not change.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace tether::auth::ed25519 {

/// Initialises libsodium (sodium_init) the first time it is called; false
/// when it failed, and then nothing here signs or verifies. tetherd calls
/// it at start and refuses to start on false; the calls below call it too,
/// so that a library user (a test, a tool) needs nothing more.
bool ready();

/// A private key, from its 32-byte seed; the secret is wiped on
/// destruction. Signs from any number of threads at once (const).
class signing_key {
public:
  /// Nothing when `seed` is not 32 bytes or libsodium is not ready.
  static std::optional<signing_key> from_seed(std::string_view seed);
  ~signing_key();
  signing_key(const signing_key& other) = default;
  signing_key& operator=(const signing_key& other) = default;

  /// The raw 32-byte public key.
  const std::string& public_key() const { return public_key_; }

  /// The 64-byte signature of `message`.
  std::string sign(std::string_view message) const;

private:
  signing_key() = default;
  std::array<unsigned char, 64> secret_{}; // libsodium's: seed || public
  std::string public_key_;
};

/// Whether `signature` (64 bytes) is `public_key`'s (32 bytes) signature of
/// `message`. False for any other size.
bool verify(std::string_view public_key, std::string_view message,
            std::string_view signature);

} // namespace tether::auth::ed25519
