// terminal_session under the deterministic fixture, hosted by a real node
// (which sends it its keepalive ticks): hello, a ping every keepalive
// period, close(4000) and `closed` after keepalive_misses unanswered pings;
// pongs keep it alive; frames, jobs and socket closes; the session is
// released the moment it ends.
#include "actors/node/node.hpp"
#include "actors/policy/frames.hpp"
#include "actors/terminal_session/terminal_session.hpp"
#include "tests/actors/support/actor_fixture.hpp"

namespace tether::actor_test {
namespace {

class SessionFlow : public ActorFlow {
protected:
  SessionFlow() {
    balancer
      = own(spawn_fake<cluster_balancer_actor>(sys, fake_balancer, blog));
    control_h = own(spawn_fake<control_actor>(sys, fake_control, clog));
    node_h = own(sys.spawn(node, std::string{"C1-n1"}, control_h));
    sched.run();
  }

  terminal_session_actor start(uint32_t keepalive_ms = 1000,
                               uint32_t misses = 2) {
    session_spec spec{"T1", "C1", 7, balancer, keepalive_ms, misses};
    auto spawned = ask<terminal_session_actor>(node_h, spawn_atom::value, spec);
    sched.run();
    EXPECT_TRUE(spawned->value) << caf::to_string(spawned->error);
    auto s = *spawned->value;
    s->attach_functor([ended = ended]() { *ended = true; });
    return s;
  }

  void device_sends(const terminal_session_actor& s, std::string text) {
    caf::anon_send(s, frame_atom::value, std::move(text));
    sched.run();
  }

