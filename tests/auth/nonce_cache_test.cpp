#include "auth/nonce_cache.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

using tether::auth::nonce_cache;

TEST(nonce_cache, a_nonce_is_refused_while_it_lives_and_forgotten_after) {
  nonce_cache c;
  EXPECT_EQ(c.insert("a", 1300, 1000), nonce_cache::result::fresh);
  EXPECT_EQ(c.insert("a", 1300, 1200), nonce_cache::result::replayed);
  EXPECT_EQ(c.insert("b", 1300, 1200), nonce_cache::result::fresh);
  EXPECT_EQ(c.insert("a", 1700, 1301), nonce_cache::result::fresh);
  EXPECT_EQ(c.size(), 1u); // b expired with the old a
}

TEST(nonce_cache, when_full_new_nonces_are_refused_not_old_ones_evicted) {
  nonce_cache c{2};
  EXPECT_EQ(c.insert("a", 100, 0), nonce_cache::result::fresh);
  EXPECT_EQ(c.insert("b", 200, 0), nonce_cache::result::fresh);
  EXPECT_EQ(c.insert("c", 200, 0), nonce_cache::result::full);
  EXPECT_EQ(c.insert("a", 100, 50), nonce_cache::result::replayed);
  EXPECT_EQ(c.insert("c", 200, 101), nonce_cache::result::fresh); // a expired
  EXPECT_EQ(c.size(), 2u);
}

// Nonces are kept as digests: keys as the verifier makes them (terminal id,
// a space, a 64-digit nonce) that differ in one character anywhere are
// still told apart, and each is refused again while it lives.
TEST(nonce_cache, keys_differing_in_one_character_are_told_apart) {
  nonce_cache c;
  std::string base = "terminal-0001 " + std::string(64, 'a');
  std::vector<std::string> keys{base};
  for (size_t at : {size_t{0}, size_t{12}, base.size() - 1}) {
    auto k = base;
    k[at] = 'b';
    keys.push_back(k);
  }
  for (const auto& k : keys)
    EXPECT_EQ(c.insert(k, 100, 0), nonce_cache::result::fresh) << k;
  for (const auto& k : keys)
    EXPECT_EQ(c.insert(k, 100, 50), nonce_cache::result::replayed) << k;
  EXPECT_EQ(c.size(), keys.size());
}
