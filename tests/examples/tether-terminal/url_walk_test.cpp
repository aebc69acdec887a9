// Where a simulated device is in its cluster_urls
// (examples/tether-terminal/url_walk.hpp): a walk goes round the list once;
// after a connection lost without a close frame it starts at the next URL.
#include "tether-terminal/url_walk.hpp"

#include <gtest/gtest.h>

#include <vector>

using tether::terminal::balancer_lost;
using tether::terminal::url_walk;

namespace {

/// The indexes one walk visits, up to and including its last.
std::vector<std::size_t> visits(url_walk w) {
  std::vector<std::size_t> out{w.current()};
  for (int guard = 0; !w.last() && guard < 100; ++guard) {
    w.next();
    out.push_back(w.current());
  }
  return out;
}

} // namespace

TEST(UrlWalk, ANewListIsWalkedInOrderOnce) {
  url_walk w;
  w.reset(4);
  EXPECT_EQ(visits(w), (std::vector<std::size_t>{0, 1, 2, 3}));
}

TEST(UrlWalk, AfterALostConnectionTheWalkStartsAtTheNextUrlAndGoesRound) {
  url_walk w;
  w.reset(4);
  w.next(); // connected at index 1, then lost
  w.after_lost();
  EXPECT_EQ(visits(w), (std::vector<std::size_t>{2, 3, 0, 1}));
  w.reset(4);
  for (int i = 0; i < 3; ++i)
    w.next(); // connected at the last URL of the list, then lost
  w.after_lost();
  EXPECT_EQ(visits(w), (std::vector<std::size_t>{0, 1, 2, 3}));
}

TEST(UrlWalk, AServerCloseStartsAtTheFirstUrlAgain) {
  url_walk w;
  w.reset(3);
  w.next();
  w.from_first();
  EXPECT_EQ(visits(w), (std::vector<std::size_t>{0, 1, 2}));
}

// No close frame, or 1001 (the balancer's process stops): that URL is
// most likely dead; any other close came from a balancer that stays.
TEST(UrlWalk, NoCloseFrameOr1001LoseTheBalancer) {
  EXPECT_TRUE(balancer_lost(0));
  EXPECT_TRUE(balancer_lost(1001));
  for (int code : {1000, 1008, 1011, 1013, 4000, 4001})
    EXPECT_FALSE(balancer_lost(code)) << code;
}

TEST(UrlWalk, OneUrlIsItsOwnNext) {
  url_walk w;
  w.reset(1);
  w.after_lost();
  EXPECT_EQ(visits(w), (std::vector<std::size_t>{0}));
  url_walk empty; // no list yet: nothing to walk, index 0 and last
  EXPECT_EQ(empty.current(), 0u);
  EXPECT_TRUE(empty.last());
}
