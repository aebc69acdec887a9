// tier_caps and balancer health in the cluster manager's state: caps at
// their boundary, only the capped tier refused, the recount from reports,
// placement around a full cluster, and dead balancers listed last.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/actors/cluster_manager/clusters.hpp"

namespace tether::test {
namespace {

config::cluster_config capped(const std::string& id, uint32_t max,
                              uint32_t free_cap) {
  config::cluster_config c;
  c.id = id;
  c.max_connections = max;
  c.caps["plan"]["free"] = free_cap;
  return c;
}

terminal_record device(const std::string& id, const std::string& plan) {
  terminal_record r;
  r.terminal_id = id;
  if (!plan.empty())
    r.attributes["plan"] = plan;
  return r;
}

balancer_status report(const std::string& cluster, uint32_t all, uint32_t free,
                       const std::string& balancer = "b1") {
  balancer_status b;
  b.balancer_id = balancer;
  b.cluster_id = cluster;
  b.tiers["*"] = all;
  if (free > 0)
    b.tiers["plan=free"] = free;
  return b;
}

TEST(TierCaps, OnlyCappedAttributesAreTiers) {
  tier_caps caps;
  caps.configure({capped("C1", 0, 5)});
  auto r = device("T1", "free");
  r.attributes["colour"] = "red";
  EXPECT_EQ(caps.tiers_for(r), std::vector<std::string>{"plan=free"});
  EXPECT_TRUE(caps.tiers_for(device("T2", "")).empty());
  caps.remember(r);
  EXPECT_EQ(caps.tiers_of("T1"), std::vector<std::string>{"plan=free"});
  EXPECT_TRUE(caps.tiers_of("T9").empty());
  EXPECT_TRUE(caps.any());
}

TEST(TierCaps, MaxConnectionsAtItsBoundary) {
  auto c = capped("C1", 3, 100);
  tier_caps caps;
  caps.configure({c});
  caps.take_reports({report("C1", 2, 0)}, 0);
  EXPECT_EQ(caps.over_cap(c, {}), ""); // 2 of 3: one more fits
  caps.admit("C1", {}, 10);
  auto why = caps.over_cap(c, {});
  EXPECT_NE(why.find("max_connections (3)"), std::string::npos) << why;
}

TEST(TierCaps, OnlyTheCappedTierIsRefused) {
  auto c = capped("C1", 0, 2);
  tier_caps caps;
  caps.configure({c});
  caps.take_reports({report("C1", 10, 2)}, 0);
  auto why = caps.over_cap(c, {"plan=free"});
  EXPECT_NE(why.find("cap for plan=free (2 connections)"), std::string::npos)
    << why;
  EXPECT_EQ(caps.over_cap(c, {"plan=paid"}), "");
  EXPECT_EQ(caps.over_cap(c, {}), "");
  // A cap of 0 refuses the tier altogether.
  auto none = capped("C2", 0, 0);
  EXPECT_NE(caps.over_cap(none, {"plan=free"}), "");
}

TEST(TierCaps, ReportsReplaceTheCountAndKeepLaterAdmissions) {
  auto c = capped("C1", 0, 2);
  tier_caps caps;
  caps.configure({c});
  caps.admit("C1", {"plan=free"}, 100);
  caps.admit("C1", {"plan=free"}, 200);
  EXPECT_EQ(caps.current("C1").tiers["plan=free"], 2u);
  EXPECT_NE(caps.over_cap(c, {"plan=free"}), "");
  // A report asked at 150 holds the first admission (and, say, one other
  // connection); the second came after it was asked for, so it is added.
  caps.take_reports({report("C1", 1, 1), report("C1", 1, 0, "b2")}, 150);
  EXPECT_EQ(caps.current("C1").total, 3u);
  EXPECT_EQ(caps.current("C1").tiers["plan=free"], 2u);
  // Devices were killed: the next reports are the count, nothing drifts.
  caps.take_reports({report("C1", 0, 0), report("C1", 0, 0, "b2")}, 300);
  EXPECT_EQ(caps.current("C1").total, 0u);
  EXPECT_EQ(caps.current("C1").tiers["plan=free"], 0u);
  EXPECT_EQ(caps.over_cap(c, {"plan=free"}), "");
}

TEST(TierCaps, ABalancerThatDoesNotAnswerKeepsItsCountAndAdmissions) {
  auto c = capped("C1", 0, 2);
  tier_caps caps;
  caps.configure({c});
  caps.take_reports({report("C1", 1, 1, "b1"), report("C1", 0, 0, "b2")}, 100);
  EXPECT_EQ(caps.current("C1").tiers["plan=free"], 1u);
  // b2 admits a free device, then does not answer the next round (slow or
  // frozen): its last report and the admission both still count, so the
  // cap of 2 holds.
  caps.admit("C1", {"plan=free"}, 150);
  caps.take_reports({report("C1", 1, 1, "b1"), std::nullopt}, 200);
  EXPECT_EQ(caps.current("C1").tiers["plan=free"], 2u);
  EXPECT_NE(caps.over_cap(c, {"plan=free"}), "");
  // Everyone answers again: the reports are the count.
  caps.take_reports({report("C1", 1, 1, "b1"), report("C1", 1, 1, "b2")}, 300);
  EXPECT_EQ(caps.current("C1").tiers["plan=free"], 2u);
  EXPECT_EQ(caps.current("C1").total, 2u);
  // b2 went down: its connections went with it.
  caps.forget("b2");
  EXPECT_EQ(caps.current("C1").tiers["plan=free"], 1u);
  EXPECT_EQ(caps.over_cap(c, {"plan=free"}), "");
}

TEST(TierCaps, WithoutCapsNothingIsCounted) {
  tier_caps caps;
  caps.configure({capped("C1", 0, 1)});
  tier_caps none;
  config::cluster_config plain;
  plain.id = "C1";
  none.configure({plain});
  none.admit("C1", {}, 1);
  EXPECT_FALSE(none.any());
  EXPECT_EQ(none.current("C1").total, 0u);
}

/// C1 and C2 (both "*"), C1 capped at one free device, C2 at none.
cluster_manager_state capped_pair(uint32_t c2_free) {
  cluster_manager_state st;
  st.clusters.entries.push_back(cluster("C1", {}, 0));
  st.clusters.entries.push_back(cluster("C2", {}, 5));
  st.clusters[0].cfg.caps["plan"]["free"] = 1;
  st.clusters[1].cfg.caps["plan"]["free"] = c2_free;
  std::vector<config::cluster_config> cfgs{st.clusters[0].cfg,
                                           st.clusters[1].cfg};
  st.caps.configure(cfgs);
  st.retry_hint = "; retry after 2 s";
  return st;
}

TEST(ManagerTierCaps, PlacementSkipsAFullClusterForItsTierOnly) {
  auto st = capped_pair(5);
  st.caps.admit("C1", {"plan=free"}, 1); // C1's one free place is taken
  auto free = device("T1", "free");
  ASSERT_FALSE(st.place(free, label({}), ""));
  EXPECT_EQ(free.cluster_id, "C2"); // though C2 has more connections
  auto paid = device("T2", "paid");
  ASSERT_FALSE(st.place(paid, label({}), ""));
  EXPECT_EQ(paid.cluster_id, "C1"); // fewest connections: the cap is not its
}

TEST(ManagerTierCaps, EveryClusterFullAnswersUnavailableNamingTheCap) {
  auto st = capped_pair(0);
  st.caps.admit("C1", {"plan=free"}, 1);
  auto free = device("T1", "free");
  auto err = st.place(free, label({}), "");
  ASSERT_TRUE(err);
  auto v = view(err);
  EXPECT_EQ(v.code, errc::unavailable);
  EXPECT_NE(v.message.find("cap for plan=free"), std::string::npos)
    << v.message;
  EXPECT_NE(v.message.find("retry after 2 s"), std::string::npos) << v.message;
  // A device already in C1 stays there (its connection counts already).
  st.assign("T1", "C1");
  ASSERT_FALSE(st.place(free, label({}), "C1"));
  EXPECT_EQ(free.cluster_id, "C1");
}

TEST(ManagerTierCaps, AdmissionRefusesOverTheCapAndCountsTheOthers) {
  auto st = capped_pair(5);
  std::vector<std::pair<std::string, std::string>> devices{
    {"F1", "free"}, {"F2", "free"}, {"P1", "paid"}};
  for (const auto& [id, plan] : devices) {
    auto r = device(id, plan);
    st.assign(id, "C1");
    st.caps.remember(r);
  }
  auto first = st.admit("F1", false, 10);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->cluster_id, "C1");
  EXPECT_EQ(first->tiers, std::vector<std::string>{"plan=free"});
  EXPECT_EQ(first->refused, "");
  auto second = st.admit("F2", false, 11);
  ASSERT_TRUE(second);
  EXPECT_NE(second->refused.find("cap for plan=free (1 connections); retry "
                                 "after 2 s"),
            std::string::npos)
    << second->refused;
  auto paid = st.admit("P1", false, 12);
  ASSERT_TRUE(paid);
  EXPECT_EQ(paid->refused, "");
  // F1 connects again through a balancer that holds its connection: the
  // new one replaces it, no cap applies and nothing more is counted.
  auto again = st.admit("F1", true, 13);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->refused, "");
  EXPECT_EQ(st.caps.current("C1").tiers["plan=free"], 1u);
  EXPECT_EQ(view(st.admit("T9", false, 14).error()).code, errc::not_found);
  // Visible in the status.
  auto s = st.status();
  EXPECT_EQ(s[0].tier_caps["plan=free"], 1u);
  EXPECT_EQ(s[0].tier_connections["plan=free"], 1u);
}

