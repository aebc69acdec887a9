// auth/crypto: HMAC-SHA256 and SHA-256 against published vectors (RFC 4231,
// FIPS 180-2), and the per-thread HMAC context keyed again on every call:
// a call never reuses the key of the call before it (an empty key included),
// on any thread.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "auth/crypto.hpp"

namespace tether::auth {
namespace {

std::string hmac_hex(std::string_view key, std::string_view data) {
  return to_hex(hmac_sha256(key, data));
}

TEST(Crypto, HmacSha256MatchesRfc4231) {
  EXPECT_EQ(hmac_hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hmac_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // A key longer than SHA-256's block is hashed first.
  EXPECT_EQ(hmac_hex(std::string(131, '\xaa'),
                     "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(Crypto, EachCallUsesItsOwnKeyEvenAnEmptyOne) {
  // After a call under "Jefe", an empty key is the empty key, not "Jefe".
  EXPECT_EQ(hmac_hex("Jefe", ""),
            "923598ca6d64af2a5dba79dcd021a8a0fe5c5f557519adaaf0ad532d4506dd30");
  EXPECT_EQ(hmac_hex("", "data"),
            "e528c4d99e6177f5841f712a143b90843299a4aa181a06501422d9ca862bd2a5");
  EXPECT_EQ(hmac_hex(std::string_view{}, "data"),
            "e528c4d99e6177f5841f712a143b90843299a4aa181a06501422d9ca862bd2a5");
  EXPECT_EQ(hmac_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, HmacIsTheSameOnEveryThread) {
  std::vector<std::string> got(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < got.size(); ++i)
    threads.emplace_back([&got, i] {
      for (int n = 0; n < 100; ++n) {
        hmac_sha256("other key " + std::to_string(n), "other data");
        got[i] = hmac_hex("Jefe", "what do ya want for nothing?");
      }
    });
  for (auto& t : threads)
    t.join();
  for (const auto& g : got)
    EXPECT_EQ(
      g, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, Sha256MatchesFips180) {
  EXPECT_EQ(to_hex(sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(to_hex(sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

} // namespace
} // namespace tether::auth
