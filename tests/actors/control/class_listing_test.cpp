// control/class_listing: the GE/GF classes as the admin API lists them.
#include "actors/control/class_listing.hpp"

#include <gtest/gtest.h>

namespace tether {
namespace {

using membership = disconnect_tracker::membership;

config::label_rules rules_with_ttl(int64_t ttl_ms) {
  config::label_rules r;
  r.class_ttl = std::chrono::milliseconds{ttl_ms};
  return r;
}

disconnect_tracker with_classes(int64_t ttl_ms) {
  disconnect_tracker t{rules_with_ttl(ttl_ms)};
  for (auto id : {"t3", "t1", "t2"})
    t.load(membership{id, "ge-1000", "", 0, false, false});
  t.load(membership{"t9", "", "GG7", 5'000, false, false});
  t.load(membership{"t1", "", "GG7", 7'000, false, false});
  return t;
}

TEST(ClassListing, ListsEachClassWithKindMembersAndTimes) {
  auto cs = list_classes(with_classes(60'000), 10);
  ASSERT_EQ(cs.size(), 2u);
  EXPECT_EQ(cs[0].name, "GG7");
  EXPECT_EQ(cs[0].kind, "failure");
  EXPECT_EQ(cs[0].members, 2u);
  EXPECT_EQ(cs[0].member_ids, (std::vector<std::string>{"t1", "t9"}));
  EXPECT_EQ(cs[0].formed_ms, 5'000); // the earliest stored time
  EXPECT_EQ(cs[0].expires_ms, 65'000);
  EXPECT_EQ(cs[1].name, "ge-1000");
  EXPECT_EQ(cs[1].kind, "disconnect");
  EXPECT_EQ(cs[1].members, 3u);
  EXPECT_EQ(cs[1].member_ids, (std::vector<std::string>{"t1", "t2", "t3"}));
  EXPECT_EQ(cs[1].formed_ms, 1'000'000); // from the name's unix seconds
  EXPECT_EQ(cs[1].expires_ms, 1'060'000);
}

TEST(ClassListing, BoundsTheIdsButCountsEveryMember) {
  auto cs = list_classes(with_classes(60'000), 1);
  ASSERT_EQ(cs.size(), 2u);
  EXPECT_EQ(cs[1].members, 3u);
  EXPECT_EQ(cs[1].member_ids, (std::vector<std::string>{"t1"}));
  EXPECT_TRUE(list_classes(with_classes(60'000), 0)[0].member_ids.empty());
}

TEST(ClassListing, NoTtlMeansNoExpiry) {
  for (const auto& c : list_classes(with_classes(0), 10))
    EXPECT_EQ(c.expires_ms, 0);
}

TEST(ClassListing, ClearedClassIsGoneAndEmptyTrackerListsNothing) {
  auto t = with_classes(60'000);
  ASSERT_TRUE(t.clear("ge-1000"));
  auto cs = list_classes(t, 10);
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].name, "GG7");
  EXPECT_TRUE(list_classes(disconnect_tracker{}, 10).empty());
}

TEST(ClassPage, PagesTheMembersInIdOrderAfterACursor) {
  auto t = with_classes(60'000);
  auto first = class_page(t, "ge-1000", "", 2);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->kind, "disconnect");
  EXPECT_EQ(first->members, 3u);
  EXPECT_EQ(first->member_ids, (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(first->expires_ms, 1'060'000);
  auto rest = class_page(t, "ge-1000", "t2", 2);
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->member_ids, (std::vector<std::string>{"t3"}));
  EXPECT_TRUE(class_page(t, "ge-1000", "t3", 2)->member_ids.empty());
  auto gf = class_page(t, "GG7", "", 10);
  ASSERT_TRUE(gf);
  EXPECT_EQ(gf->kind, "failure");
  EXPECT_EQ(gf->member_ids, (std::vector<std::string>{"t1", "t9"}));
}

TEST(ClassPage, UnknownClassIsNothing) {
  EXPECT_FALSE(class_page(with_classes(60'000), "ge-9", "", 10));
}

} // namespace
} // namespace tether
