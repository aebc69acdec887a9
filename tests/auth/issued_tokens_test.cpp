#include "auth/issued_tokens.hpp"

#include <string>

#include <gtest/gtest.h>

#include "auth/connect_token.hpp"

using namespace tether::auth;
using namespace std::chrono_literals;

namespace {
constexpr int64_t now = 1'700'000'000;

/// A signer whose tokens are kept (a key of these tests only), and a
/// verifier that knows its key; the kept set is dropped at the end.
struct issued_pair {
  issued_pair()
      : signer(token_signer::from_seed(std::string(32, 'i'))),
        issued(issued_tokens::keep_for(signer->kid())) {
    verifier.add(signer->public_key());
  }
  ~issued_pair() { issued_tokens::drop(signer->kid()); }

  std::shared_ptr<token_signer> signer;
  std::shared_ptr<issued_tokens> issued;
  token_verifier verifier;
};
} // namespace

TEST(issued_tokens, a_token_is_taken_once_and_only_with_its_exact_bytes) {
  issued_tokens t;
  t.add("abc.def");
  EXPECT_FALSE(t.take("abc.deg"));
  EXPECT_FALSE(t.take("abc.de"));
  EXPECT_EQ(t.size(), 1u);
  EXPECT_TRUE(t.take("abc.def"));
  EXPECT_FALSE(t.take("abc.def"));
  EXPECT_EQ(t.size(), 0u);
}

TEST(issued_tokens, past_the_capacity_the_oldest_are_forgotten) {
  issued_tokens t{3};
  for (int i = 0; i < 5; ++i)
    t.add("token-" + std::to_string(i));
  EXPECT_EQ(t.size(), 3u);
  EXPECT_FALSE(t.take("token-0"));
  EXPECT_FALSE(t.take("token-1"));
  EXPECT_TRUE(t.take("token-2"));
  EXPECT_TRUE(t.take("token-4"));
  EXPECT_TRUE(t.take("token-3"));
  EXPECT_EQ(t.size(), 0u);
}

TEST(issued_tokens, a_zero_capacity_remembers_nothing) {
  issued_tokens t{0};
  t.add("x");
  EXPECT_FALSE(t.take("x"));
}

TEST(issued_tokens,
     the_signer_remembers_what_it_issues_and_the_verifier_takes_it) {
  issued_pair p;
  auto token = p.signer->issue("T1", "C1", 0, now, 1h);
  EXPECT_EQ(p.issued->size(), 1u);
  EXPECT_EQ(p.verifier.verify(token, "T1", "C1", now), "");
  EXPECT_EQ(p.issued->size(), 0u);
  // Again (a reconnect with the same token): verified the long way.
  EXPECT_EQ(p.verifier.verify(token, "T1", "C1", now), "");
}

TEST(issued_tokens, a_token_issued_here_still_passes_every_other_check) {
  issued_pair p;
  auto for_t1 = [&] {
    return p.signer->issue("T1", "C1", 3, now, 1h);
  };
  EXPECT_EQ(p.verifier.verify(for_t1(), "T2", "C1", now),
            "connect token is for another terminal");
  EXPECT_NE(p.verifier.verify(for_t1(), "T1", "C2", now), "");
  EXPECT_NE(p.verifier.verify(for_t1(), "T1", "C1", now + 3600), "");
  p.verifier.revoke("T1", 4);
  EXPECT_EQ(p.verifier.verify(for_t1(), "T1", "C1", now),
            "connect token revoked");
}

TEST(issued_tokens, a_token_issued_here_needs_its_key_known_to_the_verifier) {
  issued_pair p;
  token_verifier stranger; // in the same process, knows no key
  auto token = p.signer->issue("T1", "C1", 0, now, 1h);
  EXPECT_EQ(stranger.verify(token, "T1", "C1", now),
            "connect token signed by an unknown key");
}

TEST(issued_tokens, without_a_kept_set_nothing_is_remembered) {
  auto signer = token_signer::from_seed(std::string(32, 'j'));
  EXPECT_EQ(issued_tokens::of_key(signer->kid()), nullptr);
  token_verifier v;
  v.add(signer->public_key());
  auto token = signer->issue("T1", "C1", 0, now, 1h);
  EXPECT_EQ(issued_tokens::of_key(signer->kid()), nullptr);
  EXPECT_EQ(v.verify(token, "T1", "C1", now), "");
}

TEST(issued_tokens, a_changed_token_is_verified_the_long_way_and_refused) {
  issued_pair p;
  auto token = p.signer->issue("T1", "C1", 0, now, 1h);
  auto forged_claims = p.signer->issue("T1", "C1", 0, now, 2h);
  // The claims of one token with the signature of the other: neither was
  // issued as such, and the signature does not match the claims.
  auto forged = forged_claims.substr(0, forged_claims.find('.'))
              + token.substr(token.find('.'));
  EXPECT_EQ(p.verifier.verify(forged, "T1", "C1", now),
            "connect token signature does not verify");
}
