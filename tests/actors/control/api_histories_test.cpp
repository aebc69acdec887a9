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

/// Histories with 4 calls on A1, 2 on A2 and 1 on B1.
api_histories four_two_one_calls() {
  api_histories st;
  st.window_ms = 1000;
  for (int i = 0; i < 4; ++i)
    st.count_call("A1", false, 5000);
  for (int i = 0; i < 2; ++i)
    st.count_call("A2", false, 5000);
  st.count_call("B1", false, 5000);
  return st;
}

// GI: service requests per day over the whole history of each user's
// terminals (its first user), since the earliest registration among them.
TEST(ApiHistories, UserRatesCountTheFirstUsersTerminals) {
  const int64_t day = 86'400'000;
  auto st = four_two_one_calls();
  st.count_done("C1", false, 1, 5000); // a job done is no request
  EXPECT_EQ(st.find("Z9"), std::nullopt);
  auto user = [](const std::string& id) {
    return id == "B1" ? std::string{} : "u-" + id.substr(0, 1);
  };
  // A1 registered 3 days before `now`, A2 1 day: 6 requests over 3 days.
  auto since = [&](const std::string& id) {
    return id == "A1" ? int64_t{1} : id == "A2" ? 2 * day : int64_t{0};
  };
  st.refresh_user_jobs(3 * day + 1, user, since);
  EXPECT_EQ(st.jobs_of_user("u-A"), 2u);
  EXPECT_EQ(st.jobs_of_user("u-B"), 0u); // B1 has no user
  EXPECT_EQ(st.jobs_of_user("u-C"), 0u);
  // Unknown registrations: one day.
  st.refresh_user_jobs(3 * day + 1, user);
  EXPECT_EQ(st.jobs_of_user("u-A"), 6u);
}

// The tick's form: from the terminals that link a user (the table's
// first_users()), the same rates as from a pass over every history.
TEST(ApiHistories, UserRatesFromTheTerminalsThatLinkAUser) {
  const int64_t day = 86'400'000;
  auto st = four_two_one_calls();
  terminal_table terminals;
  terminal_record a1, a2, b1, c1;
  a1.terminal_id = "A1";
  a1.users = {"u-A", "u-Z"}; // only the first user counts
  a1.registered_at_ms = 1;
  a2.terminal_id = "A2";
  a2.users = {"u-A"};
  a2.registered_at_ms = 2 * day;
  b1.terminal_id = "B1"; // no user
  c1.terminal_id = "C1";
  c1.users = {"u-C"}; // a user, but no history
  terminals.load({a1, a2, b1, c1});
  ASSERT_EQ(terminals.first_users().size(), 3u);
  st.refresh_user_jobs(3 * day + 1, terminals.first_users());
  EXPECT_EQ(st.jobs_of_user("u-A"), 2u); // 6 requests over 3 days
  EXPECT_EQ(st.jobs_of_user("u-Z"), 0u);
  EXPECT_EQ(st.jobs_of_user("u-C"), 0u);
  // A2 loses its user through the table: the list follows.
  a2.users.clear();
  terminals.apply_change(a2);
  ASSERT_EQ(terminals.first_users().size(), 2u);
  st.refresh_user_jobs(3 * day + 1, terminals.first_users());
  EXPECT_EQ(st.jobs_of_user("u-A"), 1u); // A1's 4 over 3 days
  terminals.erase("A1");
  st.refresh_user_jobs(3 * day + 1, terminals.first_users());
  EXPECT_EQ(st.user_jobs.size(), 0u);
}

} // namespace
} // namespace tether
