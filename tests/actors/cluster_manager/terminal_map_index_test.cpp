// terminal_map keeps each terminal's cluster as an index of its own (no
// process-wide pool): a cluster id is kept once however many terminals map
// to it, and moves, forgets and unknown clusters keep the counts right.
#include <string>

#include <gtest/gtest.h>

#include "tests/actors/cluster_manager/clusters.hpp"

namespace tether::test {
namespace {

TEST(TerminalMapIndex, EachClusterIdIsKeptOnce) {
  auto st = three_clusters();
  for (int i = 0; i < 1000; ++i)
    st.assign("T" + std::to_string(i), i % 2 == 0 ? "C1" : "C2");
  EXPECT_EQ(st.terminals.size(), 1000u);
  EXPECT_EQ(st.terminals.cluster_ids(), 2u);
  EXPECT_EQ(st.terminals.current("T7"), "C2");
  EXPECT_EQ(st.clusters.find("C1")->assigned, 500u);
  EXPECT_EQ(st.clusters.find("C2")->assigned, 500u);
}

TEST(TerminalMapIndex, MovingBackAndForthKeepsTheCounts) {
  auto st = three_clusters();
  st.assign("T1", "C1");
  st.assign("T1", "C3");
  st.assign("T1", "C1");
  EXPECT_EQ(st.terminals.current("T1"), "C1");
  EXPECT_EQ(st.clusters.find("C1")->assigned, 1u);
  EXPECT_EQ(st.clusters.find("C3")->assigned, 0u);
  EXPECT_EQ(st.terminals.cluster_ids(), 2u);
  auto got = st.terminals.lookup("T1");
  ASSERT_TRUE(static_cast<bool>(got));
  EXPECT_EQ(*got, "C1");
}

TEST(TerminalMapIndex, AClusterNotInTheTableIsMappedButCountsNothing) {
  auto st = three_clusters();
  st.assign("T1", "C9"); // stored before its cluster was removed
  EXPECT_EQ(st.terminals.current("T1"), "C9");
  st.assign("T1", "C2");
  EXPECT_EQ(st.clusters.find("C2")->assigned, 1u);
  EXPECT_TRUE(st.terminals.forget(st.clusters, "T1"));
  EXPECT_EQ(st.clusters.find("C2")->assigned, 0u);
  EXPECT_TRUE(st.terminals.current("T1").empty());
}

} // namespace
} // namespace tether::test
