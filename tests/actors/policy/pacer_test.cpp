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

/// Milliseconds in the pacer's microseconds.
constexpr int64_t ms(int64_t n) {
  return n * 1000;
}

config::reallocation_config pacing(int64_t window_ms, uint32_t rate) {
  config::reallocation_config c;
  c.window = std::chrono::milliseconds{window_ms};
  c.max_rate = rate;
  return c;
}

/// Drains the pacer step by step from `start` (ms); returns the slots in
/// milliseconds.
std::vector<int64_t> drain(reallocation_pacer& p, int64_t start) {
  std::vector<int64_t> slots;
  for (int64_t now = ms(start); p.pending() > 0 && now < ms(start + 10'000'000);
       now += p.step_us())
    for (auto& m : p.take_due(now)) {
      EXPECT_EQ(m.after_ms, static_cast<uint32_t>(
                              std::max<int64_t>(0, m.slot_us - now) / 1000));
      EXPECT_LT(m.after_ms, static_cast<uint32_t>(p.step_us() / 1000));
      slots.push_back(m.slot_us / 1000);
    }
  return slots;
}

TEST(Pacer, SpreadsOverTheWindowWhenTheRateAllows) {
  reallocation_pacer p{pacing(10'000, 100)};
  EXPECT_EQ(p.add(ids(10, "T"), ms(1'000)), 10u);
  auto slots = drain(p, 1'000);
  ASSERT_EQ(slots.size(), 10u);
  EXPECT_EQ(slots.front(), 1'000);
  for (size_t i = 1; i < slots.size(); ++i)
    EXPECT_EQ(slots[i] - slots[i - 1], 1'000); // 10 s / 10
  EXPECT_LT(slots.back(), 1'000 + 10'000);     // all within the window
}

TEST(Pacer, NeverFasterThanTheRate) {
  reallocation_pacer p{pacing(1'000, 4)}; // 40 in 1 s would be 40/s
  p.add(ids(40, "T"), ms(0));
  auto slots = drain(p, 0);
  ASSERT_EQ(slots.size(), 40u);
  for (size_t i = 1; i < slots.size(); ++i)
    EXPECT_GE(slots[i] - slots[i - 1], 250);
  // Any one-second interval holds at most 4 slots.
  for (size_t i = 0; i + 4 < slots.size(); ++i)
    EXPECT_GE(slots[i + 4] - slots[i], 1'000);
  // A rate that does not divide a million rounds the gap up, never down.
  EXPECT_EQ(reallocation_pacer{pacing(0, 3)}.min_gap_us(), 333'334);
}

TEST(Pacer, ALaterRunQueuesBehindAndKeepsTheRate) {
  reallocation_pacer p{pacing(0, 10)};
  p.add(ids(5, "A"), ms(0));                 // slots 0..400
  EXPECT_EQ(p.add(ids(3, "B"), ms(50)), 3u); // behind: 500, 600, 700
  // A terminal already waiting keeps its slot.
  EXPECT_EQ(p.add({{"A1", assigned_label{}}, {"B0", assigned_label{}}}, ms(60)),
            0u);
  EXPECT_EQ(p.pending(), 8u);
  auto slots = drain(p, 0);
  EXPECT_EQ(slots,
            (std::vector<int64_t>{0, 100, 200, 300, 400, 500, 600, 700}));
  // Once idle, a new run starts at once.
  p.add(ids(1, "C"), ms(5'000));
  EXPECT_EQ(drain(p, 5'000), std::vector<int64_t>{5'000});
}

TEST(Pacer, LateTicksKeepTheRateCap) {
  reallocation_pacer p{pacing(0, 10)}; // 100 ms between moves, step 100 ms
  p.add(ids(3, "T"), ms(0));           // slots 0, 100, 200
  // The timer came a second late: every slot has passed, yet only one move
  // goes now; the others follow at the rate cap, not in a burst.
  auto late = p.take_due(ms(1'000));
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].terminal_id, "T0");
  EXPECT_EQ(late[0].after_ms, 0u);
  EXPECT_EQ(p.pending(), 2u);
  auto next = p.take_due(ms(1'100));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].terminal_id, "T1");
  EXPECT_EQ(next[0].after_ms, 0u);
  // A wide step takes the rest at once, each at its slot.
  reallocation_pacer wide{pacing(0, 10), ms(1'000)};
  wide.add(ids(3, "T"), ms(0));
  auto all = wide.take_due(ms(5'000));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].after_ms, 0u);
  EXPECT_EQ(all[1].after_ms, 100u);
  EXPECT_EQ(all[2].after_ms, 200u);
  // A returning terminal may not move at once right behind them.
  EXPECT_FALSE(wide.move_now_or_queue("R", {}, ms(5'250)));
}

// Terminals that come back (register, destination): the first moves at
// once, a storm is queued at the rate cap, and a later return after a quiet
// gap moves at once again.
TEST(Pacer, ReturnsMoveAtOnceUnlessAStormComes) {
  reallocation_pacer p{pacing(60'000, 10)}; // 100 ms between moves
  EXPECT_TRUE(p.move_now_or_queue("A", {}, ms(1'000)));
  for (int i = 0; i < 5; ++i)
    EXPECT_FALSE(p.move_now_or_queue("S" + std::to_string(i), {}, ms(1'010)));
  EXPECT_EQ(p.pending(), 5u);
  // A terminal already queued keeps its slot.
  EXPECT_FALSE(p.move_now_or_queue("S0", {}, ms(1'020)));
  EXPECT_EQ(p.pending(), 5u);
  auto slots = drain(p, 1'010);
  EXPECT_EQ(slots, (std::vector<int64_t>{1'100, 1'200, 1'300, 1'400, 1'500}));
  EXPECT_FALSE(p.move_now_or_queue("B", {}, ms(1'550))); // within the gap
  EXPECT_EQ(drain(p, 1'550), (std::vector<int64_t>{1'600}));
  EXPECT_TRUE(p.move_now_or_queue("C", {}, ms(5'000)));
  EXPECT_EQ(p.pending(), 0u);
}

// A rate above 1,000 a second is kept, not cut to one move a millisecond:
// returns in the same millisecond move at once while the rate allows
// (found by
// placement_history.a_disconnect_class_is_spread_over_clusters_and_kept under
// load: with millisecond slots, max_rate = 100000 queued the second of two
// registrations 0.9 ms apart and answered its old cluster).
TEST(Pacer, ARateAboveAThousandASecondIsKept) {
  reallocation_pacer p{pacing(60'000, 100'000)}; // 10 us between moves
  EXPECT_EQ(p.min_gap_us(), 10);
  EXPECT_TRUE(p.move_now_or_queue("A", {}, ms(1'000)));
  EXPECT_TRUE(p.move_now_or_queue("B", {}, ms(1'000) + 10));
  EXPECT_TRUE(p.move_now_or_queue("C", {}, ms(1'000) + 900));
  // Closer than the gap: queued, at the next free slot.
  EXPECT_FALSE(p.move_now_or_queue("D", {}, ms(1'000) + 905));
  EXPECT_EQ(p.pending(), 1u);
  auto due = p.take_due(ms(1'000) + 910);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].slot_us, ms(1'000) + 910);
  // A run of 1,000 spread over no window: a second in all at 1,000/s
  // would be 1 s; at 100,000/s it is 10 ms.
  reallocation_pacer run{pacing(0, 100'000)};
  run.add(ids(1'000, "T"), ms(0));
  auto slots = run.take_all();
  ASSERT_EQ(slots.size(), 1'000u);
  EXPECT_EQ(slots.back().slot_us, 999 * 10);
}

} // namespace
} // namespace tether
