// rehome_batch: connections gathered per node, the first one asks for a
// flush, and a flush gives each node's connections in order, in runs of at
// most the batch size.
#include <gtest/gtest.h>

#include "actors/cluster_balancer/rehome_batch.hpp"

namespace tether::test {
namespace {

using batches = std::vector<std::pair<size_t, std::vector<uint64_t>>>;

TEST(RehomeBatch, TheFirstConnectionAsksForAFlush) {
  rehome_batch b{4};
  EXPECT_TRUE(b.empty());
  EXPECT_TRUE(b.add(1, 10));
  EXPECT_FALSE(b.add(1, 11));
  EXPECT_FALSE(b.add(0, 12)); // another node: the same flush serves it
  EXPECT_FALSE(b.empty());
}

TEST(RehomeBatch, AFlushGivesEachNodesConnectionsInOrder) {
  rehome_batch b{4};
  b.add(1, 10);
  b.add(0, 12);
  b.add(1, 11);
  EXPECT_EQ(b.take(), (batches{{0, {12}}, {1, {10, 11}}}));
  EXPECT_TRUE(b.empty());
  EXPECT_TRUE(b.take().empty());
  EXPECT_TRUE(b.add(1, 13)); // empty again: the next one asks again
}

TEST(RehomeBatch, SplitsANodesConnectionsIntoRunsOfAtMostMax) {
  rehome_batch b{2};
  for (uint64_t conn = 1; conn <= 5; ++conn)
    b.add(0, conn);
  EXPECT_EQ(b.take(), (batches{{0, {1, 2}}, {0, {3, 4}}, {0, {5}}}));
}

TEST(RehomeBatch, AMaxOfZeroMeansOneAtATime) {
  rehome_batch b{0};
  b.add(0, 1);
  b.add(0, 2);
  EXPECT_EQ(b.take(), (batches{{0, {1}}, {0, {2}}}));
}

} // namespace
} // namespace tether::test
