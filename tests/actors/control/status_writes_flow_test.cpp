// The control's job-state writes under the deterministic fixture
// (actors/control/status_writes.hpp): the status reports of devices go to
// the store one request per batch, in order; a callback is posted only
// once the batch holding the job's final state is stored; a batch the
// store refuses is logged, its callbacks are not posted, and the control
// keeps serving.
#include "storage/store.hpp"
#include "tests/actors/support/control_fixture.hpp"

namespace tether::actor_test {
namespace {

class StatusWritesFlow : public ControlOnTwoTerminals {
protected:
  /// A device's report on the job of sequence `seq`.
  void report(uint64_t seq, const std::string& status,
              const std::string& terminal = "T1") {
    caf::anon_send(control_h, job_update{storage::store::job_id_for(seq),
                                         terminal, status, ""});
  }

  /// "<seq>:<status>" of each job of the store's put number `i`.
  std::vector<std::string> put(size_t i) const {
    std::vector<std::string> out;
    for (const auto& j : slog->job_puts.at(i).first)
      out.push_back(j.job_id.substr(0, 17) + ":" + j.status);
    return out;
  }

  static std::string id(uint64_t seq) {
    return storage::store::job_id_for(seq);
  }
};

TEST_F(StatusWritesFlow, ReportsThatComeDuringAWriteAreOneStoreRequest) {
  start({stored_job(1, "T1", "delivered"), stored_job(2, "T1", "delivered"),
         stored_job(3, "T2", "delivered")},
        4);
  auto before = slog->job_puts.size();
  slog->mode = store_log::hold;
  report(1, "acked");
  sched.run();
  ASSERT_EQ(slog->job_puts.size(), before + 1) << "the first goes at once";
  EXPECT_EQ(put(before), std::vector<std::string>{id(1) + ":acked"});
  // Five more while that write is on its way: nothing more is sent yet.
  report(1, "done");
  report(2, "acked");
  report(3, "acked", "T2");
  report(2, "done");
  report(3, "failed", "T2");
  sched.run();
  EXPECT_EQ(slog->job_puts.size(), before + 1);
  // The answer comes: all five go in one request, in the order reported,
  // each job with its latest state only (one WriteBatch: the same result).
  slog->mode = store_log::answer;
  release(store_h);
  ASSERT_EQ(slog->job_puts.size(), before + 2);
  EXPECT_EQ(put(before + 1),
            (std::vector<std::string>{id(1) + ":done", id(2) + ":done",
                                      id(3) + ":failed"}));
  EXPECT_TRUE(slog->job_puts_lazy.at(before + 1)) << "states go lazily";
  // And the control answers with the states it applied.
  auto got
    = ask<job_record>(control_h, get_atom::value, job_atom::value, id(3));
  sched.run();
  ASSERT_TRUE(got->value) << sys.render(got->error);
  EXPECT_EQ(got->value->status, "failed");
}

TEST_F(StatusWritesFlow, ACallbackWaitsForTheWriteOfItsFinalState) {
  auto job = stored_job(1, "T1", "acked");
  job.callback_url = "http://127.0.0.1:9/cb";
  start({job, stored_job(2, "T1", "delivered")}, 3);
  slog->mode = store_log::hold;
  report(2, "acked"); // in flight: the final state below waits behind it
  report(1, "done");
  sched.run();
  EXPECT_TRUE(poster->calls.empty()) << "posted before it was even sent";
  slog->mode = store_log::hold;
  release(store_h); // the first write: now the final state is sent
  ASSERT_EQ(slog->job_puts.back().first.size(), 1u);
  EXPECT_EQ(slog->job_puts.back().first[0].status, "done");
  EXPECT_TRUE(slog->job_puts.back().first[0].callback_pending);
  EXPECT_TRUE(poster->calls.empty()) << "posted before it was stored";
  release(store_h);
  ASSERT_EQ(poster->calls.size(), 1u);
  EXPECT_EQ(
    json::value_to<std::string>(parse(poster->calls[0].body).at("job_id")),
    job.job_id);
}

TEST_F(StatusWritesFlow, ARefusedBatchPostsNoCallbackAndTheNextIsStored) {
  auto job = stored_job(1, "T1", "acked");
  job.callback_url = "http://127.0.0.1:9/cb";
  auto other = stored_job(2, "T1", "acked");
  other.callback_url = "http://127.0.0.1:9/cb2";
  start({job, other}, 3);
  auto before = slog->job_puts.size();
  slog->mode = store_log::fail;
  report(1, "done");
  sched.run();
  ASSERT_EQ(slog->job_puts.size(), before + 1);
  EXPECT_TRUE(poster->calls.empty()) << "called back without being stored";
  // The control keeps serving: the next report is stored and called back.
  slog->mode = store_log::answer;
  report(2, "done");
  sched.run();
  ASSERT_EQ(slog->job_puts.size(), before + 2);
  EXPECT_EQ(put(before + 1), std::vector<std::string>{id(2) + ":done"});
  ASSERT_EQ(poster->calls.size(), 1u);
  EXPECT_EQ(poster->calls[0].url, "http://127.0.0.1:9/cb2");
}

TEST_F(StatusWritesFlow, AFullBatchDoesNotWaitForTheOneInFlight) {
  std::vector<job_record> jobs;
  for (uint64_t seq = 1; seq <= 300; ++seq)
    jobs.push_back(stored_job(seq, "T1", "delivered"));
  start(jobs, 301);
  auto before = slog->job_puts.size();
  slog->mode = store_log::hold;
  for (uint64_t seq = 1; seq <= 300; ++seq)
    report(seq, "acked");
  sched.run();
  // The first alone, then a full batch of 256 (max_batch) without waiting;
  // the other 43 wait for an answer.
  ASSERT_EQ(slog->job_puts.size(), before + 2);
  EXPECT_EQ(slog->job_puts[before].first.size(), 1u);
  EXPECT_EQ(slog->job_puts[before + 1].first.size(), 256u);
  slog->mode = store_log::answer;
  release(store_h);
  ASSERT_EQ(slog->job_puts.size(), before + 3);
  EXPECT_EQ(slog->job_puts[before + 2].first.size(), 43u);
  EXPECT_EQ(slog->job_puts[before + 2].first.back().job_id, id(300));
}

// A service's push waits for its store write: it goes into the store's
// urgent queue (and its answer into the control's), ahead of the history
// and session writes a reconnect storm queues there; the devices' status
// reports, which answer no API call, keep the normal queue.
TEST_F(StatusWritesFlow, APushIsWrittenUrgentlyStatusReportsAreNot) {
  start({}, 5);
  auto push = ask<job_record>(control_h, push_atom::value, job_request("T1"));
  sched.run();
  ASSERT_TRUE(push->done && push->value);
  ASSERT_EQ(slog->job_puts_urgent.size(), 1u);
  EXPECT_TRUE(slog->job_puts_urgent[0]);
  caf::anon_send(control_h,
                 job_update{push->value->job_id, "T1", "delivered", ""});
  sched.run();
  ASSERT_EQ(slog->job_puts_urgent.size(), 2u);
  EXPECT_FALSE(slog->job_puts_urgent[1]);
}

} // namespace
} // namespace tether::actor_test
