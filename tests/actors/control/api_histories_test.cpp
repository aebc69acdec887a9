// api_histories without an actor: API calls and jobs done counted per
// terminal, flushed once, and the per-user job counts (GI).
#include "actors/control/api_histories.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tether {
namespace {

// -- API history
// -------------------------------------------------------------------

TEST(ControlState, ApiCallsAreCountedAndFlushedOnce) {
  api_histories st;
  st.window_ms = 1000;
  st.count_call("T1", false, 5000);
  st.count_call("T1", true, 5100);
  st.count_call("T2", false, 5200);
  auto dirty = st.take_dirty();
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
  EXPECT_TRUE(st.take_dirty().empty());
  st.count_call("T2", true, 6500);
  dirty = st.take_dirty();
  ASSERT_EQ(dirty.size(), 1u);
  EXPECT_EQ(dirty[0].calls, 2u);
  EXPECT_EQ(dirty[0].previous_calls, 1u); // the window rolled
}

TEST(ApiHistories, UserJobsCountTheFirstUsersTerminals) {
  api_histories st;
  st.window_ms = 1000;
  st.count_done("A1", true, 5000);
  st.count_done("A1", false, 5000);
  st.count_done("A2", false, 5000);
  st.count_done("B1", false, 5000);
  st.count_call("C1", false, 5000); // a call is no job
  EXPECT_EQ(st.find("A1")->window_prints, 1u);
  EXPECT_EQ(st.find("A1")->window_jobs, 2u);
  EXPECT_EQ(st.find("Z9"), nullptr);
  st.refresh_user_jobs(5100, [](const std::string& id) {
    return id == "B1" ? std::string{} : "u-" + id.substr(0, 1);
  });
  EXPECT_EQ(st.jobs_of_user("u-A"), 3u);
  EXPECT_EQ(st.jobs_of_user("u-B"), 0u); // B1 has no user
  EXPECT_EQ(st.jobs_of_user("u-C"), 0u);
}

} // namespace
} // namespace tether
