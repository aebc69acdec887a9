// Re-homing under the deterministic fixture: a node that dies takes its
// sessions along; the balancer starts each again on the other node, the
// devices keep their WebSockets and get a new hello from there, the control
// is told each session moved (with a newer generation), and a session that
// moved on before its old node died is not started twice. The sessions of a
// burst start together (rehome_batch): a device gone meanwhile is left out,
// and a batch whose node died too is placed again.
#include <set>

#include "tests/actors/support/balancer_fixture.hpp"

namespace tether::actor_test {
namespace {

class RehomeFlow : public BalancerOnTwoNodes {
protected:
  RehomeFlow() {
    balancer_settings bs;
    bs.keepalive_ms = 60'000;
    bs.drain_per_s = 1; // a drain moves one session a second
    start_balancer(bs);
  }

  /// `count` devices, all on C1-n1 (C1-n2 drains while they connect).
  std::vector<std::shared_ptr<fake_link>> devices_on_n1(uint64_t count) {
    set_node("C1-n2", "draining");
    std::vector<std::shared_ptr<fake_link>> links;
    for (uint64_t conn = 1; conn <= count; ++conn) {
      auto id = "T" + std::to_string(conn);
      mlog->clusters[id] = "C1";
      links.push_back(connect_and_open(conn, id));
    }
    set_node("C1-n2", "active");
    return links;
  }

  void kill_n1() {
    caf::anon_send_exit(node_handles[0], caf::exit_reason::kill);
    sched.run();
  }

