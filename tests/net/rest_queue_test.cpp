// rest_queue and rest_marks (net/rest_queue.hpp): a quiet connection is
// queued once, freed at the first sweep that finds it untouched since the
// one before, kept while busy; the queue hands out each entry once and
// forgets connections that are gone.
#include <gtest/gtest.h>

#include <memory>

#include "net/rest_queue.hpp"

using namespace tether::net;
using verdict = rest_marks::verdict;

TEST(RestMarks, AQuietConnectionRestsAtTheSecondSweep) {
  rest_marks m;
  EXPECT_TRUE(m.quiet());                        // queued
  EXPECT_EQ(m.at_sweep(true), verdict::requeue); // quiet only just now
  EXPECT_EQ(m.at_sweep(true), verdict::rest);    // a whole period quiet
}

TEST(RestMarks, ActivityBetweenSweepsPutsTheRestOff) {
  rest_marks m;
  EXPECT_TRUE(m.quiet());
  EXPECT_EQ(m.at_sweep(true), verdict::requeue);
  EXPECT_FALSE(m.quiet()); // active again, still queued: not queued twice
  EXPECT_EQ(m.at_sweep(true), verdict::requeue);
  EXPECT_EQ(m.at_sweep(true), verdict::rest);
}

TEST(RestMarks, ABusyConnectionIsDroppedFromTheQueueAndComesBackWhenQuiet) {
  rest_marks m;
  EXPECT_TRUE(m.quiet());
  EXPECT_EQ(m.at_sweep(false), verdict::keep); // reading or writing now
  EXPECT_TRUE(m.quiet());                      // quiet again: queued again
  EXPECT_FALSE(m.quiet());
  EXPECT_EQ(m.at_sweep(true), verdict::requeue);
  EXPECT_EQ(m.at_sweep(true), verdict::rest);
  EXPECT_TRUE(m.quiet()); // the next frame made a stream: queued again
}

TEST(RestQueue, HandsOutEachEntryOnceAndKeepsNoOwner) {
  rest_queue<int> q;
  auto a = std::make_shared<int>(1);
  auto b = std::make_shared<int>(2);
  q.add(a);
  q.add(b);
  b.reset(); // a connection that ended meanwhile
  auto batch = q.take();
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(*batch[0].lock(), 1);
  EXPECT_EQ(batch[1].lock(), nullptr);
  EXPECT_TRUE(q.take().empty());
}
