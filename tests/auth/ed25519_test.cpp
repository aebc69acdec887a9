// auth/ed25519 (libsodium) against RFC 8032's vectors and against OpenSSL,
// the library that signed and verified tokens before: the same public key
// and signature bytes from a seed, each side's signatures taken by the
// other, and a wrong key, a flipped bit or a truncated signature refused.
#include "auth/ed25519.hpp"

#include <gtest/gtest.h>

#include <string>

#include "auth/crypto.hpp"
#include "openssl_ed25519.hpp"

namespace tether::auth {
namespace {

using testing::openssl_public_key;
using testing::openssl_sign;
using testing::openssl_verify;

struct rfc8032_vector {
  const char* seed;
  const char* public_key;
  const char* message;
  const char* signature;
};

// RFC 8032 section 7.1, TEST 1 (the empty message) and TEST 2 (one byte).
constexpr rfc8032_vector rfc8032[] = {
  {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
   "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
   "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
   "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
  {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
   "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
   "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
   "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
};

std::string unhex(const char* hex) {
  return *from_hex(hex);
}

TEST(Ed25519, IsReady) {
  EXPECT_TRUE(ed25519::ready());
}

TEST(Ed25519, MatchesRfc8032AndOpenSsl) {
  for (const auto& v : rfc8032) {
    auto seed = unhex(v.seed);
    auto message = unhex(v.message);
    auto key = ed25519::signing_key::from_seed(seed);
    ASSERT_TRUE(key);
    EXPECT_EQ(to_hex(key->public_key()), v.public_key);
    EXPECT_EQ(to_hex(key->sign(message)), v.signature);
    EXPECT_TRUE(
      ed25519::verify(unhex(v.public_key), message, unhex(v.signature)));
    // The old path gives the same bytes from the same seed.
    EXPECT_EQ(to_hex(openssl_public_key(seed)), v.public_key);
    EXPECT_EQ(to_hex(openssl_sign(seed, message)), v.signature);
  }
}

TEST(Ed25519, EachLibraryTakesTheOthersSignatures) {
  for (int i = 0; i < 32; ++i) {
    std::string seed(32, static_cast<char>(i * 7 + 1));
    std::string message = "t1\nkid\nT-" + std::to_string(i) + "\nC1\n0\n99";
    auto key = ed25519::signing_key::from_seed(seed);
    ASSERT_TRUE(key);
    auto ours = key->sign(message);
    auto theirs = openssl_sign(seed, message);
    EXPECT_EQ(ours, theirs) << i;
    EXPECT_TRUE(openssl_verify(key->public_key(), message, ours)) << i;
    EXPECT_TRUE(ed25519::verify(openssl_public_key(seed), message, theirs))
      << i;
  }
}

TEST(Ed25519, RefusesAWrongKeyAFlippedBitOrATruncation) {
  const auto& v = rfc8032[1];
  auto pub = unhex(v.public_key);
  auto message = unhex(v.message);
  auto sig = unhex(v.signature);
  ASSERT_TRUE(ed25519::verify(pub, message, sig));
  EXPECT_FALSE(ed25519::verify(unhex(rfc8032[0].public_key), message, sig));
  for (size_t i = 0; i < sig.size(); ++i) {
    auto bad = sig;
    bad[i] ^= static_cast<char>(1 << (i % 8));
    EXPECT_FALSE(ed25519::verify(pub, message, bad)) << i;
    EXPECT_FALSE(openssl_verify(pub, message, bad)) << i;
  }
  EXPECT_FALSE(ed25519::verify(pub, "s", sig)); // another message
  EXPECT_FALSE(ed25519::verify(pub, message, sig.substr(0, 63)));
  EXPECT_FALSE(ed25519::verify(pub, message, sig + "x"));
  EXPECT_FALSE(ed25519::verify(pub.substr(0, 31), message, sig));
  EXPECT_FALSE(ed25519::verify("", message, sig));
}

TEST(Ed25519, ASeedIsThirtyTwoBytes) {
  EXPECT_FALSE(ed25519::signing_key::from_seed(std::string(31, 's')));
  EXPECT_FALSE(ed25519::signing_key::from_seed(std::string(33, 's')));
  EXPECT_TRUE(ed25519::signing_key::from_seed(std::string(32, 's')));
}

} // namespace
} // namespace tether::auth
