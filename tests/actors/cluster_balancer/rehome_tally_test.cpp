// cluster_balancer/rehome_tally: one log line per down node saying where
// its sessions went, once they settled.
#include "actors/cluster_balancer/rehome_tally.hpp"

#include <gtest/gtest.h>

namespace tether {
namespace {

TEST(RehomeTally, OneLinePerDownNodeWithTheCountPerTarget) {
  rehome_tally t;
  t.node_down("C1-n2", 1'000);
  for (int i = 0; i < 405; ++i)
    t.rehomed("C1-n2", "C1-n1", 1'000 + i);
  for (int i = 0; i < 407; ++i)
    t.rehomed("C1-n2", "C1-n3", 1'100 + i);
  // still coming in: nothing yet
  EXPECT_TRUE(t.take_settled(1'600, 1'000).empty());
  auto lines = t.take_settled(2'506, 1'000);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "node C1-n2 down: 812 sessions re-homed: C1-n1 405, "
                      "C1-n3 407");
  EXPECT_TRUE(t.empty());
  EXPECT_TRUE(t.take_settled(10'000, 1'000).empty()) << "said once";
}

TEST(RehomeTally, SessionsNoNodeTookAreNamed) {
  rehome_tally t;
  t.node_down("C1-n1", 0);
  t.rehomed("C1-n1", "C1-n2", 0);
  t.rehomed("C1-n1", "", 0);
  t.rehomed("C1-n1", "", 0);
  EXPECT_EQ(t.take_settled(1'000, 1'000),
            std::vector<std::string>{"node C1-n1 down: 3 sessions re-homed: "
                                     "C1-n2 1; 2 closed: no live node"});
  t.node_down("C1-n2", 0);
  t.rehomed("C1-n2", "", 0);
  EXPECT_EQ(t.take_settled(1'000, 1'000),
            std::vector<std::string>{"node C1-n2 down: 1 session re-homed: "
                                     "none; 1 closed: no live node"});
}

TEST(RehomeTally, ANodeWithoutSessionsAndSessionsWithoutADownNode) {
  rehome_tally t;
  t.node_down("C2-n1", 0);
  t.rehomed("C2-n2", "C2-n3", 0); // its session ended abnormally
  auto lines = t.take_settled(5'000, 1'000);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "node C2-n1 down: no sessions to re-home");
  EXPECT_EQ(lines[1], "node C2-n2: 1 session ended abnormally, re-homed: "
                      "C2-n3 1");
}

TEST(RehomeTally, EachNodeSettlesOnItsOwn) {
  rehome_tally t;
  t.node_down("A", 0);
  t.rehomed("A", "C", 100);
  t.node_down("B", 900);
  t.rehomed("B", "C", 950);
  auto first = t.take_settled(1'100, 1'000);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0], "node A down: 1 session re-homed: C 1");
  EXPECT_FALSE(t.empty());
  auto second = t.take_settled(1'950, 1'000);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0], "node B down: 1 session re-homed: C 1");
}

} // namespace
} // namespace tether
