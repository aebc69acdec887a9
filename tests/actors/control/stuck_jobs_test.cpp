// stuck_jobs without actors: which queued jobs of a connected terminal are
// handed to its session again, and how often.
#include <gtest/gtest.h>

#include "actors/control/stuck_jobs.hpp"
#include "tests/actors/control/test_jobs.hpp"

namespace tether {
namespace {

using test::add;
using test::ids;
using test::push_request;

TEST(StuckJobs, QueuedJobsOlderThanTheLimitAreDue) {
  job_book jobs;
  stuck_jobs stuck;
  stuck.after_ms = 5'000;
  auto old1 = add(jobs, push_request("T1"), 1'000);
  auto old2 = add(jobs, push_request("T1"), 2'000);
  auto fresh = add(jobs, push_request("T1"), 9'000);
  add(jobs, push_request("T2"), 1'000);
  // Not yet: the oldest has waited 4.999 s.
  EXPECT_TRUE(stuck.due(jobs, "T1", 5'999).empty());
  // Then the two old ones, oldest first; the fresh one waits its turn.
  EXPECT_EQ(ids(stuck.due(jobs, "T1", 7'000)),
            (std::vector<std::string>{old1.job_id, old2.job_id}));
  // Not again before another 5 s have passed...
  EXPECT_TRUE(stuck.due(jobs, "T1", 11'999).empty());
  // ...then all three, as they are all still queued.
  EXPECT_EQ(ids(stuck.due(jobs, "T1", 14'000)),
            (std::vector<std::string>{old1.job_id, old2.job_id, fresh.job_id}));
  // Unknown terminals and terminals without jobs have none.
  EXPECT_TRUE(stuck.due(jobs, "T9", 14'000).empty());
}

TEST(StuckJobs, OnlyStoredJobsThatAreStillQueued) {
  job_book jobs;
  stuck_jobs stuck;
  stuck.after_ms = 1'000;
  auto delivered = add(jobs, push_request("T1"), 0);
  jobs.apply({delivered.job_id, "T1", "delivered", {}}, 100);
  auto unstored = jobs.new_job(push_request("T1"), 0); // write pending
  auto queued = add(jobs, push_request("T1"), 0);
  EXPECT_EQ(ids(stuck.due(jobs, "T1", 5'000)),
            (std::vector<std::string>{queued.job_id}));
  (void)unstored;
}

TEST(StuckJobs, AQueuedJobBehindManyDeliveredOnesIsDue) {
  job_book jobs;
  stuck_jobs stuck;
  stuck.after_ms = 1'000;
  for (int i = 0; i < 40; ++i) { // more than a hand: they do not count
    auto d = add(jobs, push_request("T1"), i);
    jobs.apply({d.job_id, "T1", "delivered", {}}, 100);
  }
  auto queued = add(jobs, push_request("T1"), 50);
  auto young = add(jobs, push_request("T1"), 4'500);
  EXPECT_EQ(ids(stuck.due(jobs, "T1", 5'000)),
            (std::vector<std::string>{queued.job_id}));
  EXPECT_EQ(ids(stuck.due(jobs, "T1", 10'000)),
            (std::vector<std::string>{queued.job_id, young.job_id}));
}

TEST(StuckJobs, AtMostAWindowAtATimeOldestFirst) {
  job_book jobs;
  stuck_jobs stuck;
  stuck.after_ms = 1'000;
  stuck.max_per_hand = 3;
  std::vector<std::string> all;
  for (int i = 0; i < 5; ++i)
    all.push_back(add(jobs, push_request("T1"), i).job_id);
  EXPECT_EQ(ids(stuck.due(jobs, "T1", 10'000)),
            (std::vector<std::string>{all[0], all[1], all[2]}));
}

TEST(StuckJobs, PruneForgetsTerminalsHandedOverLongAgo) {
  job_book jobs;
  stuck_jobs stuck;
  stuck.after_ms = 1'000;
  add(jobs, push_request("T1"), 0);
  EXPECT_FALSE(stuck.due(jobs, "T1", 2'000).empty());
  EXPECT_EQ(stuck.tracked(), 1u);
  stuck.prune(2'500);
  EXPECT_EQ(stuck.tracked(), 1u);
  stuck.prune(3'000);
  EXPECT_EQ(stuck.tracked(), 0u);
}

} // namespace
} // namespace tether
