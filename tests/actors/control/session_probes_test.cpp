// session_probes: a session is watched once, and its end is handed out
// once, with its terminal.
#include "actors/control/session_probes.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

namespace tether {
namespace {

TEST(SessionProbes, ASessionIsWatchedOnceAndItsEndNamesItsTerminalOnce) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto a = sys.spawn([] {
    return caf::behavior{[](int) {
    }};
  });
  auto b = sys.spawn([] {
    return caf::behavior{[](int) {
    }};
  });
  session_probes p;
  EXPECT_TRUE(p.watch(a.address(), "T1"));
  EXPECT_FALSE(p.watch(a.address(), "T1")) << "monitored once";
  EXPECT_TRUE(p.watch(b.address(), "T2"));
  EXPECT_EQ(p.size(), 2u);
  EXPECT_TRUE(p.ended(a.address()));
  EXPECT_FALSE(p.ended(a.address())) << "no longer watched";
  EXPECT_EQ(p.size(), 1u);
  auto ended = p.take_ended();
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].first, a.address());
  EXPECT_EQ(ended[0].second, "T1");
  EXPECT_TRUE(p.take_ended().empty()) << "handed out once";
  EXPECT_TRUE(p.watch(a.address(), "T1")) << "watched again when handed again";
  caf::anon_send_exit(a, caf::exit_reason::kill);
  caf::anon_send_exit(b, caf::exit_reason::kill);
}

} // namespace
} // namespace tether
