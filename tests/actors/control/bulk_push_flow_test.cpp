// The control's bulk push (actors/control/bulk_push.hpp) under the
// deterministic fixture: every acceptable item stored in ONE store batch
// before anything is answered or routed; refused items answered per item
// with the single push's errors (unknown terminal, service, queue bound,
// counted across the items of the same request); a batch the store refuses
// answers `unavailable` and keeps nothing.
#include <algorithm>

#include "actors/control/control.hpp"
#include "storage/store.hpp"
#include "tests/actors/support/actor_fixture.hpp"
#include "tests/actors/support/control_fixture.hpp"

namespace tether::actor_test {
namespace {

class BulkPushFlow : public ControlOnTwoTerminals {
protected:
  caf::timespan settings_tick = std::chrono::seconds{1};

  std::shared_ptr<outcome<std::vector<bulk_outcome>>>
  bulk(std::vector<job_record> items) {
    return ask<std::vector<bulk_outcome>>(control_h, push_atom::value,
                                          std::move(items));
  }
};

TEST_F(BulkPushFlow, AcceptedItemsAreStoredInOneBatchBeforeTheAnswer) {
  start({}, 5);
  slog->mode = store_log::hold;
  auto unserved = job_request("T2");
  unserved.service = "no-such-service";
  auto out = bulk({job_request("T1"), job_request("T9"), job_request("T2"),
                   unserved, job_request("T1")});
  sched.run();
  ASSERT_EQ(slog->job_puts.size(), 1u) << "one batch for the whole request";
  const auto& batch = slog->job_puts[0].first;
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch[0].terminal_id, "T1");
  EXPECT_EQ(batch[1].terminal_id, "T2");
  EXPECT_EQ(batch[2].terminal_id, "T1");
  for (const auto& j : batch)
    EXPECT_EQ(j.status, "queued");
  EXPECT_EQ(batch[0].job_id.substr(0, 17), storage::store::job_id_for(5));
  EXPECT_EQ(batch[2].job_id.substr(0, 17), storage::store::job_id_for(7));
  EXPECT_EQ(slog->job_puts[0].second, 8u) << "the next sequence with them";
  EXPECT_FALSE(out->done) << "answered before the batch was stored";
  EXPECT_TRUE(mlog->delivered.empty()) << "routed before it was stored";
  release(store_h);
  ASSERT_TRUE(out->done);
  ASSERT_TRUE(out->value) << sys.render(out->error);
  const auto& r = *out->value;
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(r[0].error_code, 0);
  EXPECT_EQ(r[0].job.job_id, batch[0].job_id);
  EXPECT_EQ(r[1].job.terminal_id, "T9");
  EXPECT_EQ(static_cast<errc>(r[1].error_code), errc::not_found);
  EXPECT_NE(r[1].error.find("T9"), std::string::npos) << r[1].error;
  EXPECT_EQ(r[2].job.job_id, batch[1].job_id);
  EXPECT_EQ(static_cast<errc>(r[3].error_code), errc::conflict);
  EXPECT_NE(r[3].error.find("no-such-service"), std::string::npos);
  EXPECT_EQ(r[4].job.job_id, batch[2].job_id);
  // Each stored job is routed, and can be read back.
  ASSERT_EQ(mlog->delivered.size(), 3u);
  EXPECT_EQ(mlog->delivered[1].job_id, batch[1].job_id);
  auto got = ask<job_record>(control_h, get_atom::value, job_atom::value,
                             batch[2].job_id);
  sched.run();
  ASSERT_TRUE(got->value) << sys.render(got->error);
  EXPECT_EQ(got->value->terminal_id, "T1");
  // And each is a job_pushed record of its terminal's history.
  advance(settings_tick);
  std::vector<std::string> pushed;
  for (const auto& c : slog->calls)
    if (c.event == "job_pushed")
      pushed.push_back(c.terminal_id + ":" + c.job_id);
  std::sort(pushed.begin(), pushed.end());
  std::vector<std::string> want{
    "T1:" + batch[0].job_id, "T1:" + batch[2].job_id, "T2:" + batch[1].job_id};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(pushed, want);
  // Each stored item counts in its terminal's API calls (GC); T2's refused
  // item (an unserved service) does not.
  for (auto [terminal, calls] : {std::pair{"T1", 2u}, std::pair{"T2", 1u}}) {
    auto status = terminal_of(control_h, terminal);
    ASSERT_TRUE(status->value) << terminal;
    EXPECT_EQ(status->value->api.calls, calls) << terminal;
  }
}

TEST_F(BulkPushFlow, TheQueueBoundCountsEarlierItemsOfTheSameRequest) {
  settings.max_queue_per_terminal = 2;
  start();
  auto out = bulk({job_request("T1"), job_request("T1"), job_request("T1"),
                   job_request("T2")});
  sched.run();
  ASSERT_TRUE(out->value) << sys.render(out->error);
  const auto& r = *out->value;
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].error_code, 0);
  EXPECT_EQ(r[1].error_code, 0);
  EXPECT_EQ(static_cast<errc>(r[2].error_code), errc::too_many_requests);
  EXPECT_NE(r[2].error.find("2 open jobs"), std::string::npos) << r[2].error;
  EXPECT_EQ(r[3].error_code, 0) << "another terminal has its own queue";
  ASSERT_EQ(slog->job_puts.size(), 1u);
  EXPECT_EQ(slog->job_puts[0].first.size(), 3u);
}

