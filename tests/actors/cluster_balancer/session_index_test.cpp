// session_index and connection_table::of_session: a session's down message
// finds its connection by lookup; an entry whose connection moved on to a
// newer session, or went away, finds nothing; the down message removes the
// entry, so the index holds only sessions still monitored.
#include <gtest/gtest.h>

#include "tests/actors/cluster_balancer/balancers.hpp"
#include "tests/actors/support/session_handles.hpp"

namespace tether::test {
namespace {

using actor_test::session_handles;

TEST(SessionIndex, FindsTheConnectionUntilTheSessionEnded) {
  session_handles s{2};
  session_index index;
  EXPECT_EQ(index.find(s[0].address()), std::nullopt);
  index.started(s[0].address(), 7);
  index.started(s[1].address(), 8);
  EXPECT_EQ(index.find(s[0].address()), 7u);
  EXPECT_EQ(index.find(s[1].address()), 8u);
  index.ended(s[0].address());
  EXPECT_EQ(index.find(s[0].address()), std::nullopt);
  EXPECT_EQ(index.size(), 1u);
  index.ended(s[0].address()); // a second down message changes nothing
  EXPECT_EQ(index.size(), 1u);
}

/// A live connection of T1 served by `session`, indexed.
void live_with(connection_table& t, uint64_t conn,
               const terminal_session_actor& session) {
  auto& c = t.by_id[conn];
  c.terminal_id = "T1";
  c.at = conn_phase::live;
  c.session = session;
  t.sessions.started(session.address(), conn);
}

TEST(SessionIndex, OfSessionOnlyNamesTheConnectionsCurrentLiveSession) {
  session_handles s{3};
  connection_table t;
  live_with(t, 1, s[0]);
  EXPECT_EQ(t.of_session(s[0].address()), 1u);
  // Moved: the connection is served by a newer session; the old one's
  // down message (it ended) must not re-home the connection again.
  live_with(t, 1, s[1]);
  EXPECT_EQ(t.of_session(s[0].address()), std::nullopt);
  EXPECT_EQ(t.of_session(s[1].address()), 1u);
  // Starting again (no live session yet): nothing to re-home.
  t.by_id[1].at = conn_phase::spawning;
  EXPECT_EQ(t.of_session(s[1].address()), std::nullopt);
  // The connection closed: its session's entry names nothing.
  live_with(t, 2, s[2]);
  t.remove(2);
  EXPECT_EQ(t.of_session(s[2].address()), std::nullopt);
  // Never started: not indexed.
  connection_table empty;
  EXPECT_EQ(empty.of_session(s[0].address()), std::nullopt);
}

TEST(SessionIndex, FindsOneSessionAmongManyConnections) {
  // Many connections (without sessions: 20,000 actors would be slow to
  // make); the one session is found among them.
  session_handles s{1};
  connection_table t;
  for (uint64_t conn = 1; conn <= 20'000; ++conn)
    t.by_id[conn].at = conn_phase::live;
  live_with(t, 12'345, s[0]);
  EXPECT_EQ(t.of_session(s[0].address()), 12'345u);
}

} // namespace
} // namespace tether::test