  /// Kills C1-n1 and runs until the balancer is next, its mailbox holding
  /// the down messages of the sessions (not yet read).
  void kill_n1_until_the_balancer_reads() {
    caf::anon_send_exit(node_handles[0], caf::exit_reason::kill);
    auto* b = caf::actor_cast<caf::abstract_actor*>(balancer);
    while (!sched.jobs.empty() && &sched.next_job<caf::scheduled_actor>() != b)
      sched.run_once();
  }
};

TEST_F(RehomeFlow, ADeadNodesSessionsStartAgainOnTheOtherNode) {
  auto links = devices_on_n1(5);
  for (const auto& link : links)
    ASSERT_EQ(node_of(*link), "C1-n1");
  ASSERT_EQ(clog->opened.size(), 5u);
  kill_n1();
  ASSERT_EQ(clog->moved.size(), 5u);
  std::set<std::string> terminals;
  for (const auto& m : clog->moved) {
    terminals.insert(m.terminal_id);
    EXPECT_EQ(m.text, "C1-n2");
    for (const auto& o : clog->opened)
      if (o.terminal_id == m.terminal_id) {
        EXPECT_NE(m.session, o.session);
        EXPECT_GT(m.generation, o.generation) << "the newer session wins";
      }
  }
  EXPECT_EQ(terminals.size(), 5u) << "each terminal once: no duplicate";
  for (const auto& link : links) {
    EXPECT_TRUE(link->closes.empty()) << "the device keeps its WebSocket";
    ASSERT_EQ(link->sent.size(), 2u);
    EXPECT_EQ(hello_of(*link, 1).at("node_id"), "C1-n2");
  }
  EXPECT_EQ(clog->opened.size(), 5u) << "a re-homing is no new connect";
  // The balancer counts them on C1-n2 now.
  auto st = ask<balancer_status>(balancer, status_atom::value);
  sched.run();
  ASSERT_TRUE(st->value);
  for (const auto& n : st->value->nodes) {
    if (n.node_id == "C1-n2") {
      EXPECT_EQ(n.sessions, 5u);
    }
  }
}

TEST_F(RehomeFlow, ASessionThatMovedOnIsNotStartedTwice) {
  auto links = devices_on_n1(2);
  // One session is drained to C1-n2 before C1-n1 dies (the drain picks
  // it): only the other one moves because of the death.
  set_node("C1-n1", "draining");
  advance(1s);
  ASSERT_EQ(clog->moved.size(), 1u);
  auto drained = clog->moved[0].terminal_id;
  kill_n1();
  ASSERT_EQ(clog->moved.size(), 2u);
  EXPECT_NE(clog->moved[1].terminal_id, drained);
  EXPECT_EQ(clog->moved[1].text, "C1-n2");
  for (const auto& link : links)
    EXPECT_TRUE(link->closes.empty());
}

TEST_F(RehomeFlow, ADeviceThatLeftBeforeItsBatchWasAskedGetsNoSession) {
  // The sessions of a burst are started together once its down messages are
  // read (rehome_batch): a device whose socket closes behind them is
  // dropped from the batch, not started and then told to end.
  auto links = devices_on_n1(3);
  kill_n1_until_the_balancer_reads();
  caf::anon_send(balancer, closed_atom::value, uint64_t{2});
  sched.run();
  ASSERT_EQ(clog->moved.size(), 2u);
  for (const auto& m : clog->moved) {
    EXPECT_NE(m.terminal_id, "T2");
    EXPECT_EQ(m.text, "C1-n2");
  }
  EXPECT_EQ(links[1]->sent.size(), 1u) << "no second hello for T2";
  for (size_t i : {0u, 2u}) {
    EXPECT_TRUE(links[i]->closes.empty());
    EXPECT_EQ(hello_of(*links[i], 1).at("node_id"), "C1-n2");
  }
}

TEST_F(RehomeFlow, ABatchWhoseNodeDiedBeforeItWasAskedIsPlacedAgain) {
  // C1-n1 dies and its sessions are gathered for C1-n2; C1-n2 dies too
  // before the batch is asked of it (its down message is read before the
  // flush): the batch is placed again, and with no node left each device
  // is told to retry (1013) as when no node takes it, not closed 1011 by
  // a request to a dead node.
  auto links = devices_on_n1(2);
  kill_n1_until_the_balancer_reads();
  caf::anon_send_exit(node_handles[1], caf::exit_reason::kill);
  ASSERT_TRUE(sched.prioritize(node_handles[1]));
  sched.run_once(); // C1-n2 ends: its down message queues behind C1-n1's
  sched.run();
  EXPECT_TRUE(clog->moved.empty());
  for (const auto& link : links) {
    ASSERT_EQ(link->closes.size(), 1u);
    EXPECT_EQ(link->closes[0].first, 1013);
  }
}

TEST_F(RehomeFlow, TheBalancersHelloComesBeforeWhatTheNewSessionSent) {
  // A batch's sessions do not greet (session_spec::batched): the balancer
  // sends each device its hello when the node's answer comes. A frame the
  // new session sends meanwhile (a job the control gave it at once) waits
  // behind that hello.
  auto links = devices_on_n1(2);
  kill_n1_until_the_balancer_reads();
  auto* n2 = caf::actor_cast<caf::abstract_actor*>(node_handles[1]);
  while (!sched.jobs.empty() && &sched.next_job<caf::scheduled_actor>() != n2)
    sched.run_once(); // the batch is asked of C1-n2, not yet answered
  auto job = std::string{R"({"type":"job","job_id":"J1"})"};
  caf::anon_send(balancer, to_dev_atom::value, uint64_t{1}, job);
  sched.run();
  ASSERT_EQ(links[0]->sent.size(), 3u);
  EXPECT_EQ(hello_of(*links[0], 1).at("node_id"), "C1-n2");
  EXPECT_EQ(links[0]->sent[2], job);
  ASSERT_EQ(links[1]->sent.size(), 2u);
  EXPECT_EQ(hello_of(*links[1], 1).at("node_id"), "C1-n2");
  EXPECT_EQ(clog->moved.size(), 2u);
  EXPECT_EQ(clog->move_batches, 1u) << "the node announced them together";
}

TEST_F(RehomeFlow, WithNoNodeLeftTheDevicesAreToldToRetry) {
  auto links = devices_on_n1(2);
  set_node("C1-n2", "draining");
  kill_n1();
  EXPECT_TRUE(clog->moved.empty());
  for (const auto& link : links) {
    ASSERT_EQ(link->closes.size(), 1u);
    EXPECT_EQ(link->closes[0].first, 1013);
  }
}

} // namespace
} // namespace tether::actor_test
