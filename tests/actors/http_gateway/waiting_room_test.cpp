// waiting_room: the places of requests waiting for the control plane.
#include "actors/http_gateway/waiting_room.hpp"

#include <gtest/gtest.h>

#include <deque>

namespace tether {
namespace {

using namespace std::chrono_literals;
const auto t0 = waiting_room::clock::time_point{} + 1h;

TEST(WaitingRoom, GivesPlacesUpToItsLimitThenNone) {
  waiting_room a{2};
  auto one = a.take();
  auto two = a.take();
  ASSERT_TRUE(one && two);
  EXPECT_EQ(a.waiting(), 2u);
  EXPECT_FALSE(a.take()) << "full";
  EXPECT_EQ(a.waiting(), 2u) << "a refusal takes nothing";
}

TEST(WaitingRoom, APlaceIsGivenBackOnceByReleaseOrDestruction) {
  waiting_room a{1};
  {
    auto place = a.take();
    ASSERT_TRUE(place);
    place->release();
    EXPECT_EQ(a.waiting(), 0u);
    place->release(); // again: nothing
    EXPECT_EQ(a.waiting(), 0u);
    auto other = a.take();
    ASSERT_TRUE(other);
    EXPECT_EQ(a.waiting(), 1u);
  } // `other` destroyed: its place is free again
  EXPECT_EQ(a.waiting(), 0u);
}

TEST(WaitingRoom, AMovedPlaceIsHeldOnceAndGivenBackOnce) {
  waiting_room a{3};
  auto place = a.take();
  ASSERT_TRUE(place);
  {
    waiting_room::slot moved{std::move(*place)};
    EXPECT_EQ(a.waiting(), 1u);
    place.reset(); // the moved-from place gives nothing back
    EXPECT_EQ(a.waiting(), 1u);
  }
  EXPECT_EQ(a.waiting(), 0u);
}

// Over its limit the room still takes a request the control answers in
// time: here one answer every 50 ms with 2 waiting, 150 ms for one more.
TEST(WaitingRoom, OverItsLimitItTakesMoreWhileTheQueueDrainsInTime) {
  waiting_room a{2, 3s};
  std::deque<waiting_room::slot> held;
  held.push_back(std::move(*a.take(t0)));
  held.push_back(std::move(*a.take(t0)));
  EXPECT_FALSE(a.take(t0)) << "a burst's first instant: nothing measured";
  EXPECT_FALSE(a.last_wait());
  for (int i = 1; i <= 6; ++i) {
    held.pop_front(); // the oldest answered: its place is given back
    auto next = a.take(t0 + i * 50ms);
    ASSERT_TRUE(next) << "below the limit again";
    held.push_back(std::move(*next));
  }
  auto over = a.take(t0 + 300ms);
  ASSERT_TRUE(over) << "over the limit, but served within 3 s";
  EXPECT_EQ(a.waiting(), 3u);
  ASSERT_TRUE(a.last_wait());
  EXPECT_EQ(*a.last_wait(), 150ms);
}

// However fast the control answers, no more than the hard limit
// (wait_cap::hard_factor × the limit) ever wait: memory stays bounded.
TEST(WaitingRoom, PastTheHardLimitItRefusesHoweverFastTheQueueDrains) {
  waiting_room a{2, 3s};
  EXPECT_EQ(a.hard_limit(), 16u);
  std::deque<waiting_room::slot> held;
  held.push_back(std::move(*a.take(t0)));
  held.push_back(std::move(*a.take(t0)));
  EXPECT_FALSE(a.take(t0)) << "the queue is long from here on";
  for (int i = 1; i <= 150; ++i) { // one answered every millisecond
    held.pop_front();
    auto next = a.take(t0 + i * 1ms);
    ASSERT_TRUE(next) << i;
    held.push_back(std::move(*next));
  }
  for (int i = 0; i < 14; ++i) {
    auto more = a.take(t0 + 150ms);
    ASSERT_TRUE(more) << i;
    held.push_back(std::move(*more));
  }
  EXPECT_EQ(a.waiting(), 16u);
  EXPECT_FALSE(a.take(t0 + 150ms)) << "the hard limit";
  ASSERT_TRUE(a.last_wait());
  EXPECT_LT(*a.last_wait(), 3s) << "refused by the count, not the wait";
  EXPECT_EQ(a.waiting(), 16u);
}

TEST(WaitingRoom, DeviceAndServiceRoutesCountOperatorRoutesDoNot) {
  using k = api::route;
  for (auto kind : {k::register_terminal, k::destination, k::push_job,
                    k::bulk_push, k::terminal, k::job, k::jobs_list})
    EXPECT_TRUE(waiting_room::counted(kind)) << kind;
  for (auto kind : {k::admin_clusters, k::admin_node, k::label_config_put,
                    k::admin_keys_post, k::healthz, k::metrics, k::ui,
                    k::admin_events, k::not_found})
    EXPECT_FALSE(waiting_room::counted(kind)) << kind;
}

} // namespace
} // namespace tether
