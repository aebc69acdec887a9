// call_log (actors/control/call_log.hpp): the history records the control
// has not yet handed to the store.
#include "actors/control/call_log.hpp"

#include <gtest/gtest.h>

namespace tether {
namespace {

TEST(CallLog, RecordsAreStampedInOrderAndTakenOnce) {
  call_log log;
  log.add("T1", call_event::connect, 100, {}, {}, "C1-n1", "10.0.0.1");
  log.add("T1", call_event::job_pushed, 100, "J1");
  log.add("T2", call_event::disconnect, 105, {}, "keepalive_lost", "C1-n2");
  auto got = log.take();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].seq + 1, got[1].seq); // same ms: seq keeps the order
  EXPECT_EQ(got[0].node, "C1-n1");
  EXPECT_EQ(got[0].address, "10.0.0.1");
  EXPECT_EQ(got[1].job_id, "J1");
  EXPECT_EQ(got[2].terminal_id, "T2");
  EXPECT_EQ(got[2].detail, "keepalive_lost");
  EXPECT_EQ(got[2].at_ms, 105);
  EXPECT_TRUE(log.take().empty());
}

TEST(CallLog, JobReportsBecomeSteps) {
  call_log log;
  for (const char* status :
       {"queued", "delivered", "acked", "done", "failed", "expired", "odd"})
    log.add_job_step("T1", "J1", status, "C1-n1", 7);
  auto got = log.take();
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0].event, "job_delivered");
  EXPECT_EQ(got[1].event, "job_acked");
  for (size_t i = 2; i < 5; ++i)
    EXPECT_EQ(got[i].event, "job_finished");
  EXPECT_EQ(got[2].detail, "done");
  EXPECT_EQ(got[3].detail, "failed");
  EXPECT_EQ(got[4].detail, "expired");
  EXPECT_EQ(got[0].node, "C1-n1");
}

TEST(CallLog, PendingRecordsAreBoundedOldestDroppedAndCounted) {
  call_log log;
  log.max_pending = 3;
  for (int i = 0; i < 5; ++i)
    log.add("T1", call_event::connect, i);
  EXPECT_EQ(log.dropped, 2u);
  auto got = log.take();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got.front().at_ms, 2);
}

TEST(CallLog, ARetiredTerminalsPendingRecordsAreForgotten) {
  call_log log;
  log.add("T1", call_event::connect, 100);
  log.add("T10", call_event::connect, 100);
  log.add("T1", call_event::job_finished, 101, "J1", "canceled");
  EXPECT_EQ(log.forget("T1"), 2u);
  EXPECT_EQ(log.forget("T1"), 0u);
  auto got = log.take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].terminal_id, "T10");
}

TEST(CallLog, OnlyTheKnownCallsOfTheGatewayAreRecorded) {
  for (const char* call :
       {"register", "destination", "push", "attributes", "user"})
    EXPECT_EQ(call_event_of(call), call);
  EXPECT_EQ(call_event_of("connect"), ""); // the control's own events
  EXPECT_EQ(call_event_of("terminal"), "");
  EXPECT_EQ(call_event_of(""), "");
}

TEST(CallLog, FullOnceAChunkIsPending) {
  call_log log;
  log.handover_at = 2;
  EXPECT_FALSE(log.full());
  log.add("T1", call_event::job_pushed, 100, "J1");
  EXPECT_FALSE(log.full());
  log.add("T1", call_event::job_acked, 101, "J1");
  EXPECT_TRUE(log.full());
  EXPECT_EQ(log.take().size(), 2u);
  EXPECT_FALSE(log.full());
  log.handover_at = 0; // never: the tick only
  log.add("T1", call_event::job_finished, 102, "J1", "done");
  EXPECT_FALSE(log.full());
}

} // namespace
} // namespace tether
