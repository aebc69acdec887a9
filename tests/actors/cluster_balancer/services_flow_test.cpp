// Services and quality classes at the balancer, with two real nodes under
// the deterministic fixture: hello carries one connection id per declared
// service (print alone when none is declared), the control is told the
// same ids, and a session moved to another node keeps them; with
// max_sessions_per_node a full node is passed over and, all full, the
// device is closed 1013 with a retry hint; the session uses the cluster's
// keepalive.
#include "actors/system/close_codes.hpp"
#include "tests/actors/support/balancer_fixture.hpp"

namespace tether::actor_test {
namespace {

class ServicesFlow : public BalancerOnTwoNodes {
protected:
  void start(uint32_t max_sessions_per_node = 0) {
    balancer_settings bs;
    bs.keepalive_ms = 2000; // the cluster's quality class
    bs.keepalive_misses = 3;
    bs.max_sessions_per_node = max_sessions_per_node;
    bs.retry_after_s = 4;
    start_balancer(bs);
  }

  /// Every device here is C1's.
  std::shared_ptr<fake_link> connect_and_open(uint64_t conn,
                                              const std::string& terminal) {
    mlog->clusters[terminal] = "C1";
    return BalancerOnTwoNodes::connect_and_open(conn, terminal);
  }
};

TEST_F(ServicesFlow, HelloCarriesOneIdPerServiceKeptAcrossAMove) {
  start();
  mlog->services["T1"] = {"print", "scan"};
  auto link = connect_and_open(1, "T1");
  auto hello = hello_of(*link);
  ASSERT_TRUE(hello.contains("service_connections")) << link->sent[0];
  auto ids = hello.at("service_connections").as_object();
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_NE(ids.at("print"), ids.at("scan"));
  EXPECT_EQ(hello.at("keepalive_s").to_number<int>(), 2); // the cluster's
  ASSERT_EQ(clog->service_connections.size(), 1u);
  EXPECT_EQ(clog->service_connections[0].first, "T1");
  EXPECT_EQ(clog->service_connections[0].second.at("scan"),
            std::string{ids.at("scan").as_string()});
  // Drained: the session starts on the other node, same socket, same ids.
  set_node("C1-n1", "draining");
  advance(1s);
  ASSERT_EQ(clog->moved.size(), 1u);
  size_t second = 0;
  for (size_t i = 1; i < link->sent.size(); ++i)
    if (type_of(link->sent[i]) == "hello")
      second = i;
  ASSERT_NE(second, 0u);
  auto again = hello_of(*link, second);
  EXPECT_EQ(again.at("node_id"), "C1-n2");
  EXPECT_EQ(again.at("service_connections").as_object(), ids);
  ASSERT_EQ(clog->service_connections.size(), 2u);
  EXPECT_EQ(clog->service_connections[1].second,
            clog->service_connections[0].second);
  // Another device without a list: print only, another id.
  auto other = connect_and_open(2, "T2");
  auto p = hello_of(*other).at("service_connections").as_object();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p.at("print"), ids.at("print"));
}

TEST_F(ServicesFlow, SessionCapPassesOverAFullNodeThenRefuses) {
  start(1);
  auto a = connect_and_open(1, "T1");
  auto b = connect_and_open(2, "T2");
  EXPECT_EQ(hello_of(*a).at("node_id"), "C1-n1");
  EXPECT_EQ(hello_of(*b).at("node_id"), "C1-n2");
  auto c = connect_and_open(3, "T3");
  EXPECT_TRUE(c->sent.empty());
  ASSERT_EQ(c->closes.size(), 1u);
  EXPECT_EQ(c->closes[0].first, close_code::try_again);
  EXPECT_EQ(c->closes[0].second,
            "every node is full (max_sessions_per_node = 1); retry after 4 s");
  EXPECT_TRUE(a->closes.empty());
  EXPECT_TRUE(b->closes.empty());
  // One leaves: its node has room again.
  caf::anon_send(balancer, closed_atom::value, uint64_t{1});
  sched.run();
  auto d = connect_and_open(4, "T4");
  EXPECT_EQ(hello_of(*d).at("node_id"), "C1-n1");
}

TEST_F(ServicesFlow, TheSessionPingsAtTheClustersPeriod) {
  start();
  auto link = connect_and_open(1, "T1");
  ASSERT_EQ(link->sent.size(), 1u); // hello
  advance(1999ms);
  EXPECT_EQ(link->sent.size(), 1u);
  advance(1ms);
  ASSERT_EQ(link->sent.size(), 2u);
  EXPECT_EQ(type_of(link->sent[1]), "ping");
}

} // namespace
} // namespace tether::actor_test
