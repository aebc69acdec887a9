// sweep_schedule: a pass at start, then a walk only when something may be
// due (by count: the family may have doubled; by time: the oldest kept
// record expired and a hundredth of the retention passed).
#include "actors/store/sweep_schedule.hpp"

#include <gtest/gtest.h>

namespace tether {
namespace {

using namespace std::chrono_literals;

storage::store::sweep_result pass_end(size_t kept, int64_t oldest_ms) {
  storage::store::sweep_result r;
  r.wrapped = true;
  r.kept = kept;
  r.oldest_kept_ms = oldest_ms;
  return r;
}

TEST(SweepSchedule, StartsWithAPassThatLastsUntilItWraps) {
  sweep_schedule s{100'000ms, 10};
  EXPECT_TRUE(s.step_now(0));
  storage::store::sweep_result middle; // not wrapped
  s.stepped(middle, 0);
  EXPECT_TRUE(s.step_now(1));
  s.stepped(pass_end(0, INT64_MAX), 1);
  EXPECT_FALSE(s.passing());
  EXPECT_FALSE(s.step_now(2)); // nothing stored, nothing written
  EXPECT_FALSE(s.step_now(1'000'000'000));
}

TEST(SweepSchedule, ByCountOnceTheWrittenRecordsReachWhatThePassKept) {
  sweep_schedule s{100'000ms, 10};
  s.stepped(pass_end(50, 1'000), 1'000);
  s.wrote(49);
  EXPECT_FALSE(s.step_now(1'001));
  s.wrote(1);
  EXPECT_TRUE(s.step_now(1'002)); // 50 written: the family may have doubled
  EXPECT_TRUE(s.passing());
  // The new pass counts from its start.
  s.stepped(pass_end(100, 1'000), 1'003);
  s.wrote(99);
  EXPECT_FALSE(s.step_now(1'004));
}

TEST(SweepSchedule, ByCountAtLeastMaxPerTerminal) {
  sweep_schedule s{100'000ms, 10};
  s.stepped(pass_end(0, INT64_MAX), 0);
  s.wrote(9);
  EXPECT_FALSE(s.step_now(1));
  s.wrote(1); // one terminal may now hold 10
  EXPECT_TRUE(s.step_now(2));
}

TEST(SweepSchedule, ByTimeOnceTheOldestKeptExpiredAndAHundredthPassed) {
  sweep_schedule s{100'000ms, 10};
  s.stepped(pass_end(5, 1'000), 50'000);  // pass ended at 50 s
  EXPECT_FALSE(s.step_now(101'000));      // the oldest not yet expired
  EXPECT_TRUE(s.step_now(101'001));       // expired; 51 s since the pass
  s.stepped(pass_end(5, 1'000), 101'002); // (say a delete failed)
  EXPECT_FALSE(s.step_now(101'003));      // too soon after the last pass
  EXPECT_FALSE(s.step_now(102'001));
  EXPECT_TRUE(s.step_now(102'002)); // a hundredth (1 s) later
}

} // namespace
} // namespace tether
