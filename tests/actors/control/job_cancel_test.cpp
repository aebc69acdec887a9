// job_book's cancellation (DELETE /v1/jobs/{id}) without an actor: the
// canceled copy of an open job, 409 naming the status of a final one,
// nothing for a job it does not hold, and the stored copy applied.
#include <string>

#include <gtest/gtest.h>

#include "actors/control/job_book.hpp"
#include "actors/system/errors.hpp"
#include "tests/actors/control/test_jobs.hpp"

namespace tether {
namespace {

using test::add;
using test::push_request;

TEST(JobCancel, AnOpenJobGivesItsCanceledCopyWithoutChangingIt) {
  job_book st;
  auto req = push_request("T1");
  req.callback_url = "http://127.0.0.1:9/cb";
  auto id = add(st, req, 1000).job_id;
  auto copy = st.canceled(id, 2000);
  ASSERT_TRUE(copy.has_value());
  ASSERT_TRUE(static_cast<bool>(*copy)) << caf::to_string(copy->error());
  EXPECT_EQ((*copy)->status, "canceled");
  EXPECT_EQ((*copy)->finished_at_ms, 2000);
  EXPECT_TRUE((*copy)->callback_pending);
  EXPECT_EQ(st.find(id)->status, "queued") << "applied only once stored";
  EXPECT_EQ(st.open_count("T1"), 1u);
}

TEST(JobCancel, TheStoredCopyMakesTheJobFinal) {
  job_book st;
  auto id = add(st, push_request("T1"), 1000).job_id;
  st.apply({id, "T1", "delivered", {}}, 1100);
  auto copy = st.canceled(id, 2000);
  ASSERT_TRUE(copy && *copy);
  auto* job = st.cancel(**copy);
  ASSERT_NE(job, nullptr);
  EXPECT_EQ(job->status, "canceled");
  EXPECT_EQ(job->finished_at_ms, 2000);
  EXPECT_EQ(st.open_count("T1"), 0u);
  EXPECT_TRUE(st.unfinished("T1").empty()) << "never sent afterwards";
  // A later ack or result of the device is ignored.
  EXPECT_EQ(st.apply({id, "T1", "acked", {}}, 2100), nullptr);
  EXPECT_EQ(st.apply({id, "T1", "done", {}}, 2200), nullptr);
  EXPECT_EQ(st.find(id)->status, "canceled");
}

TEST(JobCancel, AFinalJobIsAConflictNamingItsStatus) {
  job_book st;
  auto id = add(st, push_request("T1"), 1000).job_id;
  st.apply({id, "T1", "done", {}}, 1100);
  auto copy = st.canceled(id, 2000);
  ASSERT_TRUE(copy.has_value());
  ASSERT_FALSE(static_cast<bool>(*copy));
  auto v = view(copy->error());
  EXPECT_EQ(v.code, errc::conflict);
  EXPECT_NE(v.message.find("already done"), std::string::npos) << v.message;
  EXPECT_EQ(st.find(id)->status, "done");
}

TEST(JobCancel, AJobThatFinishedMeanwhileStaysAsItIs) {
  job_book st;
  auto id = add(st, push_request("T1"), 1000).job_id;
  auto copy = st.canceled(id, 2000);
  ASSERT_TRUE(copy && *copy);
  st.apply({id, "T1", "failed", "paper jam"}, 2100);
  EXPECT_EQ(st.cancel(**copy), nullptr);
  EXPECT_EQ(st.find(id)->status, "failed");
}

TEST(JobCancel, AJobNotHeldIsLeftToTheStore) {
  job_book st;
  EXPECT_FALSE(st.canceled("J-unknown", 1000).has_value());
}

TEST(JobCancel, AJobNotStoredYetIsAConflict) {
  job_book st;
  auto job = st.new_job(push_request("T1"), 1000); // store write under way
  auto copy = st.canceled(job.job_id, 1100);
  ASSERT_TRUE(copy.has_value());
  ASSERT_FALSE(static_cast<bool>(*copy));
  EXPECT_EQ(view(copy->error()).code, errc::conflict);
}

} // namespace
} // namespace tether
