#include "auth/connect_token.hpp"

#include <gtest/gtest.h>

#include "auth/crypto.hpp"

using namespace tether::auth;
using namespace std::chrono_literals;

namespace {
constexpr int64_t now = 1'700'000'000;
} // namespace

TEST(connect_token, issued_tokens_verify_for_their_terminal_and_cluster) {
  auto signer = token_signer::from_seed(std::string(32, 's'));
  ASSERT_TRUE(signer);
  token_verifier v;
  ASSERT_TRUE(v.add(signer->public_key()));
  auto t = signer->issue("T1", "C1", 0, now, 24h);
  auto c = peek_token(t);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kid, signer->kid());
  EXPECT_EQ(c->expires_s, now + 86400);
  EXPECT_EQ(v.verify(t, "T1", "C1", now), "");
  EXPECT_EQ(v.verify(t, "T2", "C1", now),
            "connect token is for another terminal");
  EXPECT_NE(v.verify(t, "T1", "C2", now), "");
  EXPECT_NE(v.verify(t, "T1", "C1", now + 86400), "");
  EXPECT_NE(v.verify("", "T1", "C1", now), "");
  EXPECT_EQ(v.verify("garbage", "T1", "C1", now), "malformed connect token");
}

TEST(connect_token, a_flipped_bit_or_a_foreign_key_fails) {
  auto signer = token_signer::from_seed(std::string(32, 's'));
  auto foreign = token_signer::from_seed(std::string(32, 'f'));
  token_verifier v;
  v.add(signer->public_key());
  auto t = signer->issue("T1", "C1", 0, now, 1h);
  for (size_t i = 0; i < t.size(); i += 7) {
    auto bad = t;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    EXPECT_NE(v.verify(bad, "T1", "C1", now), "") << i;
  }
  EXPECT_EQ(v.verify(foreign->issue("T1", "C1", 0, now, 1h), "T1", "C1", now),
            "connect token signed by an unknown key");
  // A forged token naming the trusted kid but signed by another key.
  auto forged = foreign->issue("T1", "C1", 0, now, 1h);
  auto claims = *peek_token(t);
  auto text
    = "t1\n" + claims.kid + "\nT1\nC1\n0\n" + std::to_string(now + 3600);
  forged = to_base64url(text) + forged.substr(forged.find('.'));
  EXPECT_EQ(v.verify(forged, "T1", "C1", now),
            "connect token signature does not verify");
}

TEST(connect_token, keys_rotate_through_the_key_file) {
  auto dir = ::testing::TempDir() + "/token-keys";
  auto a = token_signer::from_seed(std::string(32, 'a'));
  auto b = token_signer::from_seed(std::string(32, 'b'));
  {
    FILE* f = std::fopen(dir.c_str(), "w");
    auto text = to_hex(a->public_key()) + "\n" + to_hex(b->public_key()) + "\n";
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  token_verifier v{dir};
  EXPECT_EQ(v.verify(a->issue("T", "C", 0, now, 1h), "T", "C", now), "");
  EXPECT_EQ(v.verify(b->issue("T", "C", 0, now, 1h), "T", "C", now), "");
}

TEST(crypto, hex_and_base64url_round_trip) {
  for (std::string s : {"", "a", "ab", "abc", "abcd", "\xff\x00\x10"}) {
    EXPECT_EQ(from_base64url(to_base64url(s)), s);
    EXPECT_EQ(from_hex(to_hex(s)), s);
  }
  EXPECT_FALSE(from_hex("0g"));
  EXPECT_FALSE(from_base64url("a"));
}
