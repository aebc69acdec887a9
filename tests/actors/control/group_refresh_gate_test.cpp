// group_refresh_gate and disconnect_groups::refresh with it: the GE/GF
// classes are recomputed only when something they depend on changed, and
// every such change is seen (an event that comes or ages out of a window,
// a terminal whose group value changed, a class cleared).
#include "actors/control/disconnect_groups.hpp"
#include "actors/control/group_refresh_gate.hpp"

#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace tether {
namespace {

constexpr int64_t hour = 3'600'000;
constexpr int64_t t0 = 1'000 * hour;

config::label_rules rules(int64_t ge_window_ms, int64_t gf_window_ms) {
  config::label_rules r;
  r.disconnect_group.min_addresses = 2;
  r.disconnect_group.window = config::millis{ge_window_ms};
  r.failure_group.group_by = "region";
  r.failure_group.min_terminals = 1;
  r.failure_group.share = 1.0;
  r.failure_group.window = config::millis{gf_window_ms};
  return r;
}

void add_terminal(terminal_table& terminals, const std::string& id,
                  const std::string& region) {
  terminals.entries[id].record.registered = true;
  terminals.entries[id].record.region = region;
}

/// Groups under `rules(60 s, gf_window_ms)`.
disconnect_groups groups(int64_t gf_window_ms) {
  disconnect_groups g;
  g.tracker = disconnect_tracker{rules(60'000, gf_window_ms)};
  return g;
}

/// Groups where A1 and A2 dropped at t0 from two addresses (a GE class),
/// recomputed at t0.
disconnect_groups two_dropped(const terminal_table& terminals,
                              int64_t gf_window_ms) {
  auto g = groups(gf_window_ms);
  g.record(t0, "A1", "10.0.0.1");
  g.record(t0, "A2", "10.0.0.2");
  g.refresh(t0, terminals);
  return g;
}

TEST(GroupRefreshGate, DueUntilRefreshedThenOnlyOnAChange) {
  disconnect_tracker tracker{rules(60'000, 60'000)};
  tracker.add({t0, "A1", "10.0.0.1"});
  group_refresh_gate gate;
  group_inputs in{0, 42};        // the tracker has no class
  EXPECT_TRUE(gate.due(t0, in)); // never computed
  gate.refreshed(t0, in, tracker);
  EXPECT_FALSE(gate.due(t0 + 1, in));
  EXPECT_TRUE(gate.due(t0 + 1, {1, 42}));       // a class came or went
  EXPECT_TRUE(gate.due(t0 + 1, {0, 43}));       // a terminal's group changed
  EXPECT_EQ(gate.settled_until(), t0 + 60'001); // the event leaves then
  EXPECT_FALSE(gate.due(t0 + 60'000, in));
  EXPECT_TRUE(gate.due(t0 + 60'001, in));
  gate.touch(); // an event came
  EXPECT_TRUE(gate.due(t0 + 1, in));
}

TEST(GroupRefreshGate, NoEventInAWindowSettlesForever) {
  disconnect_tracker tracker{rules(60'000, 60'000)};
  tracker.add({t0, "A1", "10.0.0.1"});
  group_refresh_gate gate;
  gate.refreshed(t0 + 120'000, {}, tracker);
  EXPECT_EQ(gate.settled_until(), std::numeric_limits<int64_t>::max());
}

TEST(GroupRefreshGate, FingerprintFollowsPairsNotOrder) {
  uint64_t a = 0, b = 0, swapped = 0;
  add_to_fingerprint(a, "A1", "GG1");
  add_to_fingerprint(a, "A2", "GG2");
  add_to_fingerprint(b, "A2", "GG2");
  add_to_fingerprint(b, "A1", "GG1");
  add_to_fingerprint(swapped, "A1", "GG2");
  add_to_fingerprint(swapped, "A2", "GG1");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, swapped);
}

TEST(GroupRefreshGate, TicksWithNothingNewRecomputeNothing) {
  terminal_table terminals;
  add_terminal(terminals, "A1", "GG1");
  add_terminal(terminals, "A2", "GG2");
  auto g = two_dropped(terminals, 120'000);
  const std::string ge = "ge-" + std::to_string(t0 / 1000);
  EXPECT_EQ(g.tracker.disconnect_class("A1"), ge);
  for (int64_t s = 1; s <= 5; ++s)
    g.refresh(t0 + s * 1000, terminals);
  EXPECT_EQ(g.gate.skipped, 5u);
  EXPECT_EQ(g.tracker.disconnect_class("A2"), ge);
}

// The GE window (1 min) ends before the GF window (2 min), so the events
// stay while the GE class closes with time alone: a burst after that is a
// new class, not the old one (a skipped recomputation would keep it open).
TEST(GroupRefreshGate, AnEventAgingOutOfItsWindowIsSeen) {
  terminal_table terminals;
  for (auto id : {"A1", "A2", "A3", "A4"})
    add_terminal(terminals, id, "GG1");
  auto g = two_dropped(terminals, 120'000);
  g.refresh(t0 + 60'001, terminals); // both left the GE window
  EXPECT_EQ(g.gate.skipped, 0u);
  EXPECT_EQ(g.tracker.events().size(), 2u); // still in the GF window
  g.record(t0 + 70'000, "A3", "10.0.0.3");
  g.record(t0 + 70'000, "A4", "10.0.0.4");
  g.refresh(t0 + 70'000, terminals);
  EXPECT_EQ(g.tracker.disconnect_class("A1"),
            "ge-" + std::to_string(t0 / 1000));
  EXPECT_EQ(g.tracker.disconnect_class("A3"),
            "ge-" + std::to_string((t0 + 70'000) / 1000));
}

// Two terminals swap regions: the group sizes stay, the failing group of
// the one that dropped changes.
TEST(GroupRefreshGate, AGroupValueThatChangedIsSeen) {
  terminal_table terminals;
  add_terminal(terminals, "A1", "GG1");
  add_terminal(terminals, "A2", "GG2");
  auto g = groups(60'000);
  g.record(t0, "A1", "");
  g.refresh(t0, terminals);
  EXPECT_EQ(g.tracker.failure_members().at("A1"), "GG1");
  // Records change through the table (its version moves).
  auto a1 = terminals.entries["A1"].record.expand("A1");
  auto a2 = terminals.entries["A2"].record.expand("A2");
  a1.region = "GG2";
  a2.region = "GG1";
  terminals.apply_change(a1);
  terminals.apply_change(a2);
  g.refresh(t0 + 1000, terminals);
  EXPECT_EQ(g.gate.skipped, 0u);
  EXPECT_EQ(g.tracker.failure_members().at("A1"), "GG2");
}

// An operator clears a class: the same events form it again at the next
// recomputation only if they are still in the windows (they are dropped
// with it), and the gate sees the class counts change.
TEST(GroupRefreshGate, AClearedClassIsSeen) {
  terminal_table terminals;
  add_terminal(terminals, "A1", "GG1");
  add_terminal(terminals, "A2", "GG1");
  add_terminal(terminals, "B1", "GG2");
  auto g = groups(60'000);
  g.record(t0, "A1", "");
  g.record(t0, "A2", "");
  g.record(t0, "B1", "");
  g.refresh(t0, terminals);
  ASSERT_TRUE(g.tracker.failing_group("GG1"));
  ASSERT_TRUE(g.tracker.clear("GG1"));
  // B1's event is kept; the recomputation runs and keeps GG2.
  g.refresh(t0 + 1000, terminals);
  EXPECT_EQ(g.gate.skipped, 0u);
  EXPECT_FALSE(g.tracker.failing_group("GG1"));
  EXPECT_TRUE(g.tracker.failing_group("GG2"));
}

// The pass over every terminal (group sizes, fingerprint) is taken again
// only when the table changed: a record set, a terminal gone or added.
TEST(GroupRefreshGate, TheTerminalsArePassedOverOnlyWhenTheTableChanged) {
  terminal_table terminals;
  terminals.load({});
  add_terminal(terminals, "A1", "GG1");
  add_terminal(terminals, "A2", "GG2");
  auto g = groups(60'000);
  g.record(t0, "A1", "");
  g.refresh(t0, terminals);
  EXPECT_EQ(g.passes, 1u);
  g.refresh(t0 + 1000, terminals);
  g.refresh(t0 + 2000, terminals);
  EXPECT_EQ(g.passes, 1u) << "nothing changed, yet the table was walked";
  auto a2 = terminals.entries["A2"].record.expand("A2");
  a2.region = "GG1";
  terminals.apply_change(a2);
  g.refresh(t0 + 3000, terminals);
  EXPECT_EQ(g.passes, 2u);
  EXPECT_EQ(g.pass_over(terminals).sizes.at("GG1"), 2u);
  terminals.erase("A2");
  g.refresh(t0 + 4000, terminals);
  EXPECT_EQ(g.passes, 3u);
  EXPECT_EQ(g.pass_over(terminals).sizes.at("GG1"), 1u);
  add_terminal(terminals, "A3", "GG1"); // a new entry: the size moved
  g.refresh(t0 + 5000, terminals);
  EXPECT_EQ(g.passes, 4u);
  EXPECT_EQ(g.pass_over(terminals).sizes.at("GG1"), 2u);
}

} // namespace
} // namespace tether
