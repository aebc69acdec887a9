#include "actors/system/interned.hpp"

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

using tether::interned;

namespace {
/// Runs `body(i)` for i in [0, rounds) on each of four threads at once.
template <class Body>
void on_four_threads(int rounds, Body body) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&body, rounds] {
      for (int i = 0; i < rounds; ++i)
        body(i);
    });
  for (auto& t : threads)
    t.join();
}
} // namespace

TEST(Interned, EqualTextsShareOneEntryThatLeavesWithItsLastHolder) {
  auto before = interned::pool_size();
  std::string text
    = "firmware-4.12.3-build-20261206"; // past the short-string size
  {
    interned a{text};
    interned b{std::string{text}};
    EXPECT_EQ(a, b);
    EXPECT_EQ(&a.str(), &b.str()); // one copy of the text
    EXPECT_EQ(a, text);
    EXPECT_EQ(interned::pool_size(), before + 1);
    {
      interned c = a; // a copy holds it too
      a = interned{"other-text-long-enough-for-the-heap"};
      EXPECT_EQ(interned::pool_size(), before + 2);
      EXPECT_EQ(c, text);
    }
    EXPECT_EQ(interned::pool_size(), before + 2); // b still holds it
  }
  EXPECT_EQ(interned::pool_size(), before);
}

TEST(Interned, EmptyTextIsNoEntryAndDiffersFromEveryOther) {
  auto before = interned::pool_size();
  interned none;
  interned empty{""};
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none, empty);
  EXPECT_EQ(none.str(), "");
  EXPECT_EQ(interned::pool_size(), before);
  interned x{"x"};
  EXPECT_FALSE(x == none);
  EXPECT_FALSE(x == "y");
  std::string back = x; // reads as a string
  EXPECT_EQ(back, "x");
}

TEST(Interned, MovedFromHolderHoldsNothing) {
  auto before = interned::pool_size();
  interned a{"moving-text"};
  interned b{std::move(a)};
  EXPECT_TRUE(a.empty()); // NOLINT: the moved-from state is specified
  EXPECT_EQ(b, "moving-text");
  EXPECT_EQ(interned::pool_size(), before + 1);
  b = interned{};
  EXPECT_EQ(interned::pool_size(), before);
}

// Holders made and dropped on several threads at once (the pool is shared
// by every actor of the process): every text is still right and the pool
// ends empty of them.
TEST(Interned, ThreadsInterningTheSameTextsKeepThePoolRight) {
  auto before = interned::pool_size();
  on_four_threads(20'000, [](int i) {
    auto text = "cluster-" + std::to_string(i % 7);
    interned a{text};
    interned b = a;
    ASSERT_EQ(b, text);
  });
  EXPECT_EQ(interned::pool_size(), before);
}

// The last holder of a text leaving (under the pool's mutex) while other
// threads intern the same text and drop copies without the lock: the count
// never reaches 0 outside the mutex, so no thread finds a node that is
// being deleted, every holder reads its text, and the pool ends as before.
// (A destructor that decrements first and locks only at 0 lets an intern()
// revive a node being deleted: this test then fails or crashes in most
// runs here, and AddressSanitizer reports the use after free in every one.)
TEST(Interned, LastHoldersLeavingWhileOthersInternAndCopyKeepThePoolRight) {
  auto before = interned::pool_size();
  std::string shared = "node-shared-by-every-thread-past-sso";
  on_four_threads(100'000, [&shared](int i) {
    interned a{shared}; // often the only holder: 1 -> 0 under the lock
    ASSERT_EQ(a.str(), shared);
    if (i % 4 == 0) {
      interned b = a; // dropped while `a` remains: no lock
      ASSERT_EQ(b, shared);
    }
  });
  EXPECT_EQ(interned::pool_size(), before);
}

// A long-held text stays one entry while threads copy and drop it (the
// lock-free path); its count comes back to the one holder left.
TEST(Interned, CopiesDroppedOnManyThreadsLeaveTheHeldTextInThePool) {
  auto before = interned::pool_size();
  interned held{"cluster-held-for-the-whole-test-long"};
  on_four_threads(50'000, [&held](int) {
    interned copy = held;
    interned again{"cluster-held-for-the-whole-test-long"};
    ASSERT_EQ(copy, again);
  });
  EXPECT_EQ(interned::pool_size(), before + 1);
  held = interned{};
  EXPECT_EQ(interned::pool_size(), before);
}
