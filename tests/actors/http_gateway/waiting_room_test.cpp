// waiting_room: the places of requests waiting for the control plane.
#include "actors/http_gateway/waiting_room.hpp"

#include <gtest/gtest.h>

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
