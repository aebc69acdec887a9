// connection_table and early_frames: sessions placed and moved between
// nodes, connections forgotten (a terminal keeps its newer one), and the
// budget of what a device may send before its session exists.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/actors/cluster_balancer/balancers.hpp"

namespace tether::test {
namespace {

TEST(BalancerPlace, MovesAndErase) {
  auto st = balancer_with({report("n1", 0), report("n2", 0)});
  auto& c = st.conns.by_id[1];
  c.terminal_id = "T1";
  st.conns.take_over(1);
  st.place(c, 0);
  EXPECT_EQ(st.nodes[0].own, 1u);
  st.place(c, 1); // restarted on another node
  EXPECT_EQ(st.nodes[0].own, 0u);
  EXPECT_EQ(st.nodes[1].own, 1u);
  auto erased = st.erase(1);
  ASSERT_TRUE(erased);
  EXPECT_EQ(erased->terminal_id, "T1");
  EXPECT_EQ(st.nodes[1].own, 0u);
  EXPECT_TRUE(st.conns.by_id.empty());
  EXPECT_TRUE(st.conns.by_terminal.empty());
  EXPECT_FALSE(st.erase(1));
}

TEST(BalancerErase, KeepsTheNewerConnectionOfTheTerminal) {
  auto st = balancer_with({report("n1", 0)});
  st.conns.by_id[1].terminal_id = "T1";
  st.conns.by_id[2].terminal_id = "T1";
  st.conns.take_over(1);
  EXPECT_EQ(st.conns.take_over(2), 1u); // conn 2 replaced conn 1
  st.erase(1);
  EXPECT_EQ(st.conns.newest_of("T1"), 2u);
  st.erase(2);
  EXPECT_EQ(st.conns.newest_of("T1"), std::nullopt);
  EXPECT_TRUE(st.conns.by_terminal.empty());
}

TEST(BalancerConnections, ANewerConnectionTakesOverItsTerminal) {
  auto st = balancer_with({report("n1", 0)});
  st.conns.by_id[1].terminal_id = "T1";
  st.conns.by_id[2].terminal_id = "T1";
  EXPECT_EQ(st.conns.take_over(1), std::nullopt);
  EXPECT_EQ(st.conns.take_over(1), std::nullopt); // itself
  EXPECT_EQ(st.conns.take_over(2), 1u);
  EXPECT_EQ(st.conns.of_terminal("T1"), st.conns.find(2));
  EXPECT_EQ(st.conns.of_terminal("T9"), nullptr);
  EXPECT_EQ(st.conns.find(9), nullptr);
}

TEST(BalancerEarlyFrames, BudgetGrowsWithWhatTheDeviceWasSent) {
  early_frames e;
  std::string text = "f";
  EXPECT_TRUE(e.keep(text, 1));
  EXPECT_FALSE(e.keep(text, 1));
  e.sent_to_device(); // it may answer twice
  EXPECT_TRUE(e.keep(text, 1));
  EXPECT_TRUE(e.keep(text, 1));
  EXPECT_FALSE(e.keep(text, 1));
  EXPECT_EQ(e.frames.size(), 3u);
  job_record job;
  EXPECT_TRUE(e.keep(job, 1));
  EXPECT_FALSE(e.keep(job, 1));
  e.clear();
  EXPECT_TRUE(e.frames.empty());
  EXPECT_TRUE(e.jobs.empty());
  EXPECT_EQ(e.sent, 0u);
  e.after_move(); // the old session's whole window may still be answered
  EXPECT_GT(e.sent, 0u);
}

// A live idle connection holds no early buffer: it is made when something
// comes early and handed over (moved out) when the session takes it.
// Tiers, a refusal and declared services are held only by connections
// that have one: one of the default kind holds none of them.
TEST(BalancerConnections, HoldsTiersRefusalAndServicesOnlyWhenGiven) {
  connection plain;
  plain.admitted({}, {});
  plain.declared({});
  EXPECT_EQ(plain.more, nullptr);
  EXPECT_TRUE(plain.tiers().empty());
  EXPECT_TRUE(plain.refused().empty());
  EXPECT_TRUE(plain.service_names().empty());
  connection capped;
  capped.admitted({"gold"}, "tier gold is full");
  EXPECT_EQ(capped.tiers(), std::vector<std::string>{"gold"});
  EXPECT_EQ(capped.refused(), "tier gold is full");
  EXPECT_TRUE(capped.service_names().empty());
  capped.declared({"scan"});
  EXPECT_EQ(capped.service_names(), std::vector<std::string>{"scan"});
  EXPECT_EQ(capped.tiers(), std::vector<std::string>{"gold"}) << "kept";
  connection scanner;
  scanner.declared({"scan", "print"});
  EXPECT_EQ(scanner.service_names(),
            (std::vector<std::string>{"scan", "print"}));
  EXPECT_TRUE(scanner.tiers().empty());
}

TEST(BalancerEarlyFrames, MadeOnlyWhenNeeded) {
  connection c;
  EXPECT_EQ(c.early, nullptr);
  std::string text = "f";
  EXPECT_TRUE(c.early_buffer().keep(text, 1));
  ASSERT_NE(c.early, nullptr);
  EXPECT_EQ(&c.early_buffer(), c.early.get()); // the same one again
  EXPECT_EQ(c.early->frames.size(), 1u);
  auto handed = std::move(c.early);
  EXPECT_EQ(c.early, nullptr);
  EXPECT_EQ(handed->frames.front(), "f");
}

} // namespace
} // namespace tether::test
