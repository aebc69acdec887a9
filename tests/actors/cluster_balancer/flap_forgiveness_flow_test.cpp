// The flapping ban counts the device's own connects, not the ones the
// balancer refused itself: a device that retries while its cluster has no
// live node (closed 1013) is not banned when the nodes come back (the chaos
// run of seed 2918001849 banned 13 devices that way, and their jobs waited
// for five minutes). The same holds for a connect no node could start a
// session for (closed 1011) and one refused 503 because the cluster manager
// was unavailable. A connect that reached a session, or that was refused
// for the device's own fault, still counts.
#include "net/limits/flap_ban.hpp"
#include "tests/actors/support/balancer_fixture.hpp"

namespace tether::actor_test {
namespace {

using namespace std::chrono_literals;

/// A node that cannot start sessions (out of memory, its process ending).
caf::behavior failing_node(caf::event_based_actor*) {
  using specs = std::vector<session_spec>;
  return {
    [](spawn_atom, const session_spec&) -> caf::result<terminal_session_actor> {
      return make_error(errc::internal, "cannot start a session");
    },
    [](spawn_atom,
       const specs&) -> caf::result<std::vector<terminal_session_actor>> {
      return make_error(errc::internal, "cannot start a session");
    },
    [](status_atom) {
      return node_status{"C1-n1", "active", 0, 0, 0};
    },
  };
}

class FlapForgiveness : public BalancerOnTwoNodes {
protected:
  /// The balancer on two real nodes, or on one that fails every spawn.
  explicit FlapForgiveness(bool failing = false) {
    balancer_settings bs;
    bs.flaps = flaps;
    if (failing)
      start_balancer(bs, 0, {spawn_fake<node_actor>(sys, failing_node)});
    else
      start_balancer(bs);
    mlog->clusters = {{"T1", "C1"}};
  }

  /// A connect of T1 as the listener counts it, then admitted and opened;
  /// whether the listener let it through.
  bool connect_counted(uint64_t conn) {
    if (flaps->connect("T1").retry_after.count() > 0)
      return false;
    links.push_back(connect_and_open(conn, "T1"));
    return true;
  }

  std::shared_ptr<net::flap_ban> flaps
    = std::make_shared<net::flap_ban>(3, 5min);
  std::vector<std::shared_ptr<fake_link>> links;
};

TEST_F(FlapForgiveness, ConnectsClosedForWantOfANodeDoNotBan) {
  set_node("C1-n1", "draining");
  set_node("C1-n2", "draining");
  for (uint64_t conn = 1; conn <= 10; ++conn) {
    ASSERT_TRUE(connect_counted(conn)) << "connect " << conn << " banned";
    ASSERT_EQ(links.back()->closes.size(), 1u);
    EXPECT_EQ(links.back()->closes[0].first, close_code::try_again);
  }
  set_node("C1-n1", "active");
  ASSERT_TRUE(connect_counted(11)) << "banned after the outage";
  EXPECT_EQ(node_of(*links.back()), "C1-n1");
  EXPECT_TRUE(links.back()->closes.empty());
}

TEST_F(FlapForgiveness, ConnectsRefusedWhileTheManagerIsUnavailableDoNotBan) {
  mlog->unavailable = true;
  for (uint64_t conn = 1; conn <= 10; ++conn) {
    ASSERT_TRUE(connect_counted(conn)) << "connect " << conn << " banned";
    ASSERT_EQ(links.back()->admissions.size(), 1u);
    EXPECT_EQ(links.back()->admissions[0].first, 503);
  }
  mlog->unavailable = false;
  ASSERT_TRUE(connect_counted(11)) << "banned after the manager came back";
  EXPECT_FALSE(node_of(*links.back()).empty());
}

TEST_F(FlapForgiveness, ConnectsRefusedForTheDevicesOwnFaultStillCount) {
  mlog->clusters = {{"T1", "C2"}}; // assigned elsewhere: it must fetch again
  for (uint64_t conn = 1; conn <= 3; ++conn) {
    ASSERT_TRUE(connect_counted(conn));
    ASSERT_EQ(links.back()->admissions.size(), 1u);
    EXPECT_EQ(links.back()->admissions[0].first, 409);
  }
  EXPECT_FALSE(connect_counted(4)) << "the fourth in a minute is banned";
}

TEST_F(FlapForgiveness, ConnectsThatReachASessionStillCount) {
  for (uint64_t conn = 1; conn <= 3; ++conn) {
    ASSERT_TRUE(connect_counted(conn));
    EXPECT_FALSE(node_of(*links.back()).empty()) << "its session started";
  }
  EXPECT_FALSE(connect_counted(4)) << "the fourth in a minute is banned";
}

class FlapForgivenessOnAFailingNode : public FlapForgiveness {
protected:
  FlapForgivenessOnAFailingNode() : FlapForgiveness(true) {}
};

TEST_F(FlapForgivenessOnAFailingNode, ConnectsNoNodeCouldStartDoNotBan) {
  for (uint64_t conn = 1; conn <= 10; ++conn) {
    ASSERT_TRUE(connect_counted(conn)) << "connect " << conn << " banned";
    ASSERT_EQ(links.back()->closes.size(), 1u);
    EXPECT_EQ(links.back()->closes[0].first, close_code::internal_error);
  }
}

} // namespace
} // namespace tether::actor_test
