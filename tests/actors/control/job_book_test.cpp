// job_book without an actor: job creation, status updates (only forward,
// final is final), eviction and retention of final jobs, the unfinished
// jobs of a terminal, TTL expiry.
#include "actors/control/job_book.hpp"

#include <algorithm>
#include <deque>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/store.hpp"
#include "tests/actors/control/test_jobs.hpp"

namespace tether {
namespace {

using test::add;
using test::ids;
using test::push_request;

// -- new_job ------------------------------------------------------------------

TEST(ControlState, NewJobAssignsIdAndQueues) {
  job_book st;
  st.next_job_seq = 41;
  auto j = add(st, push_request("T1"), 1000);
  EXPECT_EQ(j.job_id.substr(0, 17), storage::store::job_id_for(41));
  EXPECT_EQ(j.job_id.size(), 33u) << "16 random hex digits follow";
  EXPECT_EQ(j.status, "queued");
  EXPECT_EQ(j.detail, "");
  EXPECT_EQ(j.terminal_id, "T1");
  EXPECT_EQ(j.service, "print");
  EXPECT_EQ(j.created_at_ms, 1000);
  EXPECT_EQ(j.updated_at_ms, 1000);
  EXPECT_EQ(st.next_job_seq, 42u);
  ASSERT_EQ(st.jobs.count(j.job_id), 1u);
  EXPECT_EQ(st.jobs.at(j.job_id).status, "queued");
  EXPECT_EQ(st.open_jobs.at("T1"), job_book::id_list{j.job_id});
  auto k = add(st, push_request("T1"), 2000);
  EXPECT_EQ(k.job_id.substr(0, 17), storage::store::job_id_for(42));
  EXPECT_NE(k.job_id.substr(17), j.job_id.substr(17));
  EXPECT_LT(j.job_id, k.job_id);
  EXPECT_EQ(st.open_jobs.at("T1"), (job_book::id_list{j.job_id, k.job_id}));
}

// -- apply
// ------------------------------------------------------------------------

TEST(ControlState, StatusOnlyMovesForward) {
  job_book st;
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
  job_book st;
  auto a = add(st, push_request("T1"), 0).job_id;
  auto b = add(st, push_request("T1"), 0).job_id;
  ASSERT_TRUE(st.apply(job_update{a, "T1", "failed", "jam"}, 5));
  EXPECT_EQ(st.jobs.at(a).detail, "jam");
  ASSERT_TRUE(st.apply(job_update{b, "T1", "acked", ""}, 5));
}

TEST(ControlState, FinalNeverChanges) {
  for (const char* final_status : {"done", "failed", "expired"}) {
    SCOPED_TRACE(final_status);
    job_book st;
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
  job_book st;
  auto id = add(st, push_request("T1"), 0).job_id;
  EXPECT_EQ(st.apply(job_update{"J-nope", "T1", "acked", ""}, 1), nullptr);
  // A session of another terminal cannot move this terminal's job.
  EXPECT_EQ(st.apply(job_update{id, "T2", "done", ""}, 1), nullptr);
  EXPECT_EQ(st.jobs.at(id).status, "queued");
}

TEST(ControlState, FinalJobsLeaveTheOpenList) {
  job_book st;
  auto a = add(st, push_request("T1"), 0).job_id;
  auto b = add(st, push_request("T1"), 0).job_id;
  st.apply(job_update{a, "T1", "done", ""}, 1);
  EXPECT_EQ(st.open_jobs.at("T1"), job_book::id_list{b});
  EXPECT_EQ(st.final_jobs, std::deque<std::string>{a});
  st.apply(job_update{b, "T1", "failed", ""}, 2);
  EXPECT_EQ(st.open_jobs.count("T1"), 0u); // no empty lists kept
  EXPECT_EQ(st.final_jobs, (std::deque<std::string>{a, b}));
}

TEST(ControlState, AJobFinishingOutOfOrderLeavesTheOthersInOrder) {
  job_book st;
  auto a = add(st, push_request("T1"), 0).job_id;
  auto b = add(st, push_request("T1"), 0).job_id;
  auto c = add(st, push_request("T1"), 0).job_id;
  auto d = add(st, push_request("T2"), 0).job_id;
  st.apply(job_update{b, "T1", "done", ""}, 1);
  EXPECT_EQ(st.open_jobs.at("T1"), (job_book::id_list{a, c}));
  st.apply(job_update{c, "T1", "failed", ""}, 2);
  EXPECT_EQ(st.open_jobs.at("T1"), job_book::id_list{a});
  EXPECT_EQ(st.open_jobs.at("T2"), job_book::id_list{d});
  st.apply(job_update{a, "T1", "done", ""}, 3);
  EXPECT_EQ(st.open_jobs.count("T1"), 0u);
  // A new job after the list emptied starts a new one.
  auto e = add(st, push_request("T1"), 4).job_id;
  EXPECT_EQ(st.open_jobs.at("T1"), job_book::id_list{e});
  EXPECT_EQ(st.final_jobs, (std::deque<std::string>{b, c, a}));
}

TEST(ControlState, FinalJobsEvictedBeyondTheLimit) {
  job_book st;
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
  job_book st;
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
  job_book st;
  auto req = push_request("T1");
  req.callback_url = "http://127.0.0.1:9/cb";
  auto id = add(st, req, 0).job_id;
  auto* j = st.apply(job_update{id, "T1", "failed", "jam"}, 5);
  ASSERT_NE(j, nullptr);
  EXPECT_TRUE(j->callback_pending);
}

TEST(ControlState, EvictionKeepsJobsWhoseCallbackIsPending) {
  job_book st;
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
  job_book st;
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
  job_book st;
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
  job_book st;
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
  job_book st;
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
  job_book st;
  auto r = push_request("T1");
  r.ttl_s = 1;
  r.callback_url = "https://x/cb";
  add(st, r, 0);
  auto expired = st.expire(1000);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_TRUE(expired[0]->callback_pending);
}

TEST(ControlState, JobIsNotSentBeforeItIsStored) {
  job_book st;
  auto job = st.new_job(push_request("T1"), 0);
  EXPECT_TRUE(st.unfinished("T1").empty());
  st.stored(job);
  EXPECT_EQ(ids(st.unfinished("T1")), std::vector<std::string>{job.job_id});
}

TEST(JobBook, QueueFullOnlyAtTheLimit) {
  job_book st;
  st.max_queue = 2;
  EXPECT_FALSE(static_cast<bool>(st.queue_full("T1")));
  add(st, push_request("T1"), 0);
  EXPECT_FALSE(static_cast<bool>(st.queue_full("T1")));
  add(st, push_request("T1"), 0);
  auto err = st.queue_full("T1");
  ASSERT_TRUE(static_cast<bool>(err));
  EXPECT_EQ(st.open_count("T1"), 2u);
  EXPECT_EQ(st.open_count("T2"), 0u);
  EXPECT_FALSE(static_cast<bool>(st.queue_full("T2")));
}

TEST(JobBook, LoadSortsStoredJobsAndResumesCallbacks) {
  job_book st;
  job_record open;
  open.job_id = "J1";
  open.terminal_id = "T1";
  open.status = "acked";
  job_record done = open;
  done.job_id = "J2";
  done.status = "done";
  done.callback_pending = true;
  auto callbacks = st.load({open, done});
  ASSERT_EQ(callbacks.size(), 1u);
  EXPECT_EQ(callbacks[0].job_id, "J2");
  EXPECT_EQ(st.open_jobs.at("T1"), job_book::id_list{"J1"});
  EXPECT_EQ(st.final_jobs, std::deque<std::string>{"J2"});
  EXPECT_EQ(ids(st.unfinished("T1")), std::vector<std::string>{"J1"});
  ASSERT_NE(st.find("J2"), nullptr);
  EXPECT_EQ(st.find("J9"), nullptr);
}

} // namespace
} // namespace tether
