// The node's live sessions: found, forgotten, and ended with the registry
// (the node's state), which replaced the node's link to each session.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <set>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/after.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "actors/node/live_sessions.hpp"

namespace tether::test {
namespace {

class LiveSessions : public ::testing::Test {
protected:
  /// A stand-in session: answers an integer with itself.
  terminal_session_actor spawn_session() {
    auto echo = [](caf::event_based_actor*) {
      return caf::behavior{[](int x) {
        return x;
      }};
    };
    return caf::actor_cast<terminal_session_actor>(sys.spawn(echo));
  }

  /// Whether `who` still answers (a message to an ended actor is bounced).
  bool answers(const terminal_session_actor& who) {
    std::optional<int> got;
    self->request(caf::actor_cast<caf::actor>(who), std::chrono::seconds(10), 7)
      .receive([&](int x) { got = x; }, [](caf::error&) {});
    return got == 7;
  }

  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
};

TEST_F(LiveSessions, FindsAndForgetsByAddress) {
  auto a = spawn_session();
  auto b = spawn_session();
  live_sessions live;
  live.add(a);
  live.add(b);
  EXPECT_EQ(live.size(), 2u);
  ASSERT_NE(live.find(a.address()), nullptr);
  EXPECT_EQ(*live.find(a.address()), a);
  EXPECT_TRUE(live.remove(a.address()));
  EXPECT_FALSE(live.remove(a.address())) << "forgotten once";
  EXPECT_FALSE(live.contains(a.address()));
  EXPECT_EQ(live.find(a.address()), nullptr);
  EXPECT_TRUE(live.contains(b.address()));
  std::set<caf::actor_addr> seen;
  live.for_each(
    [&](const terminal_session_actor& s) { seen.insert(s.address()); });
  EXPECT_EQ(seen, std::set<caf::actor_addr>{b.address()});
  live.remove(b.address());
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
}

TEST_F(LiveSessions, FindsByIdAndKnowsEachSessionsBalancer) {
  auto a = spawn_session();
  auto b = spawn_session();
  auto balancer1 = spawn_session().address(); // any two other addresses
  auto balancer2 = spawn_session().address();
  live_sessions live;
  live.add(a, balancer1);
  live.add(b, balancer2);
  ASSERT_NE(live.find(a.id()), nullptr);
  EXPECT_EQ(*live.find(a.id()), a);
  EXPECT_EQ(live.relaying_through(balancer1),
            std::vector<terminal_session_actor>{a});
  EXPECT_EQ(live.relaying_through(balancer2),
            std::vector<terminal_session_actor>{b});
  EXPECT_FALSE(live.contains(balancer1)) << "a balancer is not a session";
  live.remove(a.address());
  EXPECT_EQ(live.find(a.id()), nullptr);
  EXPECT_TRUE(live.relaying_through(balancer1).empty());
  live.remove(b.address());
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
}

TEST_F(LiveSessions, EndingTheRegistryEndsTheSessionsItHolds) {
  auto held1 = spawn_session();
  auto held2 = spawn_session();
  auto forgotten = spawn_session();
  self->monitor(held1);
  self->monitor(held2);
  {
    live_sessions live;
    live.add(held1);
    live.add(held2);
    live.add(forgotten);
    live.remove(forgotten.address());
  }
  std::set<caf::actor_addr> down;
  for (int i = 0; i < 2; ++i)
    self->receive(
      [&](const caf::down_msg& dm) {
        EXPECT_EQ(dm.reason, caf::make_error(caf::exit_reason::kill));
        down.insert(dm.source);
      },
      caf::after(std::chrono::seconds(10)) >>
        [] { ADD_FAILURE() << "no down"; });
  EXPECT_EQ(down,
            (std::set<caf::actor_addr>{held1.address(), held2.address()}));
  EXPECT_FALSE(answers(held1));
  EXPECT_TRUE(answers(forgotten)) << "a session the node forgot is not ended";
  caf::anon_send_exit(forgotten, caf::exit_reason::user_shutdown);
}

} // namespace
} // namespace tether::test
