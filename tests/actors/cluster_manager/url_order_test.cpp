// The order in which a terminal tries its cluster's balancers
// (actors/cluster_manager/url_order.hpp): stable, evenly spread first
// choices, and one dead balancer's devices spread over all the survivors.
#include "actors/cluster_manager/url_order.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

using namespace tether;

namespace {

std::vector<std::string> balancer_names(int n) {
  std::vector<std::string> names;
  for (int i = 1; i <= n; ++i)
    names.push_back("C1-b" + std::to_string(100 + i).substr(1));
  return names;
}

std::vector<std::string_view> views(const std::vector<std::string>& names) {
  return {names.begin(), names.end()};
}

} // namespace

TEST(UrlOrder, EveryBalancerOnceAndTheSameOrderEveryTime) {
  auto names = balancer_names(5);
  for (int t = 0; t < 200; ++t) {
    auto id = "T" + std::to_string(t);
    auto order = rendezvous_order(id, views(names));
    auto sorted = order;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, (std::vector<size_t>{0, 1, 2, 3, 4})) << id;
    EXPECT_EQ(rendezvous_order(id, views(names)), order) << id;
    // The list's own order does not matter: the same balancers come out.
    auto reversed = names;
    std::reverse(reversed.begin(), reversed.end());
    auto again = rendezvous_order(id, views(reversed));
    for (size_t i = 0; i < order.size(); ++i)
      EXPECT_EQ(reversed[again[i]], names[order[i]]) << id;
  }
  EXPECT_TRUE(rendezvous_order("T1", {}).empty());
}

TEST(UrlOrder, FirstChoicesSpreadEvenly) {
  auto names = balancer_names(4);
  std::map<size_t, int> first;
  for (int t = 0; t < 8000; ++t)
    ++first[rendezvous_order("S0-" + std::to_string(t), views(names))[0]];
  for (size_t b = 0; b < names.size(); ++b)
    EXPECT_NEAR(first[b], 2000, 200) << names[b];
}

// What a rotated list did not give: the devices of a dead balancer fall
// over to every survivor about equally, not all to the next one.
TEST(UrlOrder, ADeadBalancersDevicesSpreadOverAllSurvivors) {
  auto names = balancer_names(12);
  const size_t dead = 0; // C1-b01
  std::map<size_t, int> next;
  int moved = 0;
  for (int t = 0; t < 60000; ++t) {
    auto order = rendezvous_order(
      "S" + std::to_string(t % 6) + "-" + std::to_string(t / 6), views(names));
    if (order[0] != dead)
      continue;
    ++moved;
    ++next[order[1]];
  }
  ASSERT_GT(moved, 4000);
  EXPECT_EQ(next.count(dead), 0u);
  EXPECT_EQ(next.size(), names.size() - 1) << "every survivor takes some";
  for (const auto& [b, n] : next)
    EXPECT_NEAR(n, moved / 11.0, moved / 11.0 * 0.25) << names[b];
}

// Killing every other balancer (the storm's pattern): the first live
// balancer in each moved device's order is spread over all survivors.
TEST(UrlOrder, HalfTheBalancersDeadTheirDevicesSpreadOverTheRest) {
  auto names = balancer_names(12);
  auto is_dead = [](size_t b) {
    return b % 2 == 0;
  }; // b01, b03, ...
  std::map<size_t, int> lands;
  int moved = 0;
  for (int t = 0; t < 60000; ++t) {
    auto order = rendezvous_order("T" + std::to_string(t), views(names));
    if (!is_dead(order[0]))
      continue;
    ++moved;
    auto live = std::find_if(order.begin(), order.end(),
                             [&](size_t b) { return !is_dead(b); });
    ++lands[*live];
  }
  ASSERT_EQ(lands.size(), 6u);
  for (const auto& [b, n] : lands)
    EXPECT_NEAR(n, moved / 6.0, moved / 6.0 * 0.15) << names[b];
}

TEST(UrlOrder, ScoresDependOnBothIds) {
  EXPECT_EQ(rendezvous_score("T1", "C1-b01"), rendezvous_score("T1", "C1-b01"));
  EXPECT_NE(rendezvous_score("T1", "C1-b01"), rendezvous_score("T1", "C1-b02"));
  EXPECT_NE(rendezvous_score("T1", "C1-b01"), rendezvous_score("T2", "C1-b01"));
  EXPECT_NE(rendezvous_score("ab", "c"), rendezvous_score("a", "bc"));
}
