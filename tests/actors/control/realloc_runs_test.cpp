// realloc_runs without an actor: when periodic runs are due, and when the
// pacer's timer starts and stops.
#include "actors/control/realloc_runs.hpp"

#include <gtest/gtest.h>

namespace tether {
namespace {

TEST(ReallocRuns, PeriodicRunsComeEveryPeriod) {
  realloc_runs r;
  config::reallocation_config cfg;
  cfg.period = std::chrono::milliseconds{0};
  r.configure(cfg, 1'000);
  EXPECT_FALSE(r.periodic_due(1'000'000)); // no period, no run
  cfg.period = std::chrono::milliseconds{500};
  r.configure(cfg, 1'000);
  EXPECT_FALSE(r.periodic_due(1'499));
  EXPECT_TRUE(r.periodic_due(1'600));
  EXPECT_EQ(r.next_periodic_ms, 2'100);
  EXPECT_FALSE(r.periodic_due(2'000));
}

TEST(ReallocRuns, TheTimerRunsWhileMovesWait) {
  realloc_runs r;
  config::reallocation_config cfg;
  cfg.window = std::chrono::milliseconds{0};
  cfg.max_rate = 10;
  r.configure(cfg, 0);
  EXPECT_FALSE(r.start_ticking()); // nothing waits
  r.pacer.add({{"T1", assigned_label{}}, {"T2", assigned_label{}}}, 0);
  EXPECT_TRUE(r.start_ticking());
  EXPECT_FALSE(r.start_ticking()); // already running
  r.pacer.take_due(0);             // T1
  EXPECT_TRUE(r.keep_ticking());
  r.pacer.take_due(100'000); // T2 (microseconds)
  EXPECT_FALSE(r.keep_ticking());
  EXPECT_FALSE(r.pacer_ticking);
}

} // namespace
} // namespace tether
