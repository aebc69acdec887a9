// terminal_session_state's side of a job cancellation without an actor
// system: a sent job is forgotten and the device gets the `cancel` frame; a
// job still in the backlog is dropped silently; a delivery of a canceled
// job is not sent; the device's late result for it is still passed on (the
// control ignores it) and closes nothing.
#include "actors/terminal_session/terminal_session.hpp"

#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace tether {
namespace {

namespace json = boost::json;

terminal_session_state make_state() {
  terminal_session_state st;
  st.terminal_id = "T1";
  st.conn_id = 7;
  st.redelivery_ms = 1000;
  st.node_id = std::make_shared<const std::string>("C1-n1");
  return st;
}

job_record make_job(const std::string& id) {
  job_record j;
  j.job_id = id;
  j.terminal_id = "T1";
  j.service = "print";
  j.payload_json = "{}";
  j.status = "queued";
  j.created_at_ms = 1000;
  return j;
}

TEST(SessionCancel, ASentJobIsForgottenAndTheDeviceTold) {
  auto st = make_state();
  ASSERT_TRUE(st.on_deliver(make_job("J1"), 1000));
  auto frame = st.on_cancel("J1");
  ASSERT_TRUE(frame.has_value());
  auto v = json::parse(*frame).as_object();
  EXPECT_EQ(v.at("type").as_string(), "cancel");
  EXPECT_EQ(v.at("job_id").as_string(), "J1");
  EXPECT_TRUE(st.jobs().unacked.empty());
  EXPECT_TRUE(st.due_for_redelivery(10'000).empty()) << "never sent again";
}

TEST(SessionCancel, AJobInTheBacklogIsDroppedWithoutAFrame) {
  auto st = make_state();
  st.window = 1;
  ASSERT_TRUE(st.on_deliver(make_job("J1"), 1000));
  EXPECT_FALSE(st.on_deliver(make_job("J2"), 1000)); // waits for room
  ASSERT_EQ(st.jobs().backlog.size(), 1u);
  EXPECT_FALSE(st.on_cancel("J2").has_value());
  EXPECT_TRUE(st.jobs().backlog.empty());
  st.on_frame(R"({"type":"ack","job_id":"J1"})");
  EXPECT_TRUE(st.refill(1100).empty()) << "the canceled job is never sent";
}

TEST(SessionCancel, ADeliveryThatOvertookTheCancellationIsNotSent) {
  auto st = make_state();
  st.on_cancel("J3"); // the control's cancel came first
  EXPECT_FALSE(st.on_deliver(make_job("J3"), 1000).has_value());
  EXPECT_TRUE(st.jobs().unacked.empty());
}

TEST(SessionCancel, ALateResultIsPassedOnAndClosesNothing) {
  auto st = make_state();
  ASSERT_TRUE(st.on_deliver(make_job("J1"), 1000));
  st.on_cancel("J1");
  auto act = st.on_frame(
    R"({"type":"result","job_id":"J1","status":"done","detail":""})");
  EXPECT_FALSE(act.close_reason.has_value());
  ASSERT_TRUE(act.update.has_value()); // the control ignores it
  EXPECT_EQ(act.update->status, "done");
}

TEST(SessionCancel, ItRemembersABoundedNumberOfCanceledJobs) {
  auto st = make_state();
  for (int i = 0; i < 200; ++i)
    st.on_cancel("J" + std::to_string(i));
  EXPECT_EQ(st.jobs().canceled.size(), st.canceled_kept);
  EXPECT_TRUE(st.on_deliver(make_job("J0"), 1000).has_value())
    << "the oldest was forgotten";
}

} // namespace
} // namespace tether
