#include "auth/issued_tokens.hpp"

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "auth/connect_token.hpp"

using namespace tether::auth;
using namespace std::chrono_literals;

namespace {
constexpr int64_t now = 1'700'000'000;

/// A signer and a verifier wired as net/auth_setup.cpp wires a process
/// with a gateway and balancers: one set, handed to both.
struct issued_pair {
  issued_pair() : signer(token_signer::from_seed(std::string(32, 'i'))) {
    verifier.add(signer->public_key());
    signer->remember_in(issued);
    verifier.trust_issued(issued);
  }

  std::shared_ptr<token_signer> signer;
  std::shared_ptr<issued_tokens> issued = std::make_shared<issued_tokens>();
  token_verifier verifier;
};

/// `token` with its signature's last character changed: not signed.
std::string unsigned_copy(std::string token) {
  token.back() = token.back() == 'A' ? 'B' : 'A';
  return token;
}
} // namespace

TEST(issued_tokens, a_token_is_found_with_its_exact_bytes_until_forgotten) {
  issued_tokens t;
  t.add("abc.def");
  EXPECT_FALSE(t.issued("abc.deg"));
  EXPECT_FALSE(t.issued("abc.de"));
  EXPECT_TRUE(t.issued("abc.def"));
  EXPECT_TRUE(t.issued("abc.def")); // looking does not use it up
  t.forget("abc.deg");              // not one: nothing happens
  EXPECT_EQ(t.size(), 1u);
  t.forget("abc.def");
  EXPECT_FALSE(t.issued("abc.def"));
  EXPECT_EQ(t.size(), 0u);
}

TEST(issued_tokens, past_the_capacity_the_oldest_are_forgotten) {
  issued_tokens t{3};
  for (int i = 0; i < 5; ++i)
    t.add("token-" + std::to_string(i));
  EXPECT_EQ(t.size(), 3u);
  EXPECT_FALSE(t.issued("token-0"));
  EXPECT_FALSE(t.issued("token-1"));
  EXPECT_TRUE(t.issued("token-2"));
  EXPECT_TRUE(t.issued("token-4"));
}

TEST(issued_tokens, a_zero_capacity_remembers_nothing) {
  issued_tokens t{0};
  t.add("x");
  EXPECT_FALSE(t.issued("x"));
}

// The set is what skips the Ed25519 verify: a token in it is taken without
// checking the signature (here one that would not verify, put in by hand).
TEST(issued_tokens, a_token_in_the_handed_set_skips_the_signature_check) {
  issued_pair p;
  auto bad = unsigned_copy(p.signer->issue("T1", "C1", 0, now, 1h));
  EXPECT_EQ(p.verifier.verify(bad, "T1", "C1", now),
            "connect token signature does not verify");
  p.issued->add(bad);
  EXPECT_EQ(p.verifier.verify(bad, "T1", "C1", now), "");
}

TEST(issued_tokens, the_signer_adds_what_it_issues_and_a_connect_forgets_it) {
  issued_pair p;
  auto token = p.signer->issue("T1", "C1", 0, now, 1h);
  EXPECT_EQ(p.issued->size(), 1u);
  EXPECT_EQ(p.verifier.verify(token, "T1", "C1", now), "");
  EXPECT_EQ(p.issued->size(), 1u); // not used up by the check alone
  p.verifier.connected(token);
  EXPECT_EQ(p.issued->size(), 0u);
  // Again (a reconnect with the same token): verified the long way.
  EXPECT_EQ(p.verifier.verify(token, "T1", "C1", now), "");
}

// take() used to use the entry up even when the connect was refused: a
// refusal after the check (the balancer busy, a flapping ban) or one about
// the request and not the token (another terminal's id) leaves it usable.
TEST(issued_tokens, a_refused_connect_leaves_the_token_in_the_set) {
  issued_pair p;
  auto token = p.signer->issue("T1", "C1", 0, now, 1h);
  EXPECT_EQ(p.verifier.verify(token, "T2", "C1", now),
            "connect token is for another terminal");
  EXPECT_EQ(p.verifier.verify(token, "T1", "C1", now), ""); // then busy
  EXPECT_TRUE(p.issued->issued(token));
  EXPECT_EQ(p.verifier.verify(token, "T1", "C1", now), ""); // the retry
  p.verifier.connected(token);
  EXPECT_FALSE(p.issued->issued(token));
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
  stranger.trust_issued(p.issued);
  auto token = p.signer->issue("T1", "C1", 0, now, 1h);
  EXPECT_EQ(stranger.verify(token, "T1", "C1", now),
            "connect token signed by an unknown key");
}

// No process-wide registry: two wirings with the same signing key share
// nothing, and a signer or verifier without a set keeps or trusts nothing.
TEST(issued_tokens, sets_are_only_what_was_handed_to_each) {
  issued_pair a, b; // the same key (same seed)
  ASSERT_EQ(a.signer->kid(), b.signer->kid());
  auto token = a.signer->issue("T1", "C1", 0, now, 1h);
  EXPECT_EQ(a.issued->size(), 1u);
  EXPECT_EQ(b.issued->size(), 0u);
  auto bad = unsigned_copy(token);
  a.issued->add(bad);
  EXPECT_EQ(b.verifier.verify(bad, "T1", "C1", now),
            "connect token signature does not verify");
  token_verifier plain; // no set: every token verified
  plain.add(a.signer->public_key());
  EXPECT_EQ(plain.verify(bad, "T1", "C1", now),
            "connect token signature does not verify");
  EXPECT_EQ(plain.verify(token, "T1", "C1", now), "");
  plain.connected(token); // nothing to forget
  EXPECT_TRUE(a.issued->issued(token));
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
