// Services and quality classes at the balancer, with two real nodes under
// the deterministic fixture: hello carries one connection id per declared
// service (print alone when none is declared), the control is told the
// same ids, and a session moved to another node keeps them; with
// max_sessions_per_node a full node is passed over and, all full, the
// device is closed 1013 with a retry hint; the session uses the cluster's
// keepalive.
#include "actors/cluster_balancer/cluster_balancer.hpp"
#include "actors/node/node.hpp"
#include "actors/system/close_codes.hpp"
#include "tests/actors/support/actor_fixture.hpp"

namespace tether::actor_test {
namespace {

class ServicesFlow : public ActorFlow {
protected:
  void start(uint32_t max_sessions_per_node = 0) {
    manager = own(spawn_fake<cluster_manager_actor>(sys, fake_manager, mlog));
    control_h = own(spawn_fake<control_actor>(sys, fake_control, clog));
    std::vector<std::pair<std::string, node_actor>> nodes;
    for (const char* id : {"C1-n1", "C1-n2"})
      nodes.emplace_back(id, own(sys.spawn(node, std::string{id}, control_h)));
    balancer_settings bs;
    bs.balancer_id = "C1-b1";
    bs.cluster_id = "C1";
    bs.url = "ws://127.0.0.1:9101/v1/connect";
    bs.keepalive_ms = 2000; // the cluster's quality class
    bs.keepalive_misses = 3;
    bs.max_sessions_per_node = max_sessions_per_node;
    bs.retry_after_s = 4;
    balancer = own(sys.spawn(cluster_balancer, bs, manager, nodes));
    sched.run();
  }

  std::shared_ptr<fake_link> connect_and_open(uint64_t conn,
                                              const std::string& terminal) {
    mlog->clusters[terminal] = "C1";
    auto link = std::make_shared<fake_link>();
    caf::anon_send(balancer, admit_atom::value, conn, terminal,
                   ws_link_ptr{link});
    sched.run();
    caf::anon_send(balancer, open_atom::value, conn);
    sched.run();
    return link;
  }

  static boost::json::object hello_of(const fake_link& link, size_t i = 0) {
    if (link.sent.size() <= i || type_of(link.sent[i]) != "hello")
      return {};
    auto v = parse(link.sent[i]);
    return v.is_object() ? v.as_object() : boost::json::object{};
  }

  std::shared_ptr<manager_log> mlog = std::make_shared<manager_log>();
  std::shared_ptr<control_log> clog = std::make_shared<control_log>();
  cluster_manager_actor manager;
  control_actor control_h;
  cluster_balancer_actor balancer;
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
  caf::anon_send(balancer, put_atom::value, node_atom::value,
                 std::string{"C1-n1"}, std::string{"draining"});
  sched.run();
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
