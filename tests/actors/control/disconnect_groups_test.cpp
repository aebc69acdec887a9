// disconnect_groups without an actor: events recorded and stored once,
// addresses taken from stored events, groups made and dissolved.
#include "actors/control/disconnect_groups.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tether {
namespace {

TEST(DisconnectGroups, RecordedEventsAreStoredOnce) {
  disconnect_groups g;
  g.record(100, "T1", "10.0.0.1");
  g.record(200, "T2", "");
  EXPECT_EQ(g.tracker.events().size(), 2u);
  auto events = g.take_unsaved();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].terminal_id, "T1");
  EXPECT_EQ(events[1].at_ms, 200);
  EXPECT_TRUE(g.take_unsaved().empty());
}

TEST(DisconnectGroups, LoadGivesTerminalsTheirLastAddress) {
  terminal_table terminals;
  terminals.entries["T1"].record.registered = true;
  disconnect_groups g;
  g.load({{100, "T1", "10.0.0.1"},
          {200, "T1", "10.0.0.2"},
          {300, "T1", ""},
          {400, "T9", "10.0.0.9"}},
         terminals);
  EXPECT_EQ(terminals.find("T1")->address, "10.0.0.2");
  EXPECT_FALSE(terminals.contains("T9")); // not created
  EXPECT_EQ(g.tracker.events().size(), 4u);
  EXPECT_TRUE(g.unsaved.empty()); // stored already
}

TEST(DisconnectGroups, ClassesFormAndStay) {
  config::label_rules rules;
  rules.disconnect_group.min_addresses = 2;
  rules.failure_group.group_by = "region";
  rules.failure_group.min_terminals = 2;
  rules.failure_group.share = 0.5;
  terminal_table terminals;
  for (auto id : {"A1", "A2", "A3"}) {
    terminals.entries[id].record.registered = true;
    terminals.entries[id].record.region = "GG1";
  }
  disconnect_groups g;
  g.tracker = disconnect_tracker{rules};
  const int64_t now = 1'000 * 3'600'000LL;
  EXPECT_EQ(g.refresh(now, terminals), 0); // nothing yet
  g.record(now - 1'000, "A1", "10.0.0.1");
  g.record(now - 1'000, "A2", "10.0.0.2");
  EXPECT_EQ(g.refresh(now, terminals), 0);
  const std::string ge = "ge-" + std::to_string((now - 1'000) / 1000);
  EXPECT_EQ(g.tracker.disconnect_class("A1"), ge);
  EXPECT_EQ(g.tracker.disconnect_class("A3"), "");
  EXPECT_TRUE(g.tracker.failing_group("GG1")); // 2 of 3 >= 50 %
  // Past the windows (10 min) the events go, the classes stay.
  EXPECT_GT(g.refresh(now + 11 * 60'000, terminals), 0);
  EXPECT_TRUE(g.tracker.events().empty());
  EXPECT_EQ(g.tracker.disconnect_class("A2"), ge);
  EXPECT_TRUE(g.tracker.failing_group("GG1"));
}

} // namespace
} // namespace tether
