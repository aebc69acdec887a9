// cluster_balancer + two real nodes under the deterministic fixture: a
// draining node's sessions move at once when idle, while one with a job
// sent and not acknowledged moves only once the device acknowledged it, or
// after [drain] job_wait, whichever comes first; job_wait 0 waits for none.
// The devices keep their WebSockets throughout.
#include "tests/actors/support/balancer_fixture.hpp"

namespace tether::actor_test {
namespace {

using namespace std::chrono_literals;

class DrainWaitFlow : public BalancerOnTwoNodes {
protected:
  void start(std::chrono::milliseconds job_wait) {
    balancer_settings bs;
    bs.keepalive_ms = 600'000; // no keepalive closes within a test
    bs.keepalive_misses = 2;
    bs.drain_job_wait = job_wait;
    bs.rebalance = {0, 5'000}; // off: only the drain moves sessions
    start_balancer(bs);
  }

  /// Devices T1..Tn all on C1-n1 (C1-n2 drains meanwhile); the first
  /// `busy` of them are sent a job J<i> they do not acknowledge.
  void devices_on_n1(uint64_t n, uint64_t busy) {
    set_node("C1-n2", "draining");
    for (uint64_t conn = 1; conn <= n; ++conn) {
      auto id = "T" + std::to_string(conn);
      mlog->clusters[id] = "C1";
      links.push_back(connect_and_open(conn, id));
      ASSERT_EQ(node_of(*links.back()), "C1-n1");
      if (conn > busy)
        continue;
      job_record job;
      job.job_id = "J" + std::to_string(conn);
      job.terminal_id = id;
      job.service = "print";
      job.payload_json = "{}";
      job.created_at_ms = now_ms();
      auto handed = ask<bool>(balancer, deliver_atom::value, job);
      sched.run();
      ASSERT_TRUE(handed->value && *handed->value);
    }
    set_node("C1-n2", "active");
  }

  bool moved(const std::string& terminal) const {
    for (const auto& m : clog->moved)
      if (m.terminal_id == terminal)
        return m.text == "C1-n2";
    return false;
  }

  void ack(uint64_t conn) {
    caf::anon_send(balancer, frame_atom::value, conn,
                   std::string{R"({"type":"ack","job_id":"J)"}
                     + std::to_string(conn) + R"("})");
    sched.run();
  }

  void keep_sockets() {
    for (const auto& link : links)
      EXPECT_TRUE(link->closes.empty()) << "the devices keep their sockets";
    EXPECT_EQ(clog->opened.size(), links.size()) << "a move is no connect";
  }

  std::vector<std::shared_ptr<fake_link>> links;
};

TEST_F(DrainWaitFlow, SessionWithAnOpenJobMovesOnlyOnceItIsAcknowledged) {
  start(5s);
  devices_on_n1(2, 1); // T1 busy, T2 idle
  set_node("C1-n1", "draining");
  advance(100ms);
  EXPECT_TRUE(moved("T2")) << "an idle session moves at once";
  EXPECT_FALSE(moved("T1")) << "its job is open";
  for (int i = 0; i < 8; ++i)
    advance(250ms);
  EXPECT_FALSE(moved("T1")) << "still open after 2 s";
  EXPECT_EQ(clog->moved.size(), 1u);
  ack(1);
  advance(250ms);
  EXPECT_TRUE(moved("T1")) << "acknowledged: it moves at its next turn";
  EXPECT_EQ(clog->moved.size(), 2u);
  keep_sockets();
}

TEST_F(DrainWaitFlow, TheWaitIsBoundedByJobWait) {
  start(2s);
  devices_on_n1(1, 1);
  set_node("C1-n1", "draining");
  advance(100ms);
  // Asked every 250 ms: just before the wait is over it still stays.
  for (int i = 0; i < 7; ++i)
    advance(250ms);
  EXPECT_FALSE(moved("T1"));
  // The wait is over (2 s after its first busy answer): it moves, job and
  // all (the new session is sent the unacknowledged job again).
  advance(250ms);
  advance(250ms);
  EXPECT_TRUE(moved("T1"));
  keep_sockets();
}

TEST_F(DrainWaitFlow, ZeroJobWaitMovesBusySessionsAtOnce) {
  start(0ms);
  devices_on_n1(1, 1);
  set_node("C1-n1", "draining");
  advance(100ms);
  EXPECT_TRUE(moved("T1"));
  keep_sockets();
}

TEST_F(DrainWaitFlow, NodeActiveAgainEndsTheWait) {
  start(5s);
  devices_on_n1(1, 1);
  set_node("C1-n1", "draining");
  advance(100ms);
  set_node("C1-n1", "active");
  for (int i = 0; i < 24; ++i)
    advance(250ms);
  ack(1);
  advance(1s);
  EXPECT_TRUE(clog->moved.empty()) << "nothing drains any more";
  keep_sockets();
}

} // namespace
} // namespace tether::actor_test
