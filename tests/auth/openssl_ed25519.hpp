// openssl_ed25519: Ed25519 the way tether_auth did it before branch conn14
// (OpenSSL 3's EVP_DigestSign / EVP_DigestVerify on a raw key), kept for
// the tests only: tokens signed by one side must verify on the other, in
// both directions, so that processes of the old and the new build take
// each other's tokens.
#pragma once

#include <string>
#include <string_view>

namespace tether::auth::testing {

/// The raw 32-byte public key of a 32-byte seed; empty if OpenSSL refuses.
std::string openssl_public_key(std::string_view seed);

/// The 64-byte signature of `message` under `seed`; empty if refused.
std::string openssl_sign(std::string_view seed, std::string_view message);

/// Whether OpenSSL takes `signature` of `message` under `public_key`.
bool openssl_verify(std::string_view public_key, std::string_view message,
                    std::string_view signature);

} // namespace tether::auth::testing
