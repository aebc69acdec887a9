// terminal_table without running the control: session open/close
// bookkeeping and counters, registration's merge of the device's facts with
// what services set, record changes, and the candidates of a re-allocation
// run.
#include "actors/control/terminal_table.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "actors/control/control.hpp"
#include "tests/actors/support/session_handles.hpp"

namespace tether {
namespace {

// -- sessions
// ---------------------------------------------------------------------------

/// Two distinct session handles (session_handles, declared first: the
/// tables let go of theirs before the actors stop).
class ControlSessions : public ::testing::Test {
protected:
  ControlSessions() { // T1 is registered: sessions of unknown ones are not
    st.entries["T1"].record.registered = true;
    cs.terminals.entries["T1"].record.registered = true;
  }

  actor_test::session_handles sessions;
  terminal_session_actor s1 = sessions[0];
  terminal_session_actor s2 = sessions[1];
  terminal_table st;
  control_state cs; // for the glue: a counted close is a disconnect event
};

TEST_F(ControlSessions, AnAnnouncedSessionOfAnUnknownTerminalMakesNoEntry) {
  auto r
    = st.on_announce("T9", "C1-n1", s1, 1, 100, terminal_table::announce::open);
  EXPECT_FALSE(r.known);
  EXPECT_FALSE(r.taken);
  EXPECT_FALSE(st.contains("T9"));
}

TEST_F(ControlSessions, OpenAndClose) {
  st.on_open("T1", "C1-n1", s1, 100);
  auto& t = st.entries.at("T1");
  EXPECT_TRUE(t.connected);
  EXPECT_EQ(t.node_id, "C1-n1");
  EXPECT_EQ(t.session, s1);
  EXPECT_EQ(t.connects, 1u);
  EXPECT_EQ(t.last_seen_ms, 100);
  // A connected terminal is seen "now".
  EXPECT_EQ(st.status_of("T1", t, 500).last_seen_ms, 500);
  EXPECT_TRUE(st.status_of("T1", t, 500).connected);
  st.on_closed("T1", "connection closed", s1, 200);
  EXPECT_FALSE(t.connected);
  EXPECT_FALSE(t.session);
  EXPECT_EQ(t.disconnects, 1u);
  EXPECT_EQ(t.keepalive_failures, 0u);
  EXPECT_EQ(t.last_seen_ms, 200);
  auto s = st.status_of("T1", t, 900);
  EXPECT_FALSE(s.connected);
  EXPECT_EQ(s.last_seen_ms, 200);
  EXPECT_EQ(s.record.terminal_id, "T1");
}

TEST_F(ControlSessions, KeepaliveLossIsCounted) {
  st.on_open("T1", "C1-n1", s1, 100);
  st.on_closed("T1", "keepalive lost", s1, 200);
  EXPECT_EQ(st.entries.at("T1").keepalive_failures, 1u);
  EXPECT_EQ(st.status_of("T1", st.entries.at("T1"), 0).keepalive_failures, 1u);
}

TEST_F(ControlSessions,
       AMovedSessionIsNoNewConnectAndTheOldOnesCloseNoDisconnect) {
  // The balancer moves the session to another node (node drained or dead):
  // the device kept its WebSocket.
  st.on_open("T1", "C1-n1", s1, 100);
  st.on_open("T1", "C1-n2", s2, 150, true);
  st.on_closed("T1", std::string{session_moved_reason}, s1, 160);
  auto& t = st.entries.at("T1");
  EXPECT_TRUE(t.connected);
  EXPECT_EQ(t.node_id, "C1-n2");
  EXPECT_EQ(t.session, s2);
  EXPECT_EQ(t.connects, 1u);
  EXPECT_EQ(t.disconnects, 0u);
}

TEST_F(ControlSessions, TheNewerGenerationWinsWhateverTheOrder) {
  using how = terminal_table::announce;
  // After a control restart: the stale session (generation 100) announces
  // itself first, then the current one (200).
  auto first = st.on_announce("T1", "C1-n1", s1, 100, 10, how::again);
  EXPECT_TRUE(first.taken);
  auto second = st.on_announce("T1", "C1-n2", s2, 200, 20, how::again);
  EXPECT_TRUE(second.taken);
  EXPECT_EQ(second.displaced, s1);
  // The stale one again, or moved: refused, nothing changes.
  EXPECT_FALSE(st.on_announce("T1", "C1-n1", s1, 100, 30, how::again).taken);
  EXPECT_FALSE(st.on_announce("T1", "C1-n1", s1, 150, 30, how::moved).taken);
  auto& t = st.entries.at("T1");
  EXPECT_EQ(t.session, s2);
  EXPECT_EQ(t.node_id, "C1-n2");
  EXPECT_EQ(t.connects, 0u);
  // A new connection is always taken (the device has one socket), even
  // with a smaller generation from a balancer whose clock is behind.
  auto reconnect = st.on_announce("T1", "C1-n1", s1, 50, 40, how::open);
  EXPECT_TRUE(reconnect.taken);
  EXPECT_EQ(t.session, s1);
  EXPECT_EQ(t.connects, 1u);
}

TEST_F(ControlSessions, StaleSessionsCloseIsIgnored) {
  // The device reconnects: s2 opens before s1's close arrives.
  st.on_open("T1", "C1-n1", s1, 100);
  st.on_open("T1", "C1-n2", s2, 150);
  st.on_closed("T1", "replaced by a newer connection", s1, 160);
  auto& t = st.entries.at("T1");
  EXPECT_TRUE(t.connected);
  EXPECT_EQ(t.node_id, "C1-n2");
  EXPECT_EQ(t.session, s2);
  EXPECT_EQ(t.connects, 2u);
  EXPECT_EQ(t.disconnects, 0u);
  // The current session's close counts.
  st.on_closed("T1", "connection closed", s2, 170);
  EXPECT_FALSE(t.connected);
  EXPECT_EQ(t.disconnects, 1u);
  // A second close of the same session changes nothing.
  st.on_closed("T1", "connection closed", s2, 180);
  EXPECT_EQ(t.disconnects, 1u);
  EXPECT_EQ(t.last_seen_ms, 170);
}

TEST_F(ControlSessions, CloseOfUnknownTerminalCreatesNothing) {
  st.on_closed("T9", "connection closed", s1, 100);
  EXPECT_EQ(st.entries.count("T9"), 0u);
}

TEST_F(ControlSessions, ACountedCloseIsADisconnectEvent) {
  cs.terminals.on_open("T1", "C1-n1", s1, 100);
  cs.terminals.entries["T1"].address = "10.0.0.1";
  cs.on_closed("T1", "connection closed", s2, 150); // not its session
  EXPECT_TRUE(cs.disconnects.unsaved.empty());
  cs.on_closed("T1", "connection closed", s1, 200);
  auto events = cs.disconnects.take_unsaved();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at_ms, 200);
  EXPECT_EQ(events[0].terminal_id, "T1");
  EXPECT_EQ(events[0].address, "10.0.0.1");
  EXPECT_TRUE(cs.disconnects.unsaved.empty());
}

// -- the control's candidates
// ---------------------------------------------------------

TEST(ControlRealloc, CandidatesByScope) {
  terminal_table st;
  for (auto [id, cluster] :
       {std::pair{"T3", "C1"}, {"T1", "C1"}, {"T2", "C2"}}) {
    st.entries[id].record.registered = true;
    st.entries[id].record.cluster_id = cluster;
  }
  std::string unknown;
  EXPECT_EQ(st.realloc_candidates("", {}, unknown),
            (std::vector<std::string>{"T1", "T2", "T3"}));
  EXPECT_EQ(st.realloc_candidates("C1", {}, unknown),
            (std::vector<std::string>{"T1", "T3"}));
  EXPECT_TRUE(st.realloc_candidates("C9", {}, unknown).empty());
  EXPECT_EQ(st.realloc_candidates("", {"T2", "T2"}, unknown),
            (std::vector<std::string>{"T2"}));
  EXPECT_TRUE(unknown.empty());
  EXPECT_TRUE(st.realloc_candidates("", {"T2", "T9"}, unknown).empty());
  EXPECT_EQ(unknown, "T9");
}

// -- record changes
// -----------------------------------------------------------

TEST(TerminalTable, RegistrationKeepsWhatServicesSet) {
  terminal_table st;
  auto& old = st.entries["T1"].record;
  old.registered = true;
  old.registered_at_ms = 50;
  old.attributes = {{"color", "red"}, {"site", "old"}};
  old.users = {"u1"};
  terminal_record facts;
  facts.terminal_id = "T1";
  facts.attributes = {{"site", "new"}};
  auto device_keys = st.prepare_registration(facts, 1'000);
  EXPECT_EQ(device_keys, std::set<std::string>{"site"});
  EXPECT_EQ(facts.registered_at_ms, 50); // the first registration's time
  EXPECT_EQ(facts.attributes.at("site"), "new");
  EXPECT_EQ(facts.attributes.at("color"), "red");
  EXPECT_EQ(facts.users, std::vector<std::string>{"u1"});
  // Nothing changed meanwhile: nothing to store again.
  EXPECT_FALSE(st.complete_registration(facts, device_keys, "C1"));
  EXPECT_EQ(st.find("T1")->record.cluster_id, "C1");
  // A service set an attribute and a user while it ran: they stay.
  st.entries["T1"].record.attributes.edit()["owner"] = "ops";
  st.entries["T1"].record.users = {"u1", "u2"};
  auto merged = st.complete_registration(facts, device_keys, "C2");
  ASSERT_TRUE(merged);
  EXPECT_EQ(merged->cluster_id, "C2");
  EXPECT_EQ(merged->attributes.at("owner"), "ops");
  EXPECT_EQ(merged->attributes.at("site"), "new");
  EXPECT_EQ(merged->users, (std::vector<std::string>{"u1", "u2"}));
}

TEST(TerminalTable, NewTerminalRegistersNow) {
  terminal_table st;
  terminal_record facts;
  facts.terminal_id = "T1";
  st.prepare_registration(facts, 1'000);
  EXPECT_EQ(facts.registered_at_ms, 1'000);
  EXPECT_FALSE(st.complete_registration(facts, {}, "C1"));
  EXPECT_TRUE(st.contains("T1"));
}

TEST(TerminalTable, ChangesAreBoundedAndKeepTheCluster) {
  terminal_table st;
  EXPECT_FALSE(st.with_attributes("T1", {{"a", "1"}}));
  EXPECT_FALSE(st.with_user("T1", "u1"));
  st.entries["T1"].record.registered = true;
  std::map<std::string, std::string> many;
  for (int i = 0; i < 65; ++i)
    many["k" + std::to_string(i)] = "v";
  EXPECT_FALSE(st.with_attributes("T1", many));
  auto changed = st.with_attributes("T1", {{"a", "1"}});
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->attributes.at("a"), "1");
  auto linked = st.with_user("T1", "u1");
  ASSERT_TRUE(linked);
  EXPECT_EQ(linked->users, std::vector<std::string>{"u1"});
  // A registration set the cluster while the change was stored.
  st.entries["T1"].record.cluster_id = "C2";
  EXPECT_EQ(st.apply_change(*changed).cluster_id, "C2");
  EXPECT_EQ(st.find("T1")->record.attributes.get().at("a"), "1");
}

} // namespace
} // namespace tether
