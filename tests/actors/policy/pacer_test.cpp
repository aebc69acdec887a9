// The re-allocation pacer (actors/policy/pacer.hpp) without actors:
// slots spread over the window, the rate cap, runs queueing behind each
// other, late ticks.
#include "actors/policy/pacer.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace tether {
namespace {

// -- the pacer
// ---------------------------------------------------------------------------

std::vector<std::pair<std::string, assigned_label>> ids(int n,
                                                        const std::string& p) {
  std::vector<std::pair<std::string, assigned_label>> out;
  for (int i = 0; i < n; ++i)
    out.emplace_back(p + std::to_string(i), assigned_label{});
  return out;
}

config::reallocation_config pacing(int64_t window_ms, uint32_t rate) {
  config::reallocation_config c;
  c.window = std::chrono::milliseconds{window_ms};
  c.max_rate = rate;
  return c;
}

/// Drains the pacer step by step from `start`; returns the slots.
std::vector<int64_t> drain(reallocation_pacer& p, int64_t start) {
  std::vector<int64_t> slots;
  for (int64_t now = start; p.pending() > 0 && now < start + 10'000'000;
       now += p.step_ms())
    for (auto& m : p.take_due(now)) {
      EXPECT_EQ(m.after_ms,
                static_cast<uint32_t>(std::max<int64_t>(0, m.slot_ms - now)));
      EXPECT_LT(m.after_ms, static_cast<uint32_t>(p.step_ms()));
      slots.push_back(m.slot_ms);
    }
  return slots;
}

TEST(Pacer, SpreadsOverTheWindowWhenTheRateAllows) {
  reallocation_pacer p{pacing(10'000, 100)};
  EXPECT_EQ(p.add(ids(10, "T"), 1'000), 10u);
  auto slots = drain(p, 1'000);
  ASSERT_EQ(slots.size(), 10u);
  EXPECT_EQ(slots.front(), 1'000);
  for (size_t i = 1; i < slots.size(); ++i)
    EXPECT_EQ(slots[i] - slots[i - 1], 1'000); // 10 s / 10
  EXPECT_LT(slots.back(), 1'000 + 10'000);     // all within the window
}

TEST(Pacer, NeverFasterThanTheRate) {
  reallocation_pacer p{pacing(1'000, 4)}; // 40 in 1 s would be 40/s
  p.add(ids(40, "T"), 0);
  auto slots = drain(p, 0);
  ASSERT_EQ(slots.size(), 40u);
  for (size_t i = 1; i < slots.size(); ++i)
    EXPECT_GE(slots[i] - slots[i - 1], 250);
  // Any one-second interval holds at most 4 slots.
  for (size_t i = 0; i + 4 < slots.size(); ++i)
    EXPECT_GE(slots[i + 4] - slots[i], 1'000);
  // A rate that does not divide 1000 rounds the gap up, never down.
  EXPECT_EQ(reallocation_pacer{pacing(0, 3)}.min_gap_ms(), 334);
}

TEST(Pacer, ALaterRunQueuesBehindAndKeepsTheRate) {
  reallocation_pacer p{pacing(0, 10)};
  p.add(ids(5, "A"), 0);                 // slots 0..400
  EXPECT_EQ(p.add(ids(3, "B"), 50), 3u); // behind: 500, 600, 700
  // A terminal already waiting keeps its slot.
  EXPECT_EQ(p.add({{"A1", assigned_label{}}, {"B0", assigned_label{}}}, 60),
            0u);
  EXPECT_EQ(p.pending(), 8u);
  auto slots = drain(p, 0);
  EXPECT_EQ(slots,
            (std::vector<int64_t>{0, 100, 200, 300, 400, 500, 600, 700}));
  // Once idle, a new run starts at once.
  p.add(ids(1, "C"), 5'000);
  EXPECT_EQ(drain(p, 5'000), std::vector<int64_t>{5'000});
}

TEST(Pacer, LateTicksKeepTheRateCap) {
  reallocation_pacer p{pacing(0, 10)}; // 100 ms between moves, step 100 ms
  p.add(ids(3, "T"), 0);               // slots 0, 100, 200
  // The timer came a second late: every slot has passed, yet only one move
  // goes now; the others follow at the rate cap, not in a burst.
  auto late = p.take_due(1'000);
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].terminal_id, "T0");
  EXPECT_EQ(late[0].after_ms, 0u);
  EXPECT_EQ(p.pending(), 2u);
  auto next = p.take_due(1'100);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].terminal_id, "T1");
  EXPECT_EQ(next[0].after_ms, 0u);
  // A wide step takes the rest at once, each at its slot.
  reallocation_pacer wide{pacing(0, 10), 1'000};
  wide.add(ids(3, "T"), 0);
  auto all = wide.take_due(5'000);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].after_ms, 0u);
  EXPECT_EQ(all[1].after_ms, 100u);
  EXPECT_EQ(all[2].after_ms, 200u);
  // A returning terminal may not move at once right behind them.
  EXPECT_FALSE(wide.move_now_or_queue("R", {}, 5'250));
}

// Terminals that come back (register, destination): the first moves at
// once, a storm is queued at the rate cap, and a later return after a quiet
// gap moves at once again.
TEST(Pacer, ReturnsMoveAtOnceUnlessAStormComes) {
  reallocation_pacer p{pacing(60'000, 10)}; // 100 ms between moves
  EXPECT_TRUE(p.move_now_or_queue("A", {}, 1'000));
  for (int i = 0; i < 5; ++i)
    EXPECT_FALSE(p.move_now_or_queue("S" + std::to_string(i), {}, 1'010));
  EXPECT_EQ(p.pending(), 5u);
  // A terminal already queued keeps its slot.
  EXPECT_FALSE(p.move_now_or_queue("S0", {}, 1'020));
  EXPECT_EQ(p.pending(), 5u);
  auto slots = drain(p, 1'010);
  EXPECT_EQ(slots, (std::vector<int64_t>{1'100, 1'200, 1'300, 1'400, 1'500}));
  EXPECT_FALSE(p.move_now_or_queue("B", {}, 1'550)); // within the gap
  EXPECT_EQ(drain(p, 1'550), (std::vector<int64_t>{1'600}));
  EXPECT_TRUE(p.move_now_or_queue("C", {}, 5'000));
  EXPECT_EQ(p.pending(), 0u);
}

} // namespace
} // namespace tether
