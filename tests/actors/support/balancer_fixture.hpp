// BalancerOnTwoNodes: the fixture of the cluster_balancer's flow tests
// (tests/actors/cluster_balancer/*_flow_test.cpp). A real cluster_balancer
// C1-b1 of cluster C1 on two real nodes, C1-n1 and C1-n2, with a fake
// cluster manager and a fake control (what they receive is in `mlog` and
// `clog`); devices are fake_links.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "actors/cluster_balancer/cluster_balancer.hpp"
#include "actors/node/node.hpp"
#include "tests/actors/support/actor_fixture.hpp"

namespace tether::actor_test {

class BalancerOnTwoNodes : public ActorFlow {
protected:
  /// Spawns the peers and the balancer with `bs` (its id, cluster and url
  /// are set here), and dispatches its start. The nodes are `real` real
  /// ones (C1-n1, C1-n2, ...), then `more` (a test's own, e.g. fakes).
  void start_balancer(balancer_settings bs, size_t real = 2,
                      std::vector<node_actor> more = {}) {
    manager = own(spawn_fake<cluster_manager_actor>(sys, fake_manager, mlog));
    control_h = own(spawn_fake<control_actor>(sys, fake_control, clog));
    std::vector<std::pair<std::string, node_actor>> nodes;
    for (size_t i = 1; i <= real; ++i) {
      auto id = "C1-n" + std::to_string(i);
      node_handles.push_back(own(sys.spawn(node, id, control_h)));
      nodes.emplace_back(id, node_handles.back());
    }
    for (auto& handle : more) {
      node_handles.push_back(handle);
      nodes.emplace_back("C1-n" + std::to_string(nodes.size() + 1), handle);
    }
    bs.balancer_id = "C1-b1";
    bs.cluster_id = "C1";
    bs.url = "ws://127.0.0.1:9101/v1/connect";
    balancer = own(sys.spawn(cluster_balancer, std::move(bs), manager, nodes));
    sched.run();
  }

  /// A device that connects (admission only).
  std::shared_ptr<fake_link> connect(uint64_t conn,
                                     const std::string& terminal) {
    auto link = std::make_shared<fake_link>();
    caf::anon_send(balancer, admit_atom::value, conn, terminal,
                   ws_link_ptr{link});
    sched.run();
    return link;
  }

  /// A device that connects and whose session starts.
  std::shared_ptr<fake_link> connect_and_open(uint64_t conn,
                                              const std::string& terminal) {
    auto link = connect(conn, terminal);
    caf::anon_send(balancer, open_atom::value, conn);
    sched.run();
    return link;
  }

  /// The `i`-th frame sent to the device if it is a hello, else {}.
  static boost::json::object hello_of(const fake_link& link, size_t i = 0) {
    if (link.sent.size() <= i || type_of(link.sent[i]) != "hello")
      return {};
    auto v = parse(link.sent[i]);
    return v.is_object() ? v.as_object() : boost::json::object{};
  }

  /// The node that hosts a device's session, from its first hello.
  static std::string node_of(const fake_link& link) {
    auto hello = hello_of(link);
    auto* id = hello.if_contains("node_id");
    return id ? std::string{id->as_string()} : std::string{};
  }

  /// The operator's node state, as the cluster manager passes it on.
  void set_node(const std::string& node, const std::string& state) {
    caf::anon_send(balancer, put_atom::value, node_atom::value, node, state);
    sched.run();
  }

  std::shared_ptr<manager_log> mlog = std::make_shared<manager_log>();
  std::shared_ptr<control_log> clog = std::make_shared<control_log>();
  cluster_manager_actor manager;
  control_actor control_h;
  cluster_balancer_actor balancer;
  std::vector<node_actor> node_handles; // C1-n1, C1-n2, ... (and `more`)
};

} // namespace tether::actor_test
