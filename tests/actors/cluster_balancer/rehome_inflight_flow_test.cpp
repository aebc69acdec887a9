// Re-homing when the node a batch was asked of dies while the request is in
// flight (rehome_batch, node_failed in cluster_balancer.cpp), under the
// deterministic fixture with a third node: the batch goes to the third node,
// every device keeps its WebSocket and gets one new hello from there, and the
// control is told of each session once, with no duplicate session.
//   - a node that ends before it reads the request bounces it (that answer
//     comes ahead of its down message);
//   - a node that took the request and never answers (a killed process:
//     its requests only time out) is replaced when its down message comes,
//     not after the request timeout; the timeout, when it fires, changes
//     nothing.
#include <set>

#include "tests/actors/support/balancer_fixture.hpp"

namespace tether::actor_test {
namespace {

/// A node that takes spawn requests and never answers them (its process is
/// about to be killed); it answers status.
caf::behavior silent_node(caf::event_based_actor* self,
                          std::shared_ptr<size_t> asked) {
  using specs = std::vector<session_spec>;
  auto held = std::make_shared<std::vector<caf::response_promise>>();
  return {
    [self, asked, held](spawn_atom, const specs& batch) {
      *asked += batch.size();
      held->push_back(self->make_response_promise());
      return held->back();
    },
    [](status_atom) {
      return node_status{"C1-n3", "active", 0, 0, 0};
    },
  };
}

class RehomeInFlight : public BalancerOnTwoNodes {
protected:
  /// Starts the balancer on C1-n1, C1-n2 and C1-n3: real, or `silent` as
  /// C1-n3.
  void start(node_actor silent = {}) {
    balancer_settings bs;
    bs.keepalive_ms = 60'000;
    if (silent)
      start_balancer(bs, 2, {std::move(silent)});
    else
      start_balancer(bs, 3);
  }

  /// Devices `ids`, all with sessions on node `on` (the others drain while
  /// they connect).
  std::vector<std::shared_ptr<fake_link>>
  devices_on(const std::string& on, const std::vector<std::string>& ids) {
    for (const char* n : {"C1-n1", "C1-n2", "C1-n3"})
      set_node(n, n == on ? "active" : "draining");
    std::vector<std::shared_ptr<fake_link>> links;
    for (const auto& id : ids) {
      mlog->clusters[id] = "C1";
      links.push_back(connect_and_open(++conns, id));
    }
    for (const char* n : {"C1-n1", "C1-n2", "C1-n3"})
      set_node(n, "active");
    return links;
  }

  /// Kills node `i` and runs until node `target` is next: the balancer has
  /// read the down messages and asked `target` for the batch.
  void kill_until_asked(size_t i, size_t target) {
    caf::anon_send_exit(node_handles[i], caf::exit_reason::kill);
    auto* t = caf::actor_cast<caf::abstract_actor*>(node_handles[target]);
    while (!sched.jobs.empty() && &sched.next_job<caf::scheduled_actor>() != t)
      sched.run_once();
    ASSERT_FALSE(sched.jobs.empty()) << "the batch was never asked";
  }

  /// Each device kept its socket and has exactly one new hello, from
  /// `node`; the control was told once per device, with that node.
  void
  expect_rehomed_once_on(const std::vector<std::shared_ptr<fake_link>>& links,
                         const std::vector<std::string>& ids,
                         const std::string& node) {
    for (const auto& link : links) {
      EXPECT_TRUE(link->closes.empty()) << "the device keeps its WebSocket";
      ASSERT_EQ(link->sent.size(), 2u)
        << "one hello, then one more: " << testing::PrintToString(link->sent);
      EXPECT_EQ(hello_of(*link, 1).at("node_id"), boost::json::value(node));
    }
    std::multiset<std::string> told;
    for (const auto& m : clog->moved) {
      told.insert(m.terminal_id);
      EXPECT_EQ(m.text, node);
    }
    EXPECT_EQ(told, std::multiset<std::string>(ids.begin(), ids.end()));
  }

  uint64_t conns = 0;
};

TEST_F(RehomeInFlight, ANodeThatEndsBeforeReadingTheBatchIsReplaced) {
  start();
  // C1-n3 holds three sessions, so the fewest-sessions pick sends the two
  // of C1-n1 to C1-n2 first.
  devices_on("C1-n3", {"T7", "T8", "T9"});
  std::vector<std::string> ids{"T1", "T2"};
  auto links = devices_on("C1-n1", ids);
  kill_until_asked(0, 1);
  // C1-n2 is killed ahead of the request in its mailbox (an urgent exit):
  // the request bounces, then its down message comes.
  caf::anon_send<caf::message_priority::high>(
    caf::actor_cast<caf::actor>(node_handles[1]),
    caf::exit_msg{caf::actor_addr{}, caf::exit_reason::kill});
  sched.run();
  expect_rehomed_once_on(links, ids, "C1-n3");
  EXPECT_EQ(clog->move_batches, 1u) << "announced by C1-n3 in one message";
}

TEST_F(RehomeInFlight, ANodeKilledWithTheBatchUnansweredIsReplacedAtOnce) {
  auto asked = std::make_shared<size_t>(0);
  start(own(caf::actor_cast<node_actor>(sys.spawn(silent_node, asked))));
  // C1-n2 holds three sessions: the two of C1-n1 go to the silent C1-n3.
  devices_on("C1-n2", {"T7", "T8", "T9"});
  std::vector<std::string> ids{"T1", "T2"};
  auto links = devices_on("C1-n1", ids);
  caf::anon_send_exit(node_handles[0], caf::exit_reason::kill);
  sched.run();
  ASSERT_EQ(*asked, 2u) << "the batch went to C1-n3";
  EXPECT_TRUE(clog->moved.empty());
  // C1-n3's process is killed: its down message comes, its answer never.
  caf::anon_send_exit(node_handles[2], caf::exit_reason::kill);
  sched.run();
  expect_rehomed_once_on(links, ids, "C1-n2");
  // The unanswered request times out later: nothing more happens.
  advance(defaults::request_timeout + 1s);
  expect_rehomed_once_on(links, ids, "C1-n2");
}

} // namespace
} // namespace tether::actor_test
