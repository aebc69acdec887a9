// Connect tokens across the change of Ed25519 library (OpenSSL before
// branch conn14, libsodium since): a token of the new signer is the token
// the old one made, byte for byte, and verifies the old way; a token signed
// the old way verifies with the new verifier (a balancer process of one
// build, a gateway of the other: the multi-process reconnect storm); a wrong
// key, a flipped byte or a truncated token is refused.
#include <gtest/gtest.h>

#include "auth/connect_token.hpp"
#include "auth/crypto.hpp"
#include "openssl_ed25519.hpp"

namespace tether::auth {
namespace {

using namespace std::chrono_literals;
using testing::openssl_public_key;
using testing::openssl_sign;
using testing::openssl_verify;

constexpr int64_t now = 1'700'000'000;
const std::string seed(32, 's');

/// A token for T1 in C1 made the old way: claims text, OpenSSL's signature.
std::string old_token(std::string_view signing_seed, int64_t expires) {
  auto kid = key_id(openssl_public_key(signing_seed));
  auto claims = "t1\n" + kid + "\nT1\nC1\n3\n" + std::to_string(expires);
  return to_base64url(claims) + "."
       + to_base64url(openssl_sign(signing_seed, claims));
}

TEST(ConnectTokenCompat, TheNewSignerMakesTheOldTokenBytes) {
  auto signer = token_signer::from_seed(seed);
  ASSERT_TRUE(signer);
  EXPECT_EQ(signer->public_key(), openssl_public_key(seed));
  auto token = signer->issue("T1", "C1", 3, now, 1h);
  EXPECT_EQ(token, old_token(seed, now + 3600));
  // And the old verify takes it: the claims' signature under the key.
  auto dot = token.find('.');
  EXPECT_TRUE(openssl_verify(signer->public_key(),
                             *from_base64url(token.substr(0, dot)),
                             *from_base64url(token.substr(dot + 1))));
}

// Issued by main at ae29cc0 (OpenSSL) from the seed "g" x 32:
// issue("T-7", "C1", 3, 1'700'000'000, 1h).
constexpr const char* golden_public_key
  = "12a41592c8b7c17d4059e7b29b61e8ff96c7415f2f803348f2f017e05b9ea1da";
constexpr const char* golden_token
  = "dDEKMGEyOWJkZjk1ZWE3ODI1MApULTcKQzEKMwoxNzAwMDAzNjAw."
    "t99PeBZy0eVli0gzlSaVeEj4eTyb5sMJ_VsQ3M-MozbaVJ52r79PBmvq3t_s5hQd8_"
    "MYxIXQn_mY2zsoKKZJDA";

TEST(ConnectTokenCompat, TheOldBuildsTokenIsIssuedAndTakenAsBefore) {
  auto signer = token_signer::from_seed(std::string(32, 'g'));
  ASSERT_TRUE(signer);
  EXPECT_EQ(to_hex(signer->public_key()), golden_public_key);
  EXPECT_EQ(signer->issue("T-7", "C1", 3, now, 1h), golden_token);
  token_verifier v;
  ASSERT_TRUE(v.add(*from_hex(golden_public_key)));
  EXPECT_EQ(v.verify(golden_token, "T-7", "C1", now), "");
}

TEST(ConnectTokenCompat, AnOldTokenVerifiesWithTheNewVerifier) {
  token_verifier v; // no issued set: every signature checked
  ASSERT_TRUE(v.add(openssl_public_key(seed)));
  EXPECT_EQ(v.verify(old_token(seed, now + 60), "T1", "C1", now), "");
  EXPECT_EQ(v.verify(old_token(seed, now), "T1", "C1", now),
            "connect token expired; ask GET /v1/terminals/{id}/destination "
            "for a new one");
}

TEST(ConnectTokenCompat, AWrongKeyAFlippedByteOrATruncationIsRefused) {
  token_verifier v;
  ASSERT_TRUE(v.add(openssl_public_key(seed)));
  auto good = old_token(seed, now + 60);
  // Signed by another key but naming the trusted one.
  auto foreign = old_token(std::string(32, 'f'), now + 60);
  auto forged
    = good.substr(0, good.find('.')) + foreign.substr(foreign.find('.'));
  EXPECT_EQ(v.verify(forged, "T1", "C1", now),
            "connect token signature does not verify");
  for (size_t i = good.find('.') + 1; i < good.size(); ++i) {
    auto bad = good;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    EXPECT_NE(v.verify(bad, "T1", "C1", now), "") << i;
  }
  // 84 characters: 63 bytes of signature; 85: not base64url at all.
  EXPECT_EQ(v.verify(good.substr(0, good.size() - 2), "T1", "C1", now),
            "connect token signature does not verify");
  EXPECT_EQ(v.verify(good.substr(0, good.size() - 1), "T1", "C1", now),
            "malformed connect token");
  EXPECT_EQ(v.verify(good.substr(0, good.find('.') + 1), "T1", "C1", now),
            "connect token signature does not verify");
}

} // namespace
} // namespace tether::auth
