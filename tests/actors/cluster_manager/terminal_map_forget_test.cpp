// terminal_map::forget (a retired terminal): its mapping goes and its
// cluster counts one assigned terminal less; an unknown one changes nothing.
#include <gtest/gtest.h>

#include "tests/actors/cluster_manager/clusters.hpp"

namespace tether::test {
namespace {

TEST(TerminalMapForget, TheMappingAndTheCountGo) {
  auto st = three_clusters();
  st.assign("T1", "C1");
  st.assign("T2", "C1");
  ASSERT_EQ(st.clusters.find("C1")->assigned, 2u);
  EXPECT_TRUE(st.terminals.forget(st.clusters, "T1"));
  EXPECT_EQ(st.clusters.find("C1")->assigned, 1u);
  EXPECT_TRUE(st.terminals.current("T1").empty());
  EXPECT_FALSE(static_cast<bool>(st.terminals.lookup("T1")));
  EXPECT_EQ(st.terminals.current("T2"), "C1");
}

TEST(TerminalMapForget, AnUnknownTerminalChangesNothing) {
  auto st = three_clusters();
  st.assign("T1", "C2");
  EXPECT_FALSE(st.terminals.forget(st.clusters, "T9"));
  EXPECT_EQ(st.clusters.find("C2")->assigned, 1u);
}

} // namespace
} // namespace tether::test
