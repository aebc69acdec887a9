// The balancer's connection entry kept small (issue 12): the node it is on
// in 4 bytes (node_slot), and the by-terminal index that keeps no copy of
// the terminal id (it hashes each connection by its entry's id).
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "actors/cluster_balancer/connections.hpp"

namespace tether {
namespace {

TEST(BalancerNodeSlot, SaysWhatAnOptionalIndexSays) {
  node_slot none;
  EXPECT_FALSE(none);
  EXPECT_FALSE(none == 0u);
  EXPECT_EQ(std::optional<size_t>{none}, std::nullopt);
  node_slot at{std::optional<size_t>{3}};
  ASSERT_TRUE(at);
  EXPECT_EQ(*at, 3u);
  EXPECT_TRUE(at == 3u);
  EXPECT_TRUE(at != 4u);
  EXPECT_EQ(std::optional<size_t>{at}, 3u);
  node_slot zero{std::optional<size_t>{0}};
  EXPECT_TRUE(zero);
  EXPECT_TRUE(zero == 0u);
  at = std::optional<size_t>{};
  EXPECT_FALSE(at);
}

/// `n` connections (ids from `first_conn`) of terminals "...-0" to
/// "...-<n-1>", each its terminal's; the terminals' connections from
/// `replaced` on, if any, are the ones they replace.
void fill(connection_table& t, uint64_t n, uint64_t first_conn = 1,
          std::optional<uint64_t> replaced = std::nullopt) {
  for (uint64_t i = 0; i < n; ++i) {
    auto conn = first_conn + i;
    t.by_id[conn].terminal_id = "terminal-with-a-long-id-" + std::to_string(i);
    auto old = replaced ? std::optional<uint64_t>{*replaced + i} : std::nullopt;
    EXPECT_EQ(t.take_over(conn), old);
  }
}

TEST(BalancerTerminalIndex, FindsEveryTerminalThroughGrowthAndTakeOvers) {
  connection_table t;
  fill(t, 5000);            // rehashes both maps many times
  fill(t, 5000, 10'001, 1); // the same terminals again: each replaces one
  for (uint64_t i = 0; i < 5000; ++i) {
    auto id = "terminal-with-a-long-id-" + std::to_string(i);
    ASSERT_EQ(t.newest_of(id), 10'001 + i) << id;
    ASSERT_EQ(t.of_terminal(id)->terminal_id, id);
  }
  EXPECT_EQ(t.by_terminal.size(), 5000u);
  // The replaced connections go without touching their terminals' entries.
  for (uint64_t i = 0; i < 5000; ++i)
    ASSERT_TRUE(t.remove(1 + i));
  EXPECT_EQ(t.by_terminal.size(), 5000u);
  EXPECT_EQ(t.newest_of("terminal-with-a-long-id-42"), 10'043u);
  for (uint64_t i = 0; i < 5000; ++i)
    ASSERT_TRUE(t.remove(10'001 + i));
  EXPECT_TRUE(t.by_terminal.empty());
  EXPECT_EQ(t.newest_of("terminal-with-a-long-id-42"), std::nullopt);
}

TEST(BalancerTerminalIndex, AMovedTableIndexesItsOwnEntries) {
  connection_table a;
  fill(a, 100);
  connection_table b{std::move(a)};
  EXPECT_EQ(b.newest_of("terminal-with-a-long-id-7"), 8u);
  b.by_id[500].terminal_id = "terminal-with-a-long-id-7";
  EXPECT_EQ(b.take_over(500), 8u);
  ASSERT_TRUE(b.remove(8));
  EXPECT_EQ(b.newest_of("terminal-with-a-long-id-7"), 500u);
  connection_table c;
  fill(c, 3);
  c = std::move(b); // what it held is gone; b's entries are indexed here
  EXPECT_EQ(c.by_terminal.size(), 100u);
  EXPECT_EQ(c.newest_of("terminal-with-a-long-id-7"), 500u);
  EXPECT_EQ(c.of_terminal("terminal-with-a-long-id-0"), c.find(1));
}

TEST(BalancerConnectionEntry, FitsItsSizeClass) {
  // With its hash node (a pointer and the key), 128 bytes: jemalloc's
  // 128-byte class; it was 136 + 16, the 160-byte class.
  EXPECT_LE(sizeof(connection) + 2 * sizeof(void*), 128u);
  EXPECT_EQ(sizeof(node_slot), 4u);
}

} // namespace
} // namespace tether
