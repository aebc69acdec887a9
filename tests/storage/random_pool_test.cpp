// random_pool: small draws come from a block fetched once, never twice the
// same bytes; large draws and a failing source behave as documented.
#include "storage/random_pool.hpp"

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "storage/secrets_dir.hpp"

namespace {

using tether::storage::random_pool;

/// A counting source: byte k of its output is the k-th byte it ever gave
/// (mod 256), so every position of its stream is recognisable.
struct counting {
  static inline size_t calls = 0;
  static inline size_t bytes = 0;
  static inline uint64_t next = 0;
  static bool draw(unsigned char* out, size_t n) {
    ++calls;
    bytes += n;
    for (size_t i = 0; i < n; ++i)
      out[i] = static_cast<unsigned char>(next++);
    return true;
  }
  static void reset() { calls = bytes = next = 0; }
};

TEST(RandomPool, SmallDrawsShareOneBlockAndNeverRepeatItsBytes) {
  counting::reset();
  random_pool pool{counting::draw};
  std::vector<unsigned char> seen;
  for (int i = 0; i < 64; ++i) { // 64 draws of 8 bytes = one 512-byte block
    unsigned char b[8];
    pool.fill(b, sizeof b);
    seen.insert(seen.end(), b, b + sizeof b);
  }
  EXPECT_EQ(counting::calls, 1u) << "one system call for 64 job ids";
  ASSERT_EQ(seen.size(), 512u);
  for (size_t i = 0; i < seen.size(); ++i)
    ASSERT_EQ(seen[i], static_cast<unsigned char>(i)) << "byte " << i;
  unsigned char b[8];
  pool.fill(b, sizeof b); // the 65th draw needs a new block
  EXPECT_EQ(counting::calls, 2u);
  EXPECT_EQ(b[0], static_cast<unsigned char>(512));
}

TEST(RandomPool, ADrawLargerThanTheRestTakesAFreshBlock) {
  counting::reset();
  random_pool pool{counting::draw};
  unsigned char b[60];
  for (int i = 0; i < 8; ++i) // 480 of 512 bytes used
    pool.fill(b, sizeof b);
  EXPECT_EQ(counting::calls, 1u);
  pool.fill(b, sizeof b); // 32 left: not enough, a new block
  EXPECT_EQ(counting::calls, 2u);
  EXPECT_EQ(b[0], static_cast<unsigned char>(512)) << "no byte given twice";
}

TEST(RandomPool, LargeDrawsGoToTheSourceDirectly) {
  counting::reset();
  random_pool pool{counting::draw};
  std::vector<unsigned char> big(random_pool::max_pooled + 1);
  pool.fill(big.data(), big.size());
  EXPECT_EQ(counting::calls, 1u);
  EXPECT_EQ(counting::bytes, big.size()) << "no block fetched beside it";
}

TEST(RandomPoolDeathTest, AFailingSourceStopsTheProcess) {
  random_pool pool{[](unsigned char*, size_t) {
    return false;
  }};
  unsigned char b[8];
  EXPECT_DEATH(pool.fill(b, sizeof b), "no random bytes");
}

TEST(RandomPool, KernelRandomIsNotConstant) {
  std::set<std::string> ids;
  for (int i = 0; i < 10'000; ++i)
    ids.insert(tether::storage::random_hex(8));
  EXPECT_EQ(ids.size(), 10'000u);
  auto one = *ids.begin();
  EXPECT_EQ(one.size(), 16u);
  EXPECT_TRUE(std::all_of(one.begin(), one.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  }));
}

TEST(RandomPool, ThreadsDrawDifferentBytes) {
  std::string a, b;
  std::thread t1{[&] {
    a = tether::storage::random_hex(16);
  }};
  std::thread t2{[&] {
    b = tether::storage::random_hex(16);
  }};
  t1.join();
  t2.join();
  EXPECT_NE(a, b);
  EXPECT_NE(a, tether::storage::random_hex(16));
}

} // namespace
