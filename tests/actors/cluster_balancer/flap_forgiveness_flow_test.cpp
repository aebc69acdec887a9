// The flapping ban counts the device's own connects, not the ones the
// balancer refused itself: a device that retries while its cluster has no
// live node (closed 1013) is not banned when the nodes come back (the chaos
// run of seed 2918001849 banned 13 devices that way, and their jobs waited
// for five minutes). A connect that reached a session still counts.
#include "net/limits/flap_ban.hpp"
#include "tests/actors/support/balancer_fixture.hpp"

namespace tether::actor_test {
namespace {

using namespace std::chrono_literals;

class FlapForgiveness : public BalancerOnTwoNodes {
protected:
  FlapForgiveness() {
    balancer_settings bs;
    bs.flaps = flaps;
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

TEST_F(FlapForgiveness, ConnectsThatReachASessionStillCount) {
  for (uint64_t conn = 1; conn <= 3; ++conn) {
    ASSERT_TRUE(connect_counted(conn));
    EXPECT_FALSE(node_of(*links.back()).empty()) << "its session started";
  }
  EXPECT_FALSE(connect_counted(4)) << "the fourth in a minute is banned";
}

} // namespace
} // namespace tether::actor_test
