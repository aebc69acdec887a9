// control_state without running the control actor: job creation, status
// updates (only forward, final is final), eviction of final jobs, the
// unfinished jobs of a terminal, TTL expiry, API history, and session
// open/close bookkeeping.
#include "actors/control/control.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <gtest/gtest.h>

#include "storage/store.hpp"

namespace tether {
namespace {

/// A job as the control has it once its store write completed.
job_record add(control_state& st, job_record request, int64_t now) {
  auto job = st.new_job(std::move(request), now);
  st.stored(job);
  return job;
}

job_record push_request(const std::string& terminal,
                        const std::string& service = "print") {
  job_record r;
  r.terminal_id = terminal;
  r.service = service;
  r.payload_json = "{}";
  // Fields a request must not be able to set:
  r.job_id = "J-chosen-by-client";
  r.status = "done";
  r.detail = "forged";
  return r;
}

std::vector<std::string> ids(const std::vector<job_record>& jobs) {
  std::vector<std::string> out;
  for (const auto& j : jobs)
    out.push_back(j.job_id);
  return out;
}

// -- new_job ------------------------------------------------------------------

TEST(ControlState, NewJobAssignsIdAndQueues) {
  control_state st;
  st.next_job_seq = 41;
  auto j = add(st, push_request("T1"), 1000);
  EXPECT_EQ(j.job_id, storage::store::job_id_for(41));
  EXPECT_EQ(j.status, "queued");
  EXPECT_EQ(j.detail, "");
  EXPECT_EQ(j.terminal_id, "T1");
  EXPECT_EQ(j.service, "print");
  EXPECT_EQ(j.created_at_ms, 1000);
  EXPECT_EQ(j.updated_at_ms, 1000);
  EXPECT_EQ(st.next_job_seq, 42u);
  ASSERT_EQ(st.jobs.count(j.job_id), 1u);
  EXPECT_EQ(st.jobs.at(j.job_id).status, "queued");
  EXPECT_EQ(st.open_jobs.at("T1"), std::vector<std::string>{j.job_id});
  auto k = add(st, push_request("T1"), 2000);
  EXPECT_EQ(k.job_id, storage::store::job_id_for(42));
  EXPECT_LT(j.job_id, k.job_id);
  EXPECT_EQ(st.open_jobs.at("T1"),
            (std::vector<std::string>{j.job_id, k.job_id}));
}

// -- apply
// ------------------------------------------------------------------------

TEST(ControlState, StatusOnlyMovesForward) {
  control_state st;
  auto id = add(st, push_request("T1"), 1000).job_id;
  struct step {
    const char* status;
    bool forward;
  };
  const std::vector<step> steps{
    {"delivered", true}, {"queued", false},    {"delivered", false},
    {"acked", true},     {"delivered", false}, {"acked", false},
    {"done", true},      {"failed", false},    {"done", false},
    {"acked", false},    {"queued", false},
  };
  int64_t now = 1000;
  std::string expected = "queued";
  int64_t moved_at = 1000;
  for (const auto& s : steps) {
    SCOPED_TRACE(std::string{expected} + " -> " + s.status);
    now += 10;
    auto* changed = st.apply(job_update{id, "T1", s.status, s.status}, now);
    if (s.forward) {
      ASSERT_NE(changed, nullptr);
      expected = s.status;
      moved_at = now;
      EXPECT_EQ(changed->status, s.status);
      EXPECT_EQ(changed->updated_at_ms, now);
      EXPECT_EQ(changed->detail, s.status);
    } else if (std::string{s.status} != "delivered") {
      // (A repeated "delivered" is a redelivery; it may be recorded, but
      // it never moves the status back.)
      EXPECT_EQ(changed, nullptr);
    }
    EXPECT_EQ(st.jobs.at(id).status, expected);
    EXPECT_EQ(st.jobs.at(id).detail, expected == "queued" ? "" : expected);
    if (storage::is_final_status(expected)) {
      EXPECT_EQ(st.jobs.at(id).updated_at_ms, moved_at);
    }
  }
}

TEST(ControlState, StepsMayBeSkipped) {
  control_state st;
  auto a = add(st, push_request("T1"), 0).job_id;
  auto b = add(st, push_request("T1"), 0).job_id;
  ASSERT_TRUE(st.apply(job_update{a, "T1", "failed", "jam"}, 5));
  EXPECT_EQ(st.jobs.at(a).detail, "jam");
  ASSERT_TRUE(st.apply(job_update{b, "T1", "acked", ""}, 5));
}

TEST(ControlState, FinalNeverChanges) {
  for (const char* final_status : {"done", "failed", "expired"}) {
    SCOPED_TRACE(final_status);
    control_state st;
    auto id = add(st, push_request("T1"), 0).job_id;
    ASSERT_TRUE(st.apply(job_update{id, "T1", final_status, "first"}, 1));
    for (const char* later :
         {"queued", "delivered", "acked", "done", "failed", "expired"})
      EXPECT_EQ(st.apply(job_update{id, "T1", later, "second"}, 2), nullptr)
        << later;
    EXPECT_EQ(st.jobs.at(id).status, final_status);
    EXPECT_EQ(st.jobs.at(id).detail, "first");
    EXPECT_EQ(st.jobs.at(id).updated_at_ms, 1);
  }
}

TEST(ControlState, UpdateForUnknownJobOrOtherTerminalIsIgnored) {
  control_state st;
  auto id = add(st, push_request("T1"), 0).job_id;
  EXPECT_EQ(st.apply(job_update{"J-nope", "T1", "acked", ""}, 1), nullptr);
  // A session of another terminal cannot move this terminal's job.
  EXPECT_EQ(st.apply(job_update{id, "T2", "done", ""}, 1), nullptr);
  EXPECT_EQ(st.jobs.at(id).status, "queued");
}

TEST(ControlState, FinalJobsLeaveTheOpenList) {
  control_state st;
  auto a = add(st, push_request("T1"), 0).job_id;
  auto b = add(st, push_request("T1"), 0).job_id;
  st.apply(job_update{a, "T1", "done", ""}, 1);
  EXPECT_EQ(st.open_jobs.at("T1"), std::vector<std::string>{b});
  EXPECT_EQ(st.final_jobs, std::deque<std::string>{a});
  st.apply(job_update{b, "T1", "failed", ""}, 2);
  EXPECT_EQ(st.open_jobs.count("T1"), 0u); // no empty lists kept
  EXPECT_EQ(st.final_jobs, (std::deque<std::string>{a, b}));
}

TEST(ControlState, FinalJobsEvictedBeyondTheLimit) {
  control_state st;
  st.max_final_in_memory = 2;
  std::vector<std::string> idv;
  for (int i = 0; i < 4; ++i)
    idv.push_back(add(st, push_request("T1"), 0).job_id);
  st.apply(job_update{idv[0], "T1", "done", ""}, 1);
  st.apply(job_update{idv[1], "T1", "done", ""}, 1);
  EXPECT_EQ(st.jobs.size(), 4u);
  st.apply(job_update{idv[2], "T1", "failed", ""}, 1);
  // The oldest final job is gone from memory (the store still has it);
  // open jobs are never evicted.
  EXPECT_EQ(st.jobs.count(idv[0]), 0u);
  EXPECT_EQ(st.jobs.count(idv[1]), 1u);
  EXPECT_EQ(st.jobs.count(idv[2]), 1u);
  EXPECT_EQ(st.jobs.count(idv[3]), 1u);
  EXPECT_EQ(st.final_jobs, (std::deque<std::string>{idv[1], idv[2]}));
  // An update for the evicted job is ignored.
  EXPECT_EQ(st.apply(job_update{idv[0], "T1", "failed", ""}, 2), nullptr);
}

// -- progress, callbacks, eviction --------------------------------------------

TEST(ControlState, ProgressTimesAndDeliveries) {
  control_state st;
  auto id = add(st, push_request("T1"), 1000).job_id;
  ASSERT_TRUE(st.apply(job_update{id, "T1", "delivered", ""}, 1100));
  // A redelivery counts, but moves nothing else.
  st.apply(job_update{id, "T1", "delivered", ""}, 1200);
  auto& j = st.jobs.at(id);
  EXPECT_EQ(j.deliveries, 2u);
  EXPECT_EQ(j.delivered_at_ms, 1100);
  EXPECT_EQ(j.status, "delivered");
  ASSERT_TRUE(st.apply(job_update{id, "T1", "acked", ""}, 1300));
  EXPECT_EQ(j.acked_at_ms, 1300);
  ASSERT_TRUE(st.apply(job_update{id, "T1", "done", "ok"}, 1400));
  EXPECT_EQ(j.finished_at_ms, 1400);
  EXPECT_EQ(j.updated_at_ms, 1400);
  EXPECT_FALSE(j.callback_pending) << "no callback_url, no callback";
  // Once final, not even a delivery is counted.
  EXPECT_EQ(st.apply(job_update{id, "T1", "delivered", ""}, 1500), nullptr);
  EXPECT_EQ(j.deliveries, 2u);
}

TEST(ControlState, FinalJobWithCallbackIsMarkedPending) {
  control_state st;
  auto req = push_request("T1");
  req.callback_url = "http://127.0.0.1:9/cb";
  auto id = add(st, req, 0).job_id;
  auto* j = st.apply(job_update{id, "T1", "failed", "jam"}, 5);
  ASSERT_NE(j, nullptr);
  EXPECT_TRUE(j->callback_pending);
}

TEST(ControlState, EvictionKeepsJobsWhoseCallbackIsPending) {
  control_state st;
  st.max_final_in_memory = 1;
  auto with_cb = push_request("T1");
  with_cb.callback_url = "http://127.0.0.1:9/cb";
  auto a = add(st, with_cb, 0).job_id;
  auto b = add(st, push_request("T1"), 0).job_id;
  st.apply(job_update{a, "T1", "done", ""}, 1);
  st.apply(job_update{b, "T1", "done", ""}, 2);
  // a is the oldest, but its callback has not been accepted yet.
  EXPECT_EQ(st.jobs.count(a), 1u);
  EXPECT_TRUE(st.jobs.at(a).callback_pending);
}

TEST(ControlState, RetentionForgetsOldFinalJobs) {
  control_state st;
  st.job_retention_ms = 1000;
  auto with_cb = push_request("T1");
  with_cb.callback_url = "http://127.0.0.1:9/cb";
  auto a = add(st, push_request("T1"), 0).job_id;
  auto b = add(st, with_cb, 0).job_id;
  auto c = add(st, push_request("T1"), 0).job_id;
  auto open = add(st, push_request("T1"), 0).job_id;
  st.apply(job_update{a, "T1", "done", ""}, 100);
  st.apply(job_update{b, "T1", "failed", ""}, 200);
  st.apply(job_update{c, "T1", "expired", ""}, 5000);
  EXPECT_EQ(st.forget_old_final(1100), 0u); // a finished exactly 1000 ago
  EXPECT_EQ(st.forget_old_final(1101), 1u); // a goes
  EXPECT_EQ(st.jobs.count(a), 0u);
  // b is past retention but its callback is pending: it stays, and so does
  // everything behind it (oldest first).
  EXPECT_EQ(st.forget_old_final(10'000), 0u);
  EXPECT_EQ(st.jobs.count(b), 1u);
  st.jobs.at(b).callback_pending = false; // the callback was accepted
  EXPECT_EQ(st.forget_old_final(10'000), 2u);
  EXPECT_EQ(st.jobs.count(c), 0u);
  EXPECT_TRUE(st.final_jobs.empty());
  EXPECT_EQ(st.jobs.count(open), 1u); // open jobs never go
  st.job_retention_ms = 0;            // 0 keeps everything
  st.apply(job_update{open, "T1", "done", ""}, 10'000);
  EXPECT_EQ(st.forget_old_final(1'000'000), 0u);
  EXPECT_EQ(st.jobs.count(open), 1u);
}

// -- unfinished
// ------------------------------------------------------------------

TEST(ControlState, UnfinishedAreTheOpenJobsOldestFirst) {
  control_state st;
  auto a = add(st, push_request("T1"), 0).job_id; // stays queued
  auto b = add(st, push_request("T1"), 0).job_id; // delivered, not acked
  auto c
    = add(st, push_request("T1"), 0).job_id; // acked: its result may be lost
  auto d = add(st, push_request("T1"), 0).job_id; // done
  auto e = add(st, push_request("T2"), 0).job_id; // another terminal
  auto f = add(st, push_request("T1"), 0).job_id; // queued, newest
  st.apply(job_update{b, "T1", "delivered", ""}, 1);
  st.apply(job_update{c, "T1", "acked", ""}, 1);
  st.apply(job_update{d, "T1", "done", ""}, 1);
  EXPECT_EQ(ids(st.unfinished("T1")), (std::vector<std::string>{a, b, c, f}));
  EXPECT_EQ(ids(st.unfinished("T2")), std::vector<std::string>{e});
  EXPECT_TRUE(st.unfinished("T3").empty());
}

TEST(ControlState, DropJobForgetsIt) {
  control_state st;
  auto a = add(st, push_request("T1"), 0);
  auto b = add(st, push_request("T1"), 0);
  st.drop_job(a);
  EXPECT_EQ(st.jobs.count(a.job_id), 0u);
  EXPECT_EQ(ids(st.unfinished("T1")), std::vector<std::string>{b.job_id});
  st.drop_job(b);
  EXPECT_EQ(st.open_jobs.count("T1"), 0u);
}

// -- expiry
// ------------------------------------------------------------------------

TEST(ControlState, ExpireByTtl) {
  control_state st;
  auto r10 = push_request("T1");
  r10.ttl_s = 10;
  auto r20 = push_request("T1");
  r20.ttl_s = 20;
  auto a = add(st, r10, 1000).job_id;                // expires at 11 s
  auto b = add(st, r20, 1000).job_id;                // expires at 21 s
  auto c = add(st, push_request("T1"), 1000).job_id; // never
  auto d = add(st, r10, 1000).job_id;                // done before it expires
  st.apply(job_update{d, "T1", "done", ""}, 2000);
  EXPECT_TRUE(st.expire(10'999).empty());
  auto expired = st.expire(11'000);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0]->job_id, a);
  EXPECT_EQ(expired[0]->status, "expired");
  EXPECT_EQ(expired[0]->detail, "not done within its ttl of 10 s");
  EXPECT_EQ(expired[0]->finished_at_ms, 11'000);
  EXPECT_EQ(st.jobs.at(d).status, "done");
  // Expired is final: it leaves the open jobs and nothing moves it.
  EXPECT_EQ(ids(st.unfinished("T1")), (std::vector<std::string>{b, c}));
  EXPECT_EQ(st.apply(job_update{a, "T1", "done", ""}, 12'000), nullptr);
  // Once only.
  EXPECT_TRUE(st.expire(12'000).empty());
  expired = st.expire(1'000'000);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0]->job_id, b);
  EXPECT_EQ(st.jobs.at(c).status, "queued");
}

TEST(ControlState, ExpiredJobWithCallbackIsPending) {
  control_state st;
  auto r = push_request("T1");
  r.ttl_s = 1;
  r.callback_url = "https://x/cb";
  add(st, r, 0);
  auto expired = st.expire(1000);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_TRUE(expired[0]->callback_pending);
}

// -- API history
// -------------------------------------------------------------------

TEST(ControlState, ApiCallsAreCountedAndFlushedOnce) {
  control_state st;
  st.history_window_ms = 1000;
  st.count_api_call("T1", false, 5000);
  st.count_api_call("T1", true, 5100);
  st.count_api_call("T2", false, 5200);
  auto dirty = st.take_dirty_history();
  ASSERT_EQ(dirty.size(), 2u);
  std::sort(dirty.begin(), dirty.end(),
            [](const api_history& x, const api_history& y) {
              return x.terminal_id < y.terminal_id;
            });
  EXPECT_EQ(dirty[0].terminal_id, "T1");
  EXPECT_EQ(dirty[0].calls, 2u);
  EXPECT_EQ(dirty[0].errors, 1u);
  EXPECT_EQ(dirty[1].terminal_id, "T2");
  EXPECT_EQ(dirty[1].calls, 1u);
  // Nothing changed since: nothing to flush.
  EXPECT_TRUE(st.take_dirty_history().empty());
  st.count_api_call("T2", true, 6500);
  dirty = st.take_dirty_history();
  ASSERT_EQ(dirty.size(), 1u);
  EXPECT_EQ(dirty[0].calls, 2u);
  EXPECT_EQ(dirty[0].previous_calls, 1u); // the window rolled
}

TEST(ControlState, StatusShowsHistoryAndOpenJobs) {
  control_state st;
  auto& t = st.terminals["T1"];
  t.record.terminal_id = "T1";
  add(st, push_request("T1"), 0);
  add(st, push_request("T1"), 0);
  st.count_api_call("T1", true, 10);
  auto s = st.status_of(t, 100);
  EXPECT_EQ(s.open_jobs, 2u);
  EXPECT_EQ(s.api.calls, 1u);
  EXPECT_EQ(s.api.errors, 1u);
}

// -- sessions
// ---------------------------------------------------------------------------

/// Two distinct session handles need an actor system (nothing runs).
class ControlSessions : public ::testing::Test {
protected:
  static caf::actor_system_config& init(caf::actor_system_config& cfg) {
    cfg.set("scheduler.policy", caf::atom("testing"));
    return cfg;
  }

  ControlSessions() : sys{init(cfg)} {
    for (auto* s : {&s1, &s2}) {
      auto a = sys.spawn([]() -> caf::behavior {
        return {[](int) {
        }};
      });
      actors.push_back(a);
      *s = caf::actor_cast<terminal_session_actor>(a);
    }
  }

  ~ControlSessions() override {
    s1 = s2 = nullptr;
    st = control_state();
    for (auto& a : actors)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    actors.clear();
    dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler()).run();
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  std::vector<caf::actor> actors;
  terminal_session_actor s1;
  terminal_session_actor s2;
  control_state st;
};

TEST_F(ControlSessions, OpenAndClose) {
  st.terminals["T1"].record.terminal_id = "T1";
  st.on_open("T1", "C1-n1", s1, 100);
  auto& t = st.terminals.at("T1");
  EXPECT_TRUE(t.connected);
  EXPECT_EQ(t.node_id, "C1-n1");
  EXPECT_EQ(t.session, s1);
  EXPECT_EQ(t.connects, 1u);
  EXPECT_EQ(t.last_seen_ms, 100);
  // A connected terminal is seen "now".
  EXPECT_EQ(st.status_of(t, 500).last_seen_ms, 500);
  EXPECT_TRUE(st.status_of(t, 500).connected);
  st.on_closed("T1", "connection closed", s1, 200);
  EXPECT_FALSE(t.connected);
  EXPECT_FALSE(t.session);
  EXPECT_EQ(t.disconnects, 1u);
  EXPECT_EQ(t.keepalive_failures, 0u);
  EXPECT_EQ(t.last_seen_ms, 200);
  auto s = st.status_of(t, 900);
  EXPECT_FALSE(s.connected);
  EXPECT_EQ(s.last_seen_ms, 200);
  EXPECT_EQ(s.record.terminal_id, "T1");
}

TEST_F(ControlSessions, KeepaliveLossIsCounted) {
  st.on_open("T1", "C1-n1", s1, 100);
  st.on_closed("T1", "keepalive lost", s1, 200);
  EXPECT_EQ(st.terminals.at("T1").keepalive_failures, 1u);
  EXPECT_EQ(st.status_of(st.terminals.at("T1"), 0).keepalive_failures, 1u);
}

TEST_F(ControlSessions,
       AMovedSessionIsNoNewConnectAndTheOldOnesCloseNoDisconnect) {
  // The balancer moves the session to another node (node drained or dead):
  // the device kept its WebSocket.
  st.on_open("T1", "C1-n1", s1, 100);
  st.on_open("T1", "C1-n2", s2, 150, true);
  st.on_closed("T1", std::string{session_moved_reason}, s1, 160);
  auto& t = st.terminals.at("T1");
  EXPECT_TRUE(t.connected);
  EXPECT_EQ(t.node_id, "C1-n2");
  EXPECT_EQ(t.session, s2);
  EXPECT_EQ(t.connects, 1u);
  EXPECT_EQ(t.disconnects, 0u);
}

TEST_F(ControlSessions, StaleSessionsCloseIsIgnored) {
  // The device reconnects: s2 opens before s1's close arrives.
  st.on_open("T1", "C1-n1", s1, 100);
  st.on_open("T1", "C1-n2", s2, 150);
  st.on_closed("T1", "replaced by a newer connection", s1, 160);
  auto& t = st.terminals.at("T1");
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
  EXPECT_EQ(st.terminals.count("T9"), 0u);
}

} // namespace
} // namespace tether

namespace tether {
namespace {

TEST(ControlState, JobIsNotSentBeforeItIsStored) {
  control_state st;
  auto job = st.new_job(push_request("T1"), 0);
  EXPECT_TRUE(st.unfinished("T1").empty());
  st.stored(job);
  EXPECT_EQ(ids(st.unfinished("T1")), std::vector<std::string>{job.job_id});
}

// -- computed label items: what the control hands the selector
// -------------------------

TEST(ControlLabels, LabelFactsCarryTheComputedItems) {
  control_state st;
  config::label_rules rules;
  rules.user_usage_frequency
    = {0, 3}; // 3 jobs done by a user's terminals: high
  rules.disconnect_group.min_terminals = 2;
  rules.failure_group.group_by = "region";
  rules.failure_group.min_terminals = 3;
  rules.failure_group.share = 0.5;
  st.disconnects = disconnect_tracker{rules};
  st.history_window_ms = rules.window.count();
  const int64_t now = 1'000 * 3'600'000LL;
  // A1..A4 in GG1 (user u1 on A1, A2), B1 in GG2 (user u2).
  for (auto id : {"A1", "A2", "A3", "A4", "B1"}) {
    auto& t = st.terminals[id];
    t.record.terminal_id = id;
    t.record.region = id[0] == 'A' ? "GG1" : "GG2";
  }
  st.terminals["A1"].record.users = {"u1"};
  st.terminals["A2"].record.users = {"u1", "u9"};
  st.terminals["B1"].record.users = {"u2"};
  st.terminals["A1"].address = "10.0.0.1";
  st.terminals["B1"].address = "10.0.0.2";
  // u1's terminals finished 2 + 1 jobs, u2's one.
  for (int i = 0; i < 2; ++i) {
    st.history["A1"].count_done(true, now - 10, st.history_window_ms);
  }
  st.history["A2"].count_done(false, now - 10, st.history_window_ms);
  st.history["B1"].count_done(true, now - 10, st.history_window_ms);
  // A1, A2, A3 lost their connection from 10.0.0.1 (3 > 2; 3 of 4 of GG1
  // > 50 %); B1 alone from 10.0.0.2.
  for (auto id : {"A1", "A2", "A3"})
    st.disconnects.add({now - 1'000, id, "10.0.0.1"});
  st.disconnects.add({now - 1'000, "B1", "10.0.0.2"});
  st.refresh_groups(now);
  EXPECT_EQ(st.user_jobs["u1"], 3u);
  EXPECT_EQ(st.user_jobs["u2"], 1u);
  EXPECT_EQ(st.user_jobs.count("u9"), 0u); // only the first user counts

  auto a1 = st.label_facts(st.terminals["A1"].record, now).attributes;
  EXPECT_EQ(a1["user_usage_frequency"], "high");
  EXPECT_EQ(a1["print_frequency"], "low"); // 2 prints, high is 10
  EXPECT_EQ(a1["disconnect_group"], "10.0.0.1");
  EXPECT_EQ(a1["failure_group"], "GG1");
  auto b1 = st.label_facts(st.terminals["B1"].record, now).attributes;
  EXPECT_EQ(b1["user_usage_frequency"], "low");
  EXPECT_EQ(b1["disconnect_group"], "none");
  EXPECT_EQ(b1["failure_group"], "none"); // GG2 has 1 terminal (< 3)
  auto a4 = st.label_facts(st.terminals["A4"].record, now).attributes;
  EXPECT_EQ(a4.count("user_usage_frequency"), 0u); // no user
  EXPECT_EQ(a4.count("disconnect_group"), 0u);     // no address known
  EXPECT_EQ(a4["failure_group"], "GG1");
  // The stored record itself is not changed.
  EXPECT_TRUE(st.terminals["A1"].record.attributes.empty());
  // Past the windows (10 min) the groups dissolve and the events go.
  EXPECT_GT(st.refresh_groups(now + 11 * 60'000), 0);
  a1 = st.label_facts(st.terminals["A1"].record, now + 11 * 60'000).attributes;
  EXPECT_EQ(a1["disconnect_group"], "none");
  EXPECT_EQ(a1["failure_group"], "none");
}

} // namespace
} // namespace tether
