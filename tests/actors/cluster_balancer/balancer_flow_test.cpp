// cluster_balancer + two real nodes with a fake ws_link under the
// deterministic fixture: admission, session start, the relay both ways,
// replaced connections; a draining node takes no new session.
#include "actors/system/close_codes.hpp"
#include "tests/actors/support/balancer_fixture.hpp"

namespace tether::actor_test {
namespace {

class BalancerFlow : public BalancerOnTwoNodes {
protected:
  BalancerFlow() {
    balancer_settings bs;
    bs.keepalive_ms = 1000;
    bs.keepalive_misses = 2;
    bs.rebalance = {2, 1'000};
    start_balancer(bs);
  }
};

// A graceful stop (net/ordered_stop.hpp): the balancer's exit tells every
// device 1001 and ends every session as a shutdown, which the control
// records (and keeps out of the disconnect classes).
TEST_F(BalancerFlow, AStopClosesEverySocketAndEndsEverySessionAsAShutdown) {
  mlog->clusters = {{"T1", "C1"}, {"T2", "C1"}};
  auto link = connect(1, "T1");
  auto link2 = connect(2, "T2");
  caf::anon_send(balancer, open_atom::value, uint64_t{1});
  caf::anon_send(balancer, open_atom::value, uint64_t{2});
  sched.run();
  ASSERT_EQ(clog->opened.size(), 2u);
  // A third whose admission the manager has not answered yet.
  mlog->silent = true;
  mlog->clusters["T3"] = "C1";
  auto waiting = connect(3, "T3");
  ASSERT_TRUE(waiting->admissions.empty());
  caf::anon_send_exit(balancer, caf::exit_reason::user_shutdown);
  sched.run();
  for (const auto* l : {link.get(), link2.get()}) {
    ASSERT_EQ(l->closes.size(), 1u);
    EXPECT_EQ(l->closes[0].first, close_code::going_away);
    EXPECT_EQ(l->closes[0].second, close_reason::shutdown);
  }
  // Not upgraded: refused with 503 (the device retries), never upgraded.
  ASSERT_EQ(waiting->admissions.size(), 1u);
  EXPECT_EQ(waiting->admissions[0].first, 503);
  EXPECT_NE(waiting->admissions[0].second.find("server shutting down"),
            std::string::npos);
  EXPECT_TRUE(waiting->closes.empty());
  ASSERT_EQ(clog->closed.size(), 2u);
  for (const auto& e : clog->closed)
    EXPECT_EQ(e.text, close_reason::shutdown) << e.terminal_id;
}

TEST_F(BalancerFlow, AdmitsOnlyTerminalsOfItsCluster) {
  mlog->clusters = {{"T1", "C1"}, {"T2", "C2"}};
  auto ok = connect(1, "T1");
  ASSERT_EQ(ok->admissions.size(), 1u);
  EXPECT_EQ(ok->admissions[0].first, 0);
  auto other = connect(2, "T2");
  ASSERT_EQ(other->admissions.size(), 1u);
  EXPECT_EQ(other->admissions[0].first, 409);
  EXPECT_EQ(parse(other->admissions[0].second).at("error").at("code"),
            "conflict");
  auto unknown = connect(3, "T3");
  ASSERT_EQ(unknown->admissions.size(), 1u);
  EXPECT_EQ(unknown->admissions[0].first, 404);
  EXPECT_EQ(parse(unknown->admissions[0].second).at("error").at("code"),
            "not_found");
}

TEST_F(BalancerFlow, ASecondAdmissionOfALiveConnectionIdIsRefused) {
  mlog->clusters = {{"T1", "C1"}, {"T2", "C1"}};
  auto first = connect(1, "T1");
  auto second = connect(1, "T2"); // a listener's id reused: never by design
  ASSERT_EQ(second->admissions.size(), 1u);
  EXPECT_EQ(second->admissions[0].first, 500);
  caf::anon_send(balancer, open_atom::value, uint64_t{1});
  sched.run();
  EXPECT_FALSE(node_of(*first).empty()) << "the first keeps its admission";
  EXPECT_TRUE(second->sent.empty());
}

TEST_F(BalancerFlow, SessionStartsOnANodeAndRelaysBothWays) {
  mlog->clusters = {{"T1", "C1"}};
  auto link = connect(1, "T1");
  // A frame that arrives before the session exists is kept for it.
  caf::anon_send(balancer, frame_atom::value, uint64_t{1},
                 std::string{R"({"type":"ack","job_id":"J1"})"});
  caf::anon_send(balancer, open_atom::value, uint64_t{1});
  sched.run();
  ASSERT_FALSE(link->sent.empty());
  auto hello = parse(link->sent[0]);
  EXPECT_EQ(hello.at("type"), "hello");
  EXPECT_EQ(hello.at("terminal_id"), "T1");
  EXPECT_EQ(hello.at("cluster_id"), "C1");
  EXPECT_EQ(hello.at("node_id"), "C1-n1");
  ASSERT_EQ(clog->opened.size(), 1u);
  EXPECT_EQ(clog->opened[0].text, "C1-n1");
  ASSERT_EQ(clog->updates.size(), 1u);
  EXPECT_EQ(clog->updates[0].status, "acked");
  // A job for the terminal reaches the device through the balancer.
  job_record job;
  job.job_id = "J2";
  job.terminal_id = "T1";
  job.service = "print";
  job.payload_json = "{}";
  job.created_at_ms = now_ms();
  auto handed = ask<bool>(balancer, deliver_atom::value, job);
  sched.run();
  ASSERT_TRUE(handed->value);
  EXPECT_TRUE(*handed->value);
  EXPECT_EQ(type_of(link->sent.back()), "job");
  // A second device goes to the other node (fewest sessions).
  mlog->clusters["T2"] = "C1";
  auto link2 = connect(2, "T2");
  caf::anon_send(balancer, open_atom::value, uint64_t{2});
  sched.run();
  ASSERT_FALSE(link2->sent.empty());
  EXPECT_EQ(parse(link2->sent[0]).at("node_id"), "C1-n2");
  // The devices do not answer pings: the sessions close their sockets with
  // 4000 on the third period.
  for (int i = 0; i < 3; ++i)
    advance(1s);
  ASSERT_EQ(link->closes.size(), 1u);
  EXPECT_EQ(link->closes[0].first, 4000);
  ASSERT_EQ(link2->closes.size(), 1u);
  EXPECT_EQ(clog->closed.size(), 2u);
}

TEST_F(BalancerFlow, DeviceMayAnswerWhatItGotBeforeTheSessionIsKnown) {
  // A session can send a window of jobs before the node's answer (with its
  // handle) reaches the balancer; the device answers each of them. Those
  // answers are kept for the session, not taken for a flood.
  mlog->clusters = {{"T1", "C1"}};
  auto link = connect(1, "T1");
  caf::anon_send(balancer, open_atom::value, uint64_t{1});
  const int sent = 32;
  for (int i = 0; i < sent; ++i)
    caf::anon_send(balancer, to_dev_atom::value, uint64_t{1},
                   std::string{R"({"type":"job","job_id":"J)"}
                     + std::to_string(i) + "\"}");
  // An ack and a result for each, and 16 more.
  for (int i = 0; i < sent; ++i) {
    auto id = "J" + std::to_string(i);
    caf::anon_send(balancer, frame_atom::value, uint64_t{1},
                   std::string{R"({"type":"ack","job_id":")"} + id + "\"}");
    caf::anon_send(balancer, frame_atom::value, uint64_t{1},
                   std::string{R"({"type":"result","job_id":")"} + id
                     + R"(","status":"done"})");
  }
  for (int i = 0; i < 16; ++i)
    caf::anon_send(balancer, frame_atom::value, uint64_t{1},
                   std::string{R"({"type":"ack","job_id":"J0"})"});
  sched.run();
  EXPECT_TRUE(link->closes.empty())
    << link->closes[0].first << " " << link->closes[0].second;
  EXPECT_EQ(clog->updates.size(), static_cast<size_t>(2 * sent + 16));
  // Beyond that allowance it is a flood: the socket is closed with 1008.
  mlog->clusters["T2"] = "C1";
  auto flood = connect(2, "T2");
  caf::anon_send(balancer, open_atom::value, uint64_t{2});
  for (int i = 0; i < 17; ++i)
    caf::anon_send(balancer, frame_atom::value, uint64_t{2},
                   std::string{R"({"type":"pong","seq":0})"});
  sched.run();
  ASSERT_EQ(flood->closes.size(), 1u);
  EXPECT_EQ(flood->closes[0].first, 1008);
}

TEST_F(BalancerFlow, NewerConnectionReplacesTheOlder) {
  mlog->clusters = {{"T1", "C1"}};
  auto first = connect(1, "T1");
  caf::anon_send(balancer, open_atom::value, uint64_t{1});
  sched.run();
  auto second = connect(2, "T1");
  caf::anon_send(balancer, open_atom::value, uint64_t{2});
  sched.run();
  ASSERT_EQ(first->closes.size(), 1u);
  EXPECT_EQ(first->closes[0].first, close_code::replaced);
  EXPECT_TRUE(second->closes.empty());
  ASSERT_FALSE(second->sent.empty());
  EXPECT_EQ(type_of(second->sent[0]), "hello");
  // Both sessions opened; the first one's close came from the first session.
  ASSERT_EQ(clog->opened.size(), 2u);
  ASSERT_EQ(clog->closed.size(), 1u);
  EXPECT_EQ(clog->closed[0].session, clog->opened[0].session);
}

TEST_F(BalancerFlow, OnlyTheCurrentSessionClosesTheSocket) {
  // A stale session (its node was frozen, taken as failed, the session
  // started again elsewhere; then the node thawed and found its pings
  // unanswered) asks to close the socket: ignored, the device stays.
  mlog->clusters = {{"T1", "C1"}};
  auto link = connect_and_open(1, "T1");
  ASSERT_EQ(node_of(*link), "C1-n1");
  sys.spawn([b = balancer](caf::event_based_actor* stale) {
    stale->send(b, close_atom::value, uint64_t{1},
                uint16_t{close_code::keepalive_lost}, std::string{"stale"});
  });
  sched.run();
  EXPECT_TRUE(link->closes.empty()) << link->closes[0].second;
  // The device's own session still closes it (no pongs: 4000).
  for (int i = 0; i < 3; ++i)
    advance(1s);
  ASSERT_EQ(link->closes.size(), 1u);
  EXPECT_EQ(link->closes[0].first, close_code::keepalive_lost);
}

TEST_F(BalancerFlow, SocketCloseEndsTheSession) {
  mlog->clusters = {{"T1", "C1"}};
  auto link = connect(1, "T1");
  caf::anon_send(balancer, open_atom::value, uint64_t{1});
  sched.run();
  caf::anon_send(balancer, closed_atom::value, uint64_t{1});
  sched.run();
  ASSERT_EQ(clog->closed.size(), 1u);
  EXPECT_EQ(clog->closed[0].text, "connection closed");
  EXPECT_TRUE(link->closes.empty());
  // The balancer forgot the connection: no more frames go out.
  auto sent = link->sent.size();
  advance(5s);
  EXPECT_EQ(link->sent.size(), sent);
}

TEST_F(BalancerFlow, DrainingNodeTakesNoNewSession) {
  mlog->clusters = {{"T1", "C1"}, {"T2", "C1"}, {"T3", "C1"}};
  set_node("C1-n1", "draining");
  // Fewest sessions would put the second device on C1-n1: it drains.
  auto first = connect_and_open(1, "T1");
  auto second = connect_and_open(2, "T2");
  EXPECT_EQ(node_of(*first), "C1-n2");
  EXPECT_EQ(node_of(*second), "C1-n2");
  auto status = ask<balancer_status>(balancer, status_atom::value);
  sched.run();
  ASSERT_TRUE(status->value);
  ASSERT_EQ(status->value->nodes.size(), 2u);
  EXPECT_EQ(status->value->nodes[0].node_id, "C1-n1");
  EXPECT_EQ(status->value->nodes[0].state, "draining");
  // Active again: it takes sessions again.
  set_node("C1-n1", "active");
  auto third = connect_and_open(3, "T3");
  EXPECT_EQ(node_of(*third), "C1-n1");
  EXPECT_TRUE(first->closes.empty());
  EXPECT_TRUE(second->closes.empty());
}

TEST_F(BalancerFlow, DrainMovesLiveSessionsAndKeepsTheSocket) {
  mlog->clusters = {{"T1", "C1"}};
  auto link = connect_and_open(1, "T1");
  ASSERT_EQ(node_of(*link), "C1-n1");
  ASSERT_EQ(clog->opened.size(), 1u);
  set_node("C1-n1", "draining");
  EXPECT_TRUE(clog->moved.empty()) << "moved one at a time, on a timer";
  advance(1s);
  ASSERT_EQ(clog->moved.size(), 1u);
  EXPECT_EQ(clog->moved[0].terminal_id, "T1");
  EXPECT_EQ(clog->moved[0].text, "C1-n2");
  EXPECT_NE(clog->moved[0].session, clog->opened[0].session);
  EXPECT_TRUE(link->closes.empty()) << "the device keeps its WebSocket";
  EXPECT_EQ(clog->opened.size(), 1u) << "a move is no new connect";
}

TEST_F(BalancerFlow, RebalancingMovesOnlyIdleSessionsAndKeepsTheSockets) {
  // Both devices land on C1-n1 while C1-n2 drains; each then has a job in
  // flight (sent, not acknowledged).
  set_node("C1-n2", "draining");
  std::vector<std::shared_ptr<fake_link>> links;
  for (uint64_t conn = 1; conn <= 2; ++conn) {
    auto id = "T" + std::to_string(conn);
    mlog->clusters[id] = "C1";
    links.push_back(connect_and_open(conn, id));
    ASSERT_EQ(node_of(*links.back()), "C1-n1");
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
  // The next report plans a round (2 and 0: one moves), but the session
  // asked is busy: it stays.
  advance(1s);
  advance(100ms);
  EXPECT_TRUE(clog->moved.empty());
  // Both devices acknowledge their jobs: the next round moves one.
  for (uint64_t conn = 1; conn <= 2; ++conn)
    caf::anon_send(balancer, frame_atom::value, conn,
                   std::string{R"({"type":"ack","job_id":"J)"}
                     + std::to_string(conn) + R"("})");
  sched.run();
  advance(900ms);
  advance(100ms);
  ASSERT_EQ(clog->moved.size(), 1u);
  EXPECT_EQ(clog->moved[0].text, "C1-n2");
  for (const auto& link : links)
    EXPECT_TRUE(link->closes.empty()) << "the devices keep their WebSockets";
  EXPECT_EQ(clog->opened.size(), 2u) << "a move is no new connect";
  // Balanced (1 and 1): nothing more moves.
  advance(1s);
  EXPECT_EQ(clog->moved.size(), 1u);
}

} // namespace
} // namespace tether::actor_test
