// control_state without an actor: the glue between its sections (a
// terminal's status, job acceptance, a done job counted in the history,
// the facts the selector is given, a re-allocation plan).
#include "actors/control/control.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/system/close_codes.hpp"
#include "actors/system/errors.hpp"
#include "tests/actors/control/test_jobs.hpp"

namespace tether {
namespace {

using test::add;
using test::push_request;

/// A push on `terminal` as the control takes it once stored (GC counts it).
job_record pushed(control_state& st, const std::string& terminal, int64_t now) {
  auto job = st.jobs.new_job(push_request(terminal), now);
  st.job_stored(job, now);
  return job;
}

TEST(ControlState, StatusShowsHistoryAndOpenJobs) {
  control_state st;
  auto& t = st.terminals.entries["T1"];
  t.record.registered = true;
  pushed(st, "T1", 10);
  pushed(st, "T1", 10);
  // A refused push (4xx/5xx) was never stored: no call (GC), no failure
  // (GD), no open job.
  ASSERT_FALSE(st.accept_job(push_request("T9"), 10));
  auto s = st.status_of("T1", t, 100);
  EXPECT_EQ(s.open_jobs, 2u);
  EXPECT_EQ(s.api.calls, 2u);
  EXPECT_EQ(s.api.errors, 0u);
}

// GD counts failed communications with the terminal: a job delivered again,
// and one that expired before the terminal acknowledged it.
TEST(ControlState, FailedDeliveriesCountForGD) {
  control_state st;
  st.terminals.entries["T1"].record.registered = true;
  auto a = st.accept_job(push_request("T1"), 0);
  auto b = st.accept_job(push_request("T1"), 0);
  ASSERT_TRUE(a && b);
  st.jobs.stored(*a);
  st.jobs.stored(*b);
  st.apply({a->job_id, "T1", "delivered", {}}, 10);
  EXPECT_EQ(st.history.find("T1"), std::nullopt); // first delivery: no failure
  st.apply({a->job_id, "T1", "delivered", {}}, 20);
  ASSERT_NE(st.history.find("T1"), std::nullopt);
  EXPECT_EQ(st.history.find("T1")->errors, 1u);
  auto expired = *b;
  expired.status = "expired";
  st.expired(expired, 30);
  EXPECT_EQ(st.history.find("T1")->errors, 2u);
  expired.acked_at_ms = 25; // acknowledged: the communication worked
  st.expired(expired, 40);
  EXPECT_EQ(st.history.find("T1")->errors, 2u);
}

TEST(ControlState, AcceptJobNeedsARegisteredTerminalAndRoom) {
  control_state st;
  st.jobs.max_queue = 1;
  EXPECT_FALSE(st.accept_job(push_request("T1"), 0));
  st.terminals.entries["T1"].record.registered = true;
  auto job = st.accept_job(push_request("T1"), 0);
  ASSERT_TRUE(job);
  EXPECT_EQ(job->status, "queued");
  EXPECT_FALSE(st.accept_job(push_request("T1"), 0)); // the limit is 1
}

TEST(ControlState, DoneJobsCountInTheHistory) {
  control_state st;
  auto print = add(st.jobs, push_request("T1"), 0).job_id;
  auto scan = add(st.jobs, push_request("T1", "scan"), 0).job_id;
  auto failed = add(st.jobs, push_request("T1"), 0).job_id;
  ASSERT_TRUE(st.apply(job_update{print, "T1", "done", ""}, 10));
  ASSERT_TRUE(st.apply(job_update{scan, "T1", "done", ""}, 10));
  ASSERT_TRUE(st.apply(job_update{failed, "T1", "failed", ""}, 10));
  EXPECT_EQ(st.apply(job_update{print, "T1", "done", ""}, 20), nullptr);
  ASSERT_NE(st.history.find("T1"), std::nullopt);
  EXPECT_EQ(st.history.find("T1")->window_prints, 1u);
  EXPECT_EQ(st.history.find("T1")->window_jobs, 2u);
}

TEST(ControlState, ApiCallsOfUnknownTerminalsAreNotCounted) {
  control_state st;
  pushed(st, "T1", 10);
  EXPECT_EQ(st.history.find("T1"), std::nullopt);
  st.terminals.entries["T1"].record.registered = true;
  pushed(st, "T1", 10);
  ASSERT_NE(st.history.find("T1"), std::nullopt);
  EXPECT_EQ(st.history.find("T1")->calls, 1u);
}

TEST(ControlState, MovesAreCountedOnlyToAnotherCluster) {
  control_state st;
  st.terminals.entries["T1"].record.cluster_id = "C1";
  st.moved_to("T1", "C1");
  EXPECT_EQ(st.realloc.moved, 0u);
  st.moved_to("T1", "C2");
  EXPECT_EQ(st.realloc.moved, 1u);
  EXPECT_EQ(st.terminals.find("T1")->record.cluster_id, "C2");
}

TEST(ControlState, ReallocPlanSkipsTerminalsGoneMeanwhile) {
  control_state st;
  st.terminals.entries["T1"].record.registered = true;
  auto plan = st.plan_realloc("C1", {"T1", "T9"}, {}, 0);
  EXPECT_EQ(plan.cluster_id, "C1");
  EXPECT_EQ(plan.terminal_ids, std::vector<std::string>{"T1"});
  EXPECT_EQ(plan.labels.size(), 1u);
}

TEST(ControlState, StartTakesTheSnapshot) {
  control_state st;
  control_settings cfg;
  cfg.max_queue_per_terminal = 7;
  cfg.reallocation.period = std::chrono::milliseconds{60'000};
  control_snapshot snap;
  terminal_record t;
  t.terminal_id = "T1";
  snap.terminals.push_back(t);
  snap.disconnects.push_back({500, "T1", "10.0.0.7"});
  snap.next_job_seq = 9;
  job_record done;
  done.job_id = "J1";
  done.terminal_id = "T1";
  done.status = "failed";
  done.callback_pending = true;
  snap.jobs.push_back(done);
  auto callbacks = st.start(cfg, snap, 1'000);
  ASSERT_EQ(callbacks.size(), 1u);
  EXPECT_EQ(st.jobs.max_queue, 7u);
  EXPECT_EQ(st.jobs.next_job_seq, 9u);
  EXPECT_EQ(st.realloc.next_periodic_ms, 61'000);
  EXPECT_EQ(st.terminals.find("T1")->address, "10.0.0.7");
}

TEST(ControlState, ConnectionHistoryIsStoredAndComesBackAtStart) {
  // Before a restart: a connect, a keepalive failure, a reconnect, a close.
  control_state before;
  before.terminals.entries["T1"].record.registered = true;
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto s1 = caf::actor_cast<terminal_session_actor>(
    sys.spawn([](caf::event_based_actor*) {}));
  auto s2 = caf::actor_cast<terminal_session_actor>(
    sys.spawn([](caf::event_based_actor*) {}));
  using how = terminal_table::announce;
  before.terminals.on_announce("T1", "C1-n1", s1, 1, 100, how::open);
  before.remember_connection("T1");
  before.on_closed("T1", "keepalive lost", s1, 200);
  before.terminals.on_announce("T1", "C1-n1", s2, 2, 300, how::open);
  before.remember_connection("T1");
  before.on_closed("T1", "connection closed", s2, 400);
  // What the tick stores.
  auto dirty = before.history.take_dirty();
  ASSERT_EQ(dirty.size(), 1u);
  EXPECT_EQ(dirty[0].connects, 2u);
  EXPECT_EQ(dirty[0].disconnects, 2u);
  EXPECT_EQ(dirty[0].keepalive_failures, 1u);
  EXPECT_EQ(dirty[0].last_seen_ms, 400);
  // After the restart, from the stored records.
  control_state after;
  control_snapshot snap;
  terminal_record t;
  t.terminal_id = "T1";
  snap.terminals.push_back(t);
  snap.histories = dirty;
  after.start(control_settings{}, snap, 1'000);
  auto status = after.status_of("T1", *after.terminals.find("T1"), 1'000);
  EXPECT_FALSE(status.connected);
  EXPECT_EQ(status.connects, 2u);
  EXPECT_EQ(status.disconnects, 2u);
  EXPECT_EQ(status.keepalive_failures, 1u);
  EXPECT_EQ(status.last_seen_ms, 400);
}

// -- computed label items: what the control hands the selector
// -------------------------

TEST(ControlLabels, LabelFactsCarryTheComputedItems) {
  control_state st;
  config::label_rules rules;
  rules.user_usage_frequency
    = {0, 3}; // 3 requests a day by a user's terminals: high
  rules.disconnect_group.min_addresses = 2;
  rules.failure_group.group_by = "region";
  rules.failure_group.min_terminals = 3;
  rules.failure_group.share = 0.5;
  st.disconnects.tracker = disconnect_tracker{rules};
  st.history.window_ms = rules.window.count();
  const int64_t now = 1'000 * 3'600'000LL;
  // A1..A4 in GG1 (user u1 on A1, A2), B1 in GG2 (user u2).
  for (auto id : {"A1", "A2", "A3", "A4", "B1"}) {
    auto& t = st.terminals.entries[id];
    t.record.registered = true;
    t.record.region = id[0] == 'A' ? "GG1" : "GG2";
  }
  st.terminals.entries["A1"].record.users = {"u1"};
  st.terminals.entries["A2"].record.users = {"u1", "u9"};
  st.terminals.entries["B1"].record.users = {"u2"};
  st.terminals.entries["A1"].address = "10.0.0.1";
  st.terminals.entries["B1"].address = "10.0.0.2";
  // u1's terminals had 2 + 1 jobs pushed (GI: requests per day), u2's one;
  // A1 printed twice (GB).
  for (int i = 0; i < 2; ++i) {
    pushed(st, "A1", now - 10);
    st.history.count_done("A1", true, 1, now - 10);
  }
  pushed(st, "A2", now - 10);
  pushed(st, "B1", now - 10);
  // A1, A2, A3 lost their connection from 10.0.0.1 (3 of 4 of GG1 >= 50
  // %), but one address is no GE class; 11 minutes earlier B1 and A1 from
  // two addresses are.
  const int64_t before = now - 11 * 60'000;
  st.disconnects.tracker.add({before, "B1", "10.0.0.2"});
  st.disconnects.tracker.add({before, "A1", "10.0.0.1"});
  st.refresh_groups(before);
  for (auto id : {"A1", "A2", "A3"})
    st.disconnects.tracker.add({now - 1'000, id, "10.0.0.1"});
  st.refresh_groups(now);
  EXPECT_EQ(st.history.jobs_of_user("u1"), 3u);
  EXPECT_EQ(st.history.jobs_of_user("u2"), 1u);
  EXPECT_EQ(st.history.user_jobs.count("u9"), 0u); // only the first user counts

  auto a1 = st.label_facts(st.terminals.entries["A1"].record.expand("A1"), now)
              .attributes;
  EXPECT_EQ(a1["user_usage_frequency"], "high");
  EXPECT_EQ(a1["print_frequency"], "low"); // 2 pages a day, high is 10
  const std::string ge = "ge-" + std::to_string(before / 1000);
  EXPECT_EQ(a1["disconnect_group"], ge);
  EXPECT_EQ(a1["failure_group"], "GG1");
  auto b1 = st.label_facts(st.terminals.entries["B1"].record.expand("B1"), now)
              .attributes;
  EXPECT_EQ(b1["user_usage_frequency"], "low");
  EXPECT_EQ(b1["disconnect_group"], ge);
  EXPECT_EQ(b1["failure_group"], "none"); // GG2 has 1 terminal (< 3)
  auto a4 = st.label_facts(st.terminals.entries["A4"].record.expand("A4"), now)
              .attributes;
  EXPECT_EQ(a4.count("user_usage_frequency"), 0u); // no user
  EXPECT_EQ(a4.count("disconnect_group"), 0u);     // no address known
  EXPECT_EQ(a4["failure_group"], "GG1");
  // The stored record itself is not changed.
  EXPECT_TRUE(st.terminals.entries["A1"].record.attributes.empty());
  // The classes go to the histories (stored on the next flush).
  EXPECT_EQ(st.history.find("B1")->disconnect_class, ge);
  EXPECT_EQ(st.history.find("A2")->failure_class,
            stored_failure_class("GG1", now)); // with when it formed
  // Past the windows (10 min) the events go; the classes stay.
  EXPECT_GT(st.refresh_groups(now + 11 * 60'000), 0);
  a1 = st.label_facts(st.terminals.entries["A1"].record.expand("A1"),
                      now + 11 * 60'000)
         .attributes;
  EXPECT_EQ(a1["disconnect_group"], ge);
  EXPECT_EQ(a1["failure_group"], "GG1");
  st.terminals.entries["A3"].address = "10.0.0.1";
  auto a3 = st.label_facts(st.terminals.entries["A3"].record.expand("A3"), now)
              .attributes;
  EXPECT_EQ(a3["disconnect_group"], "none"); // dropped, from one address
}

// DELETE /v1/admin/classes/{name}: an unknown class is not_found and
// changes nothing; a known one ends for its members, to be stored.
TEST(ControlLabels, AClearedClassIsStoredAsEnded) {
  control_state st;
  st.disconnects.tracker.load({"A1", "ge-100", "GG1", 1'000}, 5'000);
  st.history.set_classes("A1", "ge-100", stored_failure_class("GG1", 1'000));
  st.history.take_dirty();
  auto unknown = st.clear_class("ge-99");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(view(unknown.error()).code, errc::not_found);
  EXPECT_NE(view(unknown.error()).message.find("ge-99"), std::string::npos);
  EXPECT_TRUE(st.history.take_dirty().empty());
  auto n = st.clear_class("ge-100");
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1u);
  auto stored = st.history.take_dirty();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].disconnect_class, "");
  EXPECT_EQ(stored[0].failure_class, "GG1@1"); // the GF class stays
  EXPECT_EQ(st.disconnects.tracker.disconnect_class("A1"), "");
  EXPECT_TRUE(st.disconnects.tracker.failing_group("GG1"));
}

// A balancer going away (or stopping) closes its sessions: no GE/GF event,
// though the terminal is disconnected.
TEST(ControlLabels, ABalancerGoingAwayIsNoDisconnectEvent) {
  control_state st;
  auto& t = st.terminals.entries["T1"];
  t.record.registered = true;
  t.connected = true;
  t.address = "10.0.0.1";
  st.on_closed("T1", std::string{close_reason::balancer_gone},
               terminal_session_actor{}, 10);
  EXPECT_FALSE(st.terminals.entries["T1"].connected);
  EXPECT_TRUE(st.disconnects.tracker.events().empty());
  // Nor a server that stops on purpose (SIGTERM), though the disconnect is
  // in the history.
  t.connected = true;
  st.on_closed("T1", std::string{close_reason::shutdown},
               terminal_session_actor{}, 12);
  EXPECT_FALSE(st.terminals.entries["T1"].connected);
  EXPECT_TRUE(st.disconnects.tracker.events().empty());
  ASSERT_FALSE(st.calls.pending.empty());
  EXPECT_EQ(st.calls.pending.back().event, "disconnect");
  EXPECT_EQ(st.calls.pending.back().detail, close_reason::shutdown);
  // Nor does the close of a device the server moved while it was
  // connected (it follows `reassign`); its next close counts again.
  t.connected = true;
  t.record.cluster_id = "C1";
  st.moved_to("T1", "C2");
  st.on_closed("T1", "connection closed", terminal_session_actor{}, 15);
  EXPECT_TRUE(st.disconnects.tracker.events().empty());
  t.connected = true;
  st.on_closed("T1", std::string{close_reason::keepalive_lost},
               terminal_session_actor{}, 20);
  EXPECT_EQ(st.disconnects.tracker.events().size(), 1u);
}

} // namespace
} // namespace tether
