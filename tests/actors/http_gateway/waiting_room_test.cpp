// waiting_room: the places of requests waiting for the control plane.
#include "actors/http_gateway/waiting_room.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace tether {
namespace {

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

using namespace std::chrono_literals;

TEST(WaitingRoom, OverTheLimitABurstIsAdmittedWhileTheQueueMoves) {
  waiting_room a{2, 1000ms};
  auto t0 = waiting_room::clock::now();
  std::vector<std::optional<waiting_room::slot>> held;
  for (int i = 0; i < 5; ++i) {
    held.push_back(a.take(t0));
    ASSERT_TRUE(held.back()) << "the oldest has waited no time: " << i;
  }
  EXPECT_EQ(a.waiting(), 5u);
  EXPECT_FALSE(a.take(t0 + 1000ms)) << "the oldest has waited max_wait";
  EXPECT_EQ(a.waiting(), 5u) << "a refusal takes nothing";
  for (int i = 0; i < 4; ++i)
    held[i].reset(); // four answered
  EXPECT_TRUE(a.take(t0 + 5000ms)) << "under the limit: always";
}

TEST(WaitingRoom, TheOldestWaitingRequestIsTheOneAdmittedThatManyPlacesAgo) {
  waiting_room a{1, 1000ms};
  auto t0 = waiting_room::clock::now();
  auto first = a.take(t0);
  auto second = a.take(t0 + 900ms); // over the limit: the first waited 900 ms
  ASSERT_TRUE(first && second);
  EXPECT_FALSE(a.take(t0 + 1000ms)) << "the first has waited 1 s";
  first->release(); // answered: the second is now the oldest (100 ms)
  EXPECT_TRUE(a.take(t0 + 1000ms));
}

TEST(WaitingRoom, WithoutMaxWaitTheLimitIsACap) {
  waiting_room a{1};
  auto t0 = waiting_room::clock::now();
  auto first = a.take(t0);
  ASSERT_TRUE(first);
  EXPECT_FALSE(a.take(t0));
}

TEST(WaitingRoom, NoMoreThanItsRingWaitOverTheLimit) {
  waiting_room a{1, 3600'000ms};
  auto t0 = waiting_room::clock::now();
  std::vector<std::optional<waiting_room::slot>> held;
  for (size_t i = 0; i < waiting_room::ring; ++i) {
    held.push_back(a.take(t0));
    ASSERT_TRUE(held.back()) << i;
  }
  EXPECT_FALSE(a.take(t0)) << "the ring's admission times are all in use";
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
