// status_writes (actors/control/status_writes.hpp): the job states the
// control has yet to hand to the store, sent one batch per request.
#include "actors/control/status_writes.hpp"

#include <gtest/gtest.h>

namespace tether {
namespace {

job_record state_of(const std::string& id, const std::string& status,
                    bool callback = false) {
  job_record j;
  j.job_id = id;
  j.terminal_id = "T1";
  j.status = status;
  j.callback_pending = callback;
  return j;
}

std::vector<std::string> steps(const std::vector<job_record>& jobs) {
  std::vector<std::string> out;
  for (const auto& j : jobs)
    out.push_back(j.job_id + ":" + j.status);
  return out;
}

TEST(StatusWrites, TheFirstStateGoesAtOnce) {
  status_writes w;
  EXPECT_TRUE(w.add(state_of("J1", "delivered"))) << "nothing in flight";
  auto batch = w.take();
  EXPECT_EQ(steps(batch.jobs), std::vector<std::string>{"J1:delivered"});
  EXPECT_EQ(w.in_flight(), 1u);
  EXPECT_EQ(w.waiting(), 0u);
  EXPECT_FALSE(w.answered()) << "nothing waits";
  EXPECT_EQ(w.in_flight(), 0u);
}

TEST(StatusWrites, StatesThatComeWhileOneIsInFlightGoAsOneBatchInOrder) {
  status_writes w;
  ASSERT_TRUE(w.add(state_of("J1", "delivered")));
  auto first = w.take();
  // Ten reports while the first write is on its way: none goes alone.
  for (const char* s : {"acked", "done"})
    EXPECT_FALSE(w.add(state_of("J1", s)));
  for (int i = 2; i <= 9; ++i)
    EXPECT_FALSE(w.add(state_of("J" + std::to_string(i), "delivered")));
  EXPECT_EQ(w.waiting(), 9u);
  EXPECT_TRUE(w.answered()) << "the answer lets the waiting ones go";
  auto second = w.take();
  ASSERT_EQ(second.jobs.size(), 9u);
  // J1's acked was replaced by its done (only the latest is written).
  EXPECT_EQ(second.jobs[0].job_id + second.jobs[0].status, "J1done");
  for (size_t i = 1; i < 9; ++i)
    EXPECT_EQ(second.jobs[i].job_id, "J" + std::to_string(i + 1));
  EXPECT_EQ(second.what, "9 job state(s) (J1 … J9)");
  EXPECT_EQ(w.replaced(), 1u);
  EXPECT_EQ(w.in_flight(), 1u);
}

TEST(StatusWrites, AFullBatchGoesWithoutWaiting) {
  status_writes w{4};
  ASSERT_TRUE(w.add(state_of("J0", "delivered")));
  (void)w.take();
  EXPECT_FALSE(w.add(state_of("J1", "delivered")));
  EXPECT_FALSE(w.add(state_of("J2", "delivered")));
  EXPECT_FALSE(w.add(state_of("J3", "delivered")));
  EXPECT_TRUE(w.add(state_of("J4", "delivered"))) << "max_batch are waiting";
  auto full = w.take();
  EXPECT_EQ(full.jobs.size(), 4u);
  EXPECT_EQ(w.in_flight(), 2u);
  EXPECT_FALSE(w.add(state_of("J5", "delivered")));
  EXPECT_FALSE(w.answered()) << "one is still in flight";
  EXPECT_TRUE(w.answered());
  EXPECT_EQ(steps(w.take().jobs), std::vector<std::string>{"J5:delivered"});
}

TEST(StatusWrites, OnlyFinalStatesWithAPendingCallbackAreCalledBack) {
  status_writes w;
  ASSERT_TRUE(w.add(state_of("J1", "done", true)));
  auto one = w.take();
  EXPECT_EQ(steps(one.callbacks), std::vector<std::string>{"J1:done"});
  EXPECT_FALSE(w.add(state_of("J2", "acked")));
  EXPECT_FALSE(w.add(state_of("J3", "failed", true)));
  EXPECT_FALSE(w.add(state_of("J1", "done"))); // its callback's outcome
  ASSERT_TRUE(w.answered());
  auto two = w.take();
  EXPECT_EQ(two.jobs.size(), 3u);
  EXPECT_EQ(steps(two.callbacks), std::vector<std::string>{"J3:failed"});
}

TEST(StatusWrites, OnlyTheLatestWaitingStateOfAJobIsWritten) {
  status_writes w;
  ASSERT_TRUE(w.add(state_of("J0", "delivered")));
  (void)w.take(); // in flight: the states below wait
  EXPECT_FALSE(w.add(state_of("J1", "delivered")));
  EXPECT_FALSE(w.add(state_of("J2", "delivered")));
  EXPECT_FALSE(w.add(state_of("J1", "acked")));
  EXPECT_FALSE(w.add(state_of("J1", "done", true)));
  EXPECT_EQ(w.waiting(), 2u);
  ASSERT_TRUE(w.answered());
  auto batch = w.take();
  EXPECT_EQ(steps(batch.jobs),
            (std::vector<std::string>{"J1:done", "J2:delivered"}));
  EXPECT_EQ(steps(batch.callbacks), std::vector<std::string>{"J1:done"});
  EXPECT_EQ(w.replaced(), 2u);
  // A state of a job whose batch is in flight is not replaced: it waits.
  EXPECT_FALSE(w.add(state_of("J2", "acked")));
  EXPECT_EQ(w.waiting(), 1u);
}

TEST(StatusWrites, ALaterStateFindsItsJobAmongManyWaiting) {
  status_writes w{1000};
  ASSERT_TRUE(w.add(state_of("J", "delivered")));
  (void)w.take();
  std::vector<std::string> expected;
  for (int i = 0; i < 100; ++i) {
    EXPECT_FALSE(w.add(state_of("J" + std::to_string(i), "delivered")));
    expected.push_back("J" + std::to_string(i) + ":delivered");
  }
  EXPECT_FALSE(w.add(state_of("J17", "done")));
  EXPECT_FALSE(w.add(state_of("J99", "acked")));
  EXPECT_FALSE(w.add(state_of("J0", "failed")));
  expected[17] = "J17:done";
  expected[99] = "J99:acked";
  expected[0] = "J0:failed";
  EXPECT_EQ(w.waiting(), 100u);
  EXPECT_EQ(w.replaced(), 3u);
  ASSERT_TRUE(w.answered());
  EXPECT_EQ(steps(w.take().jobs), expected);
}

TEST(StatusWrites, AFailedAnswerAlsoLetsTheWaitingGo) {
  // The batcher does not know outcomes: the control logs a failed batch
  // (no callback posted) and the next batch goes as after a stored one.
  status_writes w;
  ASSERT_TRUE(w.add(state_of("J1", "done")));
  (void)w.take();
  EXPECT_FALSE(w.add(state_of("J2", "done")));
  EXPECT_TRUE(w.answered());
  EXPECT_EQ(steps(w.take().jobs), std::vector<std::string>{"J2:done"});
}

TEST(StatusWrites, NothingWaitingIsAnEmptyBatchNotInFlight) {
  status_writes w;
  auto none = w.take();
  EXPECT_TRUE(none.jobs.empty());
  EXPECT_EQ(w.in_flight(), 0u);
  EXPECT_FALSE(w.answered());
  EXPECT_EQ(w.in_flight(), 0u) << "an answer never makes it negative";
  EXPECT_EQ(status_writes{0}.max_batch(), 1u);
}

} // namespace
} // namespace tether