  std::shared_ptr<balancer_log> blog = std::make_shared<balancer_log>();
  std::shared_ptr<control_log> clog = std::make_shared<control_log>();
  std::shared_ptr<bool> ended = std::make_shared<bool>(false);
  cluster_balancer_actor balancer;
  control_actor control_h;
  node_actor node_h;
};

TEST_F(SessionFlow, HelloAndOpenOnStart) {
  auto s = start(30'000);
  ASSERT_EQ(blog->to_dev.size(), 1u);
  EXPECT_EQ(blog->to_dev[0].first, 7u);
  EXPECT_EQ(blog->to_dev[0].second, frames::hello("T1", "C1", "C1-n1", 30));
  ASSERT_EQ(clog->opened.size(), 1u);
  EXPECT_EQ(clog->opened[0].terminal_id, "T1");
  EXPECT_EQ(clog->opened[0].text, "C1-n1");
  EXPECT_EQ(clog->opened[0].session, s.id());
  EXPECT_TRUE(clog->closed.empty());
  EXPECT_FALSE(*ended);
}

TEST_F(SessionFlow, PingEveryPeriodAndCloseAfterMisses) {
  auto s = start(1000, 2);
  advance(999ms);
  EXPECT_EQ(blog->to_dev.size(), 1u) << "no ping before a full period";
  advance(1ms);
  ASSERT_EQ(blog->to_dev.size(), 2u);
  EXPECT_EQ(blog->to_dev[1], std::make_pair(uint64_t{7}, frames::ping(1)));
  advance(1000ms);
  ASSERT_EQ(blog->to_dev.size(), 3u);
  EXPECT_EQ(blog->to_dev[2].second, frames::ping(2));
  EXPECT_TRUE(blog->closes.empty());
  EXPECT_TRUE(clog->closed.empty());
  // Two pings unanswered: the next period ends the session.
  advance(1000ms);
  ASSERT_EQ(blog->closes.size(), 1u);
  EXPECT_EQ(std::get<0>(blog->closes[0]), 7u);
  EXPECT_EQ(std::get<1>(blog->closes[0]), close_code::keepalive_lost);
  EXPECT_EQ(std::get<1>(blog->closes[0]), 4000);
  EXPECT_EQ(std::get<2>(blog->closes[0]), "keepalive lost");
  ASSERT_EQ(clog->closed.size(), 1u);
  EXPECT_EQ(clog->closed[0].terminal_id, "T1");
  EXPECT_EQ(clog->closed[0].text, "keepalive lost");
  EXPECT_EQ(clog->closed[0].session, s.id());
  EXPECT_TRUE(*ended);
  // Nothing more after the end.
  advance(10s);
  EXPECT_EQ(blog->to_dev.size(), 3u);
  EXPECT_EQ(blog->closes.size(), 1u);
  EXPECT_EQ(clog->closed.size(), 1u);
}

TEST_F(SessionFlow, PongsKeepItAlive) {
  auto s = start(1000, 2);
  for (uint64_t seq = 1; seq <= 10; ++seq) {
    advance(1s);
    ASSERT_EQ(blog->frames_of_type("ping").size(), seq);
    EXPECT_EQ(blog->frames_of_type("ping").back(), frames::ping(seq));
    device_sends(s, R"({"type":"pong","seq":)" + std::to_string(seq) + "}");
  }
  EXPECT_TRUE(blog->closes.empty());
  EXPECT_TRUE(clog->closed.empty());
  EXPECT_FALSE(*ended);
  // The device goes quiet: ping 11, ping 12, then the close. (Each tick
  // arms the next one, so time moves one period at a time.)
  for (int i = 0; i < 3; ++i)
    advance(1s);
  EXPECT_EQ(blog->frames_of_type("ping").size(), 12u);
  ASSERT_EQ(blog->closes.size(), 1u);
  EXPECT_EQ(std::get<1>(blog->closes[0]), 4000);
  EXPECT_TRUE(*ended);
}

TEST_F(SessionFlow, AckAndResultReachTheControl) {
  auto s = start();
  device_sends(s, R"({"type":"ack","job_id":"J1"})");
  device_sends(
    s, R"({"type":"result","job_id":"J1","status":"done","detail":"ok"})");
  ASSERT_EQ(clog->updates.size(), 2u);
  EXPECT_EQ(clog->updates[0].job_id, "J1");
  EXPECT_EQ(clog->updates[0].terminal_id, "T1");
  EXPECT_EQ(clog->updates[0].status, "acked");
  EXPECT_EQ(clog->updates[1].status, "done");
  EXPECT_EQ(clog->updates[1].detail, "ok");
}

TEST_F(SessionFlow, JobIsSentAndReportedDelivered) {
  auto s = start();
  job_record job;
  job.job_id = "J0000000000000001";
  job.terminal_id = "T1";
  job.service = "print";
  job.payload_json = R"({"doc":"x"})";
  job.status = "queued";
  job.created_at_ms = now_ms();
  caf::anon_send(s, deliver_atom::value, job);
  sched.run();
  ASSERT_EQ(blog->frames_of_type("job").size(), 1u);
  EXPECT_EQ(blog->frames_of_type("job")[0], frames::job(job));
  ASSERT_EQ(clog->updates.size(), 1u);
  EXPECT_EQ(clog->updates[0].job_id, job.job_id);
  EXPECT_EQ(clog->updates[0].status, "delivered");
  // An expired job is neither sent nor reported.
  job.job_id = "J0000000000000002";
  job.ttl_s = 1;
  job.created_at_ms = now_ms() - 60'000;
  caf::anon_send(s, deliver_atom::value, job);
  sched.run();
  EXPECT_EQ(blog->frames_of_type("job").size(), 1u);
  EXPECT_EQ(clog->updates.size(), 1u);
}

TEST_F(SessionFlow, UnknownFrameGetsAnErrorFrame) {
  auto s = start();
  device_sends(s, R"({"type":"subscribe"})");
  auto errors = blog->frames_of_type("error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(parse(errors[0]).at("code"), "unknown_type");
  EXPECT_TRUE(blog->closes.empty());
  EXPECT_FALSE(*ended);
}

TEST_F(SessionFlow, ProtocolViolationCloses1008) {
  auto s = start();
  device_sends(s, "this is not JSON");
  ASSERT_EQ(blog->closes.size(), 1u);
  EXPECT_EQ(std::get<1>(blog->closes[0]), 1008);
  EXPECT_EQ(std::get<2>(blog->closes[0]), "malformed JSON frame");
  ASSERT_EQ(clog->closed.size(), 1u);
  EXPECT_EQ(clog->closed[0].text, "malformed JSON frame");
  EXPECT_TRUE(*ended);
}

TEST_F(SessionFlow, SocketClosedEndsWithoutCloseFrame) {
  auto s = start();
  caf::anon_send(s, closed_atom::value, std::string{"connection closed"});
  sched.run();
  EXPECT_TRUE(blog->closes.empty()); // the socket is gone already
  ASSERT_EQ(clog->closed.size(), 1u);
  EXPECT_EQ(clog->closed[0].text, "connection closed");
  EXPECT_EQ(clog->closed[0].session, s.id());
  EXPECT_TRUE(*ended);
  advance(5s);
  EXPECT_TRUE(blog->frames_of_type("ping").empty());
}

// The node watches each balancer once, for all its sessions: when one goes
// away, the sessions relaying through it end (their sockets went with it)
// and those of another balancer stay.
TEST_F(SessionFlow, SessionsOfABalancerThatWentAwayEnd) {
  auto other_log = std::make_shared<balancer_log>();
  auto other
    = own(spawn_fake<cluster_balancer_actor>(sys, fake_balancer, other_log));
  auto s = start(30'000);
  session_spec spec{"T2", "C1", 8, other, 30'000, 2};
  auto spawned = ask<terminal_session_actor>(node_h, spawn_atom::value, spec);
  sched.run();
  ASSERT_TRUE(spawned->value);
  caf::anon_send_exit(balancer, caf::exit_reason::kill);
  sched.run();
  EXPECT_TRUE(*ended);
  ASSERT_EQ(clog->closed.size(), 1u);
  EXPECT_EQ(clog->closed[0].terminal_id, "T1");
  EXPECT_EQ(clog->closed[0].text, close_reason::balancer_gone);
  EXPECT_EQ(clog->closed[0].session, s.id());
  advance(30s);
  EXPECT_EQ(other_log->frames_of_type("ping").size(), 1u)
    << "the session of the other balancer is kept alive";
  EXPECT_TRUE(clog->closed.size() == 1u);
}

TEST_F(SessionFlow, EndedSessionIsReleasedAtOnce) {
  // Nothing may keep a finished session alive (a timer, a handler holding
  // its own handle): its node's live count drops when it ends, not one
  // keepalive period later.
  auto count = [&] {
    auto st = ask<node_status>(node_h, status_atom::value);
    sched.run();
    return st->value ? st->value->session_actors : -1;
  };
  // The node counts its sessions from their end (it monitors them).
  auto sessions = [&] {
    auto st = ask<node_status>(node_h, status_atom::value);
    sched.run();
    return st->value ? static_cast<int64_t>(st->value->sessions) : -1;
  };
  auto s = start(30'000);
  EXPECT_EQ(count(), 1);
  EXPECT_EQ(sessions(), 1);
  caf::actor_addr addr = s.address();
  caf::anon_send(s, closed_atom::value, std::string{"connection closed"});
  s = nullptr;
  sched.run();
  EXPECT_TRUE(*ended);
  EXPECT_EQ(count(), 0);
  EXPECT_EQ(sessions(), 0);
  // CAF frees an actor's memory only when no address of it remains: the
  // only one left is the test's own (no monitor entry in the balancer, no
  // monitor entry in the node, no timer).
  EXPECT_EQ(addr.get()->weak_refs.load(), 1u);
}

} // namespace
} // namespace tether::actor_test
