// job_waits: a re-allocation move of a terminal with a job in flight waits
// from the first time it was held, at most job_wait; an idle terminal's
// move goes at once; job_wait 0 holds nothing. In flight means delivered,
// not yet acknowledged, done or failed.
#include <gtest/gtest.h>

#include "actors/control/job_waits.hpp"

namespace tether::test {
namespace {

TEST(JobWaits, BusyMoveWaitsAtMostJobWait) {
  job_waits w{std::chrono::milliseconds{1'000}};
  EXPECT_FALSE(w.holds("T1", false, 10'000)) << "idle: it goes";
  EXPECT_TRUE(w.holds("T1", true, 10'000));
  EXPECT_TRUE(w.holds("T1", true, 10'999)) << "counted from the first hold";
  EXPECT_FALSE(w.holds("T1", true, 11'000)) << "the wait is over";
  EXPECT_EQ(w.size(), 0u) << "a move that goes is forgotten";
  EXPECT_TRUE(w.holds("T2", true, 20'000));
  EXPECT_FALSE(w.holds("T2", false, 20'100)) << "acknowledged: it goes";
  EXPECT_TRUE(w.holds("T2", true, 30'000)) << "a new wait";
  job_waits off{std::chrono::milliseconds{0}};
  EXPECT_FALSE(off.holds("T1", true, 1));
}

TEST(JobWaits, InFlightMeansDeliveredNotAcknowledged) {
  job_book jobs;
  auto add = [&](const std::string& id, const std::string& status) {
    job_record j;
    j.job_id = id;
    j.terminal_id = "T1";
    j.status = status;
    jobs.jobs[id] = j;
    jobs.open_jobs["T1"].push_back(id);
  };
  EXPECT_FALSE(job_waits::in_flight(jobs, "T1"));
  add("J1", "queued");
  add("J2", "acked");
  EXPECT_FALSE(job_waits::in_flight(jobs, "T1"));
  add("J3", "delivered");
  EXPECT_TRUE(job_waits::in_flight(jobs, "T1"));
  EXPECT_FALSE(job_waits::in_flight(jobs, "T2"));
}

} // namespace
} // namespace tether::test
