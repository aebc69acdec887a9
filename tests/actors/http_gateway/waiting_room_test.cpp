// waiting_room: the places of requests waiting for the control plane.
#include "actors/http_gateway/waiting_room.hpp"

#include <gtest/gtest.h>

#include <vector>

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
// time: here one answer in 100 ms with 2 waiting, 300 ms for one more.
TEST(WaitingRoom, OverItsLimitItTakesMoreWhileTheQueueDrainsInTime) {
  waiting_room a{2, 3s};
  auto one = a.take(t0);
  auto two = a.take(t0);
  EXPECT_FALSE(a.take(t0)) << "a burst's first instant: nothing measured";
  EXPECT_FALSE(a.last_wait());
  one->release(); // answered
  auto three = a.take(t0 + 50ms);
  ASSERT_TRUE(three) << "below the limit again";
  auto four = a.take(t0 + 100ms);
  ASSERT_TRUE(four) << "over the limit, but served within 3 s";
  EXPECT_EQ(a.waiting(), 3u);
  ASSERT_TRUE(a.last_wait());
  EXPECT_EQ(*a.last_wait(), 300ms);
}

// However fast the control answers, no more than the hard limit
// (wait_cap::hard_factor × the limit) ever wait: memory stays bounded.
TEST(WaitingRoom, PastTheHardLimitItRefusesHoweverFastTheQueueDrains) {
  waiting_room a{1, 3s};
  EXPECT_EQ(a.hard_limit(), 8u);
  auto held = a.take(t0);
  EXPECT_FALSE(a.take(t0)) << "the queue is long from here on";
  for (int i = 1; i <= 20; ++i) { // one answered every millisecond
    held.reset();                 // answered: its place is given back
    auto next = a.take(t0 + i * 1ms);
    ASSERT_TRUE(next) << i;
    held.emplace(std::move(*next));
  }
  std::vector<waiting_room::slot> places;
  for (int i = 0; i < 7; ++i) {
    auto more = a.take(t0 + 20ms);
    ASSERT_TRUE(more) << i;
    places.push_back(std::move(*more));
  }
  EXPECT_EQ(a.waiting(), 8u);
  EXPECT_FALSE(a.take(t0 + 20ms)) << "the hard limit";
  ASSERT_TRUE(a.last_wait());
  EXPECT_LT(*a.last_wait(), 3s) << "refused by the count, not the wait";
  EXPECT_EQ(a.waiting(), 8u);
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
