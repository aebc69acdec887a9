// drain_rate: how fast a long queue is served, from arrivals' counts (time
// passed in: a fake clock).
#include <gtest/gtest.h>

#include "net/limits/drain_rate.hpp"

namespace {

using namespace std::chrono_literals;
using tether::net::drain_rate;
using tether::net::limit_clock;

const auto t0 = limit_clock::time_point{} + 1h;

TEST(DrainRate, MeasuredFromTheFirstAnswerForAStepAtLeast) {
  drain_rate d{10};
  d.observe(t0, 5, 0);
  EXPECT_FALSE(d.per_second(t0)) << "nothing measured yet";
  d.observe(t0 + 1ms, 10, 0); // long from here on
  d.observe(t0 + 30ms, 12, 0);
  EXPECT_FALSE(d.per_second(t0 + 30ms)) << "no answer yet: the latency";
  d.observe(t0 + 41ms, 12, 2); // the first answers: measured from here
  d.observe(t0 + 100ms, 12, 4);
  EXPECT_FALSE(d.per_second(t0 + 100ms)) << "59 ms say little";
  d.observe(t0 + 141ms, 12, 10);
  auto r = d.per_second(t0 + 141ms);
  ASSERT_TRUE(r);
  EXPECT_DOUBLE_EQ(*r, 8 / 0.100) << "8 answered in the 100 ms measured";
}

TEST(DrainRate, AShortQueueSaysNothing) {
  drain_rate d{10};
  for (int i = 0; i < 50; ++i) // 9 waiting, served one by one for 5 s
    d.observe(t0 + i * 100ms, 9, static_cast<uint64_t>(i));
  EXPECT_FALSE(d.per_second(t0 + 5s));
}

TEST(DrainRate, AQueueWithNoAnswerSinceItBecameLongHasNoRate) {
  drain_rate d{10};
  d.observe(t0, 10, 7);
  d.observe(t0 + 500ms, 30, 7);
  d.observe(t0 + 900ms, 40, 7);
  EXPECT_FALSE(d.per_second(t0 + 900ms)) << "stalled: no pace to tell";
}

TEST(DrainRate, OnlyTheLastSecondCounts) {
  drain_rate d{10};
  uint64_t served = 0;
  auto t = t0;
  for (int i = 0; i < 20; ++i, t += 50ms) { // 1 s at 1,000 a second
    d.observe(t, 500, served);
    served += 50;
  }
  for (int i = 0; i < 30; ++i, t += 50ms) { // then 1.5 s at 100 a second
    d.observe(t, 500, served);
    served += 5;
  }
  d.observe(t, 500, served);
  auto r = d.per_second(t);
  ASSERT_TRUE(r);
  EXPECT_NEAR(*r, 100.0, 1.0);
}

TEST(DrainRate, ALongGapThatMayHaveRunEmptyIsLeftOut) {
  drain_rate d{10};
  d.observe(t0, 10, 0);
  d.observe(t0 + 10ms, 10, 1); // the first answer
  d.observe(t0 + 50ms, 10, 5);
  // The next arrival 5 s later: 100 served, more than the 10 waiting, so
  // the queue may have been empty (idle, not slow) for most of the gap.
  d.observe(t0 + 5s, 10, 100);
  EXPECT_FALSE(d.per_second(t0 + 5s)) << "not 20 a second";
  // A gap in which fewer were served than were waiting was busy all along.
  drain_rate busy{10};
  busy.observe(t0, 500, 0);
  busy.observe(t0 + 10ms, 500, 1); // the first answer
  busy.observe(t0 + 510ms, 500, 101);
  auto r = busy.per_second(t0 + 510ms);
  ASSERT_TRUE(r);
  EXPECT_DOUBLE_EQ(*r, 200.0);
}

} // namespace
