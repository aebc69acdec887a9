#include "auth/ed25519.hpp"

#include <sodium.h>

namespace tether::auth::ed25519 {

namespace {

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

} // namespace

bool ready() {
  // sodium_init is safe to call again, but once is enough: its answer is
  // kept (0: initialised now, 1: already, -1: failed).
  static const bool ok = sodium_init() >= 0;
  return ok;
}

std::optional<signing_key> signing_key::from_seed(std::string_view seed) {
  if (seed.size() != crypto_sign_SEEDBYTES || !ready())
    return std::nullopt;
  signing_key key;
  unsigned char pub[crypto_sign_PUBLICKEYBYTES];
  if (crypto_sign_seed_keypair(pub, key.secret_.data(), bytes(seed)) != 0)
    return std::nullopt;
  key.public_key_.assign(reinterpret_cast<const char*>(pub), sizeof(pub));
  return key;
}

signing_key::~signing_key() {
  sodium_memzero(secret_.data(), secret_.size());
}

std::string signing_key::sign(std::string_view message) const {
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, bytes(message), message.size(),
                       secret_.data());
  return std::string(reinterpret_cast<const char*>(sig), sizeof(sig));
}

bool verify(std::string_view public_key, std::string_view message,
            std::string_view signature) {
  // libsodium also refuses a few signatures OpenSSL 3.0 took (a small-order
  // R, a small-order public key): none of them can come from a signer of
  // ours, whose R is a multiple of the base point (tests/auth/ed25519_test).
  return public_key.size() == crypto_sign_PUBLICKEYBYTES
      && signature.size() == crypto_sign_BYTES && ready()
      && crypto_sign_verify_detached(bytes(signature), bytes(message),
                                     message.size(), bytes(public_key))
           == 0;
}

} // namespace tether::auth::ed25519