TEST(BalancerHealth, ADeadBalancerIsListedLastUntilItJoinsAgain) {
  cluster_manager_state st;
  st.clusters.entries.push_back(cluster("C1", {}, 0, 3));
  auto& c = st.clusters[0];
  auto all = cluster_urls_for("T1", c);
  ASSERT_EQ(all.size(), 3u);
  // The first balancer this terminal tries goes down.
  auto first = std::find_if(c.balancers.begin(), c.balancers.end(),
                            [&](auto& b) { return b.url == all[0]; });
  c.down.push_back(*first);
  c.balancers.erase(first);
  auto now = cluster_urls_for("T1", c);
  ASSERT_EQ(now.size(), 3u);
  EXPECT_EQ(now.back(), all[0]);
  EXPECT_EQ(st.destination_for("T1", c).cluster_urls, now);
  auto s = cluster_table::status_of(c);
  EXPECT_EQ(s.balancers.size(), 2u);
  EXPECT_EQ(s.balancers_down, std::vector<std::string>{all[0]});
  // It joins again: back in its place, no longer down.
  auto back = c.down.front();
  st.clusters.join(back);
  EXPECT_TRUE(c.down.empty());
  EXPECT_EQ(cluster_urls_for("T1", c), all);
}

TEST(BalancerHealth, AClusterWithNoLiveBalancerIsNoCandidate) {
  cluster_manager_state st;
  st.clusters.entries.push_back(cluster("C1", {}, 0));
  st.clusters.entries.push_back(cluster("C2", {}, 50));
  auto& c1 = st.clusters[0];
  c1.down = c1.balancers;
  c1.balancers.clear();
  auto r = device("T1", "");
  ASSERT_FALSE(st.place(r, label({}), ""));
  EXPECT_EQ(r.cluster_id, "C2"); // C1 is emptier but has no live balancer
  // A terminal of C1 keeps it (nothing moves it); its destination waits.
  st.assign("T2", "C1");
  EXPECT_EQ(st.terminals.current("T2"), "C1");
  EXPECT_EQ(view(st.destination_of("T2").error()).code, errc::unavailable);
}

} // namespace
} // namespace tether::test