TEST_F(BulkPushFlow, NothingAcceptableIsAnsweredWithoutAWrite) {
  start();
  auto out = bulk({job_request("T8"), job_request("T9")});
  sched.run();
  ASSERT_TRUE(out->value) << sys.render(out->error);
  ASSERT_EQ(out->value->size(), 2u);
  for (const auto& o : *out->value)
    EXPECT_EQ(static_cast<errc>(o.error_code), errc::not_found);
  EXPECT_TRUE(slog->job_puts.empty());
}

TEST_F(BulkPushFlow, ABatchThatCannotBeStoredIsUnavailableAndForgotten) {
  settings.max_queue_per_terminal = 1;
  start();
  slog->mode = store_log::fail;
  auto out = bulk({job_request("T1"), job_request("T2")});
  sched.run();
  ASSERT_TRUE(out->done);
  expect_not_stored(out->error);
  // The reservations are gone: the queue (bound 1) takes a job again.
  slog->mode = store_log::answer;
  out = bulk({job_request("T1"), job_request("T2")});
  sched.run();
  ASSERT_TRUE(out->value) << sys.render(out->error);
  EXPECT_EQ((*out->value)[0].error_code, 0);
  EXPECT_EQ((*out->value)[1].error_code, 0);
}

TEST_F(BulkPushFlow, StoredJobsGoToTheClusterManagerInOneMessage) {
  start();
  auto out = bulk({job_request("T1"), job_request("T9"), job_request("T2"),
                   job_request("T1")});
  sched.run();
  ASSERT_TRUE(out->value) << sys.render(out->error);
  EXPECT_EQ(mlog->bulk_delivers, 1u) << "one request for the whole bulk";
  ASSERT_EQ(mlog->delivered.size(), 3u) << "the refused item is not routed";
  EXPECT_EQ(mlog->delivered[0].job_id, (*out->value)[0].job.job_id);
  EXPECT_EQ(mlog->delivered[1].job_id, (*out->value)[2].job.job_id);
  EXPECT_EQ(mlog->delivered[2].job_id, (*out->value)[3].job.job_id);
  // A bulk with nothing accepted asks the manager nothing.
  auto none = bulk({job_request("T9")});
  sched.run();
  ASSERT_TRUE(none->value) << sys.render(none->error);
  EXPECT_EQ(mlog->bulk_delivers, 1u);
}

} // namespace
} // namespace tether::actor_test
