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

TEST(connect_token, a_revoked_generation_is_refused) {
  auto signer = token_signer::from_seed(std::string(32, 's'));
  token_verifier v;
  v.add(signer->public_key());
  auto old_token = signer->issue("T1", "C1", 0, now, 1h);
  EXPECT_EQ(v.min_generation("T1"), 0u);
  EXPECT_TRUE(v.revoke("T1", 1));
  EXPECT_FALSE(v.revoke("T1", 1)); // already known: nothing new
  EXPECT_FALSE(v.revoke("T1", 0)); // never goes down
  EXPECT_EQ(v.min_generation("T1"), 1u);
  EXPECT_EQ(v.verify(old_token, "T1", "C1", now), "connect token revoked");
  EXPECT_EQ(v.verify(signer->issue("T1", "C1", 1, now, 1h), "T1", "C1", now),
            "");
  // Other terminals are not affected.
  EXPECT_EQ(v.verify(signer->issue("T2", "C1", 0, now, 1h), "T2", "C1", now),
            "");
}

namespace {
void write_keys(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "w");
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}
} // namespace

TEST(connect_token, key_lines_parse_with_an_optional_end) {
  auto a = token_signer::from_seed(std::string(32, 'a'));
  auto line = key_line({a->public_key(), 0});
  EXPECT_EQ(line, to_hex(a->public_key()));
  auto with_end = parse_key_line(line + " 1700000100\r");
  ASSERT_TRUE(with_end);
  EXPECT_EQ(with_end->public_key, a->public_key());
  EXPECT_EQ(with_end->until_s, 1'700'000'100);
  EXPECT_EQ(key_line(*with_end), line + " 1700000100");
  EXPECT_FALSE(parse_key_line(line + " soon"));
  EXPECT_FALSE(parse_key_line("abcd"));
}

// Rotation: the old signing key verifies until the time on its line; a key
// removed from the file stops verifying at the next reload (10 s).
TEST(connect_token, a_retired_or_removed_key_stops_verifying) {
  auto path = ::testing::TempDir() + "/token-keys-rotation";
  auto old_key = token_signer::from_seed(std::string(32, 'o'));
  auto new_key = token_signer::from_seed(std::string(32, 'n'));
  write_keys(path, to_hex(new_key->public_key()) + "\n"
                     + key_line({old_key->public_key(), now + 60}) + "\n");
  token_verifier v{path};
  auto old_token = old_key->issue("T", "C", 0, now, 1h);
  auto new_token = new_key->issue("T", "C", 0, now, 1h);
  EXPECT_EQ(v.verify(old_token, "T", "C", now), "");
  EXPECT_EQ(v.verify(new_token, "T", "C", now), "");
  // Past the old key's end: refused (its tokens should have expired).
  {
    token_verifier later{path};
    EXPECT_EQ(later.verify(old_token, "T", "C", now + 59), "");
    EXPECT_EQ(later.verify(old_token, "T", "C", now + 61),
              "connect token signed by an unknown key");
  }
  // Removed from the file: refused once the file is read again.
  write_keys(path, to_hex(new_key->public_key()) + "\n");
  EXPECT_EQ(v.verify(old_token, "T", "C", now + 20),
            "connect token signed by an unknown key");
  EXPECT_EQ(v.verify(new_token, "T", "C", now + 20), "");
  // A key given with `add` stays whatever the file says.
  token_verifier pinned{path};
  pinned.add(old_key->public_key());
  EXPECT_EQ(pinned.verify(old_token, "T", "C", now + 20), "");
}

TEST(connect_token, a_new_signer_retires_the_previous_one) {
  auto a = token_signer::from_seed(std::string(32, 'a'));
  auto b = token_signer::from_seed(std::string(32, 'b'));
  auto c = token_signer::from_seed(std::string(32, 'c'));
  // First start: only the signer.
  EXPECT_EQ(public_key_file("", a->public_key(), now, 1h),
            to_hex(a->public_key()) + "\n");
  // The same signer again: unchanged.
  auto first = public_key_file("", a->public_key(), now, 1h);
  EXPECT_EQ(public_key_file(first, a->public_key(), now + 5, 1h), first);
  // A new signer: the old key verifies for one token lifetime more.
  auto second = public_key_file(first, b->public_key(), now + 10, 1h);
  EXPECT_EQ(second, to_hex(b->public_key()) + "\n" + to_hex(a->public_key())
                      + " " + std::to_string(now + 10 + 3600) + "\n");
  // Later, past that end, it is dropped.
  auto third = public_key_file(second, c->public_key(), now + 4000, 1h);
  EXPECT_EQ(third, to_hex(c->public_key()) + "\n" + to_hex(b->public_key())
                     + " " + std::to_string(now + 4000 + 3600) + "\n");
}
