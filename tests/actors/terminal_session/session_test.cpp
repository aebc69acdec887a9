// terminal_session_state without an actor system: the keepalive (on_tick),
// what each device frame leads to (on_frame) and job delivery (on_deliver).
#include "actors/terminal_session/terminal_session.hpp"

#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "actors/policy/frames.hpp"

namespace tether {
namespace {

namespace json = boost::json;

terminal_session_state make_state(uint32_t misses = 2) {
  terminal_session_state st;
  st.terminal_id = "T1";
  st.conn_id = 7;
  st.keepalive_misses = misses;
  st.redelivery_ms = 30'000;
  st.node_id = std::make_shared<const std::string>("C1-n1");
  return st;
}

std::string pong(uint64_t seq) {
  return R"({"type":"pong","seq":)" + std::to_string(seq) + "}";
}

job_record make_job(const std::string& id, int64_t created_at_ms,
                    int64_t ttl_s = 0) {
  job_record j;
  j.job_id = id;
  j.terminal_id = "T1";
  j.service = "print";
  j.payload_json = R"({"doc":"x"})";
  j.status = "queued";
  j.ttl_s = ttl_s;
  j.created_at_ms = created_at_ms;
  j.updated_at_ms = created_at_ms;
  return j;
}

// -- on_tick ------------------------------------------------------------------

// A session keeps of its spec what its handlers use after the greeting;
// the strings only `hello` and the announcement need stay with the spec.
TEST(SessionState, KeepsOfItsSpecWhatItsHandlersUse) {
  // Every field, in order: terminal, cluster, connection, balancer,
  // keepalive period and misses, redelivery, address, moved, generation,
  // connection id, key, declared services, batched.
  const session_spec spec{"T1",
                          "a-cluster-name-longer-than-sso",
                          9,
                          {},
                          30'000,
                          3,
                          5000,
                          "2001:db8:1234:5678:9abc:def0:1234:5678",
                          false,
                          42,
                          "C1-b1-1764946800000000-123456789",
                          {1, 2},
                          {"scan"},
                          false};
  terminal_session_state st;
  st.adopt(spec);
  EXPECT_EQ(st.terminal_id, "T1");
  EXPECT_EQ(st.conn_id, 9u);
  EXPECT_EQ(st.keepalive_misses, 3u);
  EXPECT_EQ(st.redelivery_ms, 5000u);
  EXPECT_EQ(st.generation, 42u);
  EXPECT_EQ(st.service_key, (services::connection_key{1, 2}));
  EXPECT_EQ(st.service_names, std::vector<std::string>{"scan"});
  EXPECT_TRUE(st.idle());
  EXPECT_EQ(st.on_tick().ping.has_value(), true); // keeps alive
}

// The jobs' part exists only while the session has one in flight (or
// remembers a cancellation): an idle session holds none of it.
TEST(SessionState, HoldsJobsOnlyWhileOneIsInFlight) {
  auto st = make_state();
  EXPECT_FALSE(st.holds_jobs());
  ASSERT_TRUE(st.on_deliver(make_job("J1", 1000), 1000));
  EXPECT_TRUE(st.holds_jobs());
  st.on_frame(R"({"type":"ack","job_id":"J1"})");
  EXPECT_FALSE(st.holds_jobs()) << "given back once nothing is in flight";
  EXPECT_TRUE(st.jobs().empty());
  st.on_cancel("J2");
  EXPECT_TRUE(st.holds_jobs()) << "a cancellation is remembered";
  EXPECT_EQ(st.jobs().canceled.size(), 1u);
}

TEST(SessionTick, PingSequence) {
  auto st = make_state();
  for (uint64_t seq = 1; seq <= 5; ++seq) {
    auto act = st.on_tick();
    ASSERT_FALSE(act.lost) << seq;
    ASSERT_TRUE(act.ping) << seq;
    EXPECT_EQ(*act.ping, frames::ping(seq));
    EXPECT_EQ(st.ping_seq, seq);
    EXPECT_TRUE(st.awaiting_pong);
    // The device answers in time.
    auto f = st.on_frame(pong(seq));
    EXPECT_FALSE(f.reply);
    EXPECT_FALSE(f.close_reason);
    EXPECT_FALSE(st.awaiting_pong);
    EXPECT_EQ(st.misses, 0u);
  }
}

TEST(SessionTick, LostAfterKeepaliveMissesUnansweredPings) {
  for (uint32_t misses : {1u, 2u, 5u}) {
    SCOPED_TRACE(misses);
    auto st = make_state(misses);
    // `misses` unanswered pings are sent; the tick after the last one finds
    // the keepalive lost.
    for (uint32_t i = 1; i <= misses; ++i) {
      auto act = st.on_tick();
      ASSERT_FALSE(act.lost) << i;
      ASSERT_TRUE(act.ping);
      EXPECT_EQ(*act.ping, frames::ping(i));
    }
    auto act = st.on_tick();
    EXPECT_TRUE(act.lost);
    EXPECT_FALSE(act.ping);
  }
}

TEST(SessionTick, AnswerResetsMisses) {
  auto st = make_state(2);
  st.on_tick(); // ping 1
  st.on_tick(); // ping 2, one miss
  EXPECT_EQ(st.misses, 1u);
  st.on_frame(pong(2)); // answers the current ping
  EXPECT_EQ(st.misses, 0u);
  EXPECT_FALSE(st.awaiting_pong);
  // Two more ticks are fine again.
  EXPECT_FALSE(st.on_tick().lost); // ping 3
  EXPECT_FALSE(st.on_tick().lost); // ping 4, one miss
  EXPECT_TRUE(st.on_tick().lost);
}

TEST(SessionTick, PongForAnOldOrFutureSeqDoesNotCount) {
  auto st = make_state(2);
  st.on_tick();                  // ping 1
  st.on_tick();                  // ping 2, one miss
  auto f = st.on_frame(pong(1)); // late answer to ping 1
  EXPECT_FALSE(f.reply);
  EXPECT_FALSE(f.close_reason);
  EXPECT_EQ(st.misses, 1u);
  EXPECT_TRUE(st.awaiting_pong);
  st.on_frame(pong(3)); // answer to a ping never sent
  EXPECT_EQ(st.misses, 1u);
  EXPECT_TRUE(st.awaiting_pong);
  EXPECT_TRUE(st.on_tick().lost);
}

TEST(SessionTick, PongBeforeAnyPingIsHarmless) {
  auto st = make_state(1);
  st.on_frame(pong(0));
  auto act = st.on_tick();
  EXPECT_FALSE(act.lost);
  EXPECT_EQ(*act.ping, frames::ping(1));
  // The pong for seq 0 did not pre-answer ping 1.
  EXPECT_TRUE(st.on_tick().lost);
}

// -- on_frame
// ----------------------------------------------------------------------

TEST(SessionFrame, AckProducesUpdate) {
  auto st = make_state();
  ASSERT_TRUE(st.on_deliver(make_job("J1", 1000), 1000));
  EXPECT_EQ(st.jobs().unacked.count("J1"), 1u);
  auto act = st.on_frame(R"({"type":"ack","job_id":"J1"})");
  EXPECT_FALSE(act.reply);
  EXPECT_FALSE(act.close_reason);
  ASSERT_TRUE(act.update);
  EXPECT_EQ(act.update->job_id, "J1");
  EXPECT_EQ(act.update->terminal_id, "T1");
  EXPECT_EQ(act.update->status, "acked");
  EXPECT_EQ(act.update->detail, "");
  EXPECT_EQ(st.jobs().unacked.count("J1"), 0u);
}

TEST(SessionFrame, ResultProducesUpdate) {
  auto st = make_state();
  st.on_deliver(make_job("J1", 1000), 1000);
  st.on_deliver(make_job("J2", 1000), 1000);
  auto act = st.on_frame(
    R"({"type":"result","job_id":"J2","status":"failed","detail":"jam"})");
  ASSERT_TRUE(act.update);
  EXPECT_EQ(act.update->job_id, "J2");
  EXPECT_EQ(act.update->terminal_id, "T1");
  EXPECT_EQ(act.update->status, "failed");
  EXPECT_EQ(act.update->detail, "jam");
  EXPECT_EQ(st.jobs().unacked.count("J2"), 0u);
  EXPECT_EQ(st.jobs().unacked.count("J1"), 1u);
  act = st.on_frame(R"({"type":"result","job_id":"J1","status":"done"})");
  ASSERT_TRUE(act.update);
  EXPECT_EQ(act.update->status, "done");
  EXPECT_EQ(act.update->pages, 1u); // not said: one page
  EXPECT_TRUE(st.jobs().unacked.empty());
  st.on_deliver(make_job("J3", 1000), 1000);
  act = st.on_frame(
    R"({"type":"result","job_id":"J3","status":"done","pages":0})");
  ASSERT_TRUE(act.update);
  EXPECT_EQ(act.update->pages, 0u); // said: nothing printed
}

TEST(SessionFrame, UpdateNamesTheSessionsTerminal) {
  // The terminal id comes from the session, never from the frame.
  auto st = make_state();
  auto act = st.on_frame(R"({"type":"ack","job_id":"J9","terminal_id":"T2"})");
  ASSERT_TRUE(act.update);
  EXPECT_EQ(act.update->terminal_id, "T1");
}

TEST(SessionFrame, FatalFrameCloses) {
  for (const char* text : {"not json", "[]", "{}", R"({"type":1})"}) {
    SCOPED_TRACE(text);
    auto st = make_state();
    auto act = st.on_frame(text);
    ASSERT_TRUE(act.close_reason);
    EXPECT_FALSE(act.close_reason->empty());
    EXPECT_FALSE(act.reply);
    EXPECT_FALSE(act.update);
  }
  auto st = make_state();
  EXPECT_EQ(*st.on_frame("{").close_reason, "malformed JSON frame");
}

TEST(SessionFrame, UnknownTypeGetsAnErrorReply) {
  auto st = make_state();
  auto act = st.on_frame(R"({"type":"subscribe"})");
  EXPECT_FALSE(act.close_reason);
  EXPECT_FALSE(act.update);
  ASSERT_TRUE(act.reply);
  auto v = json::parse(*act.reply);
  EXPECT_EQ(v.at("type"), "error");
  EXPECT_EQ(v.at("code"), "unknown_type");
  EXPECT_EQ(v.at("message"), "unknown frame type \"subscribe\"");
}

TEST(SessionFrame, BadFrameGetsAnErrorReply) {
  auto st = make_state();
  st.on_tick();
  for (const char* text :
       {R"({"type":"pong","seq":"1"})", R"({"type":"ack"})",
        R"({"type":"result","job_id":"J1","status":"maybe"})"}) {
    SCOPED_TRACE(text);
    auto act = st.on_frame(text);
    EXPECT_FALSE(act.close_reason);
    EXPECT_FALSE(act.update);
    ASSERT_TRUE(act.reply);
    auto v = json::parse(*act.reply);
    EXPECT_EQ(v.at("type"), "error");
    EXPECT_EQ(v.at("code"), "bad_frame");
  }
  // A bad pong does not answer the ping.
  EXPECT_TRUE(st.awaiting_pong);
}

// -- on_deliver
// ----------------------------------------------------------------------

TEST(SessionDeliver, SendsTheJobFrame) {
  auto st = make_state();
  auto job = make_job("J1", 5000);
  auto frame = st.on_deliver(job, 6000);
  ASSERT_TRUE(frame);
  EXPECT_EQ(*frame, frames::job(job));
  EXPECT_EQ(st.jobs().unacked.at("J1").job.job_id, "J1");
}

TEST(SessionDeliver, ExpiredJobIsNotSent) {
  auto st = make_state();
  // ttl 10 s, created at 5 s: alive up to and including 15 s.
  EXPECT_TRUE(st.on_deliver(make_job("J1", 5000, 10), 15'000));
  EXPECT_FALSE(st.on_deliver(make_job("J2", 5000, 10), 15'001));
  EXPECT_EQ(st.jobs().unacked.count("J1"), 1u);
  EXPECT_EQ(st.jobs().unacked.count("J2"), 0u);
  // No ttl: never expires.
  EXPECT_TRUE(st.on_deliver(make_job("J3", 0, 0), 1'000'000'000'000));
}

TEST(SessionDeliver, AJobAlreadyHeldIsNotSentAgain) {
  // The control may hand the same job over twice (push and open); resending
  // an unacknowledged job is the redelivery timer's business.
  auto st = make_state();
  EXPECT_TRUE(st.on_deliver(make_job("J1", 0), 1));
  EXPECT_FALSE(st.on_deliver(make_job("J1", 0), 2));
  EXPECT_EQ(st.jobs().unacked.size(), 1u);
  EXPECT_EQ(st.jobs().unacked.at("J1").sent_at_ms, 1);
}

TEST(SessionDeliver, AtMostAWindowOfJobsIsUnacknowledged) {
  auto st = make_state();
  st.window = 2;
  EXPECT_TRUE(st.on_deliver(make_job("J1", 0), 1));
  EXPECT_TRUE(st.on_deliver(make_job("J2", 0), 1));
  EXPECT_FALSE(st.on_deliver(make_job("J3", 0), 1)); // waits
  EXPECT_FALSE(st.on_deliver(make_job("J4", 0), 1));
  EXPECT_FALSE(st.on_deliver(make_job("J3", 0), 2)); // held once only
  EXPECT_EQ(st.jobs().unacked.size(), 2u);
  ASSERT_EQ(st.jobs().backlog.size(), 2u);
  EXPECT_TRUE(st.refill(3).empty()) << "no room yet";
  // An ack makes room for the oldest waiting job.
  st.on_frame(R"({"type":"ack","job_id":"J1"})");
  auto more = st.refill(4);
  ASSERT_EQ(more.size(), 1u);
  EXPECT_EQ(more[0].job_id, "J3");
  EXPECT_EQ(st.jobs().unacked.count("J3"), 1u);
  EXPECT_EQ(st.jobs().unacked.at("J3").sent_at_ms, 4);
  st.on_frame(R"({"type":"result","job_id":"J2","status":"done"})");
  st.on_frame(R"({"type":"result","job_id":"J3","status":"done"})");
  more = st.refill(5);
  ASSERT_EQ(more.size(), 1u);
  EXPECT_EQ(more[0].job_id, "J4");
  EXPECT_TRUE(st.jobs().backlog.empty());
}

TEST(SessionDeliver, ALateOlderJobIsHeldOnceInArrivalOrder) {
  // Jobs usually come newest last; one handed over again (the control's
  // stuck sweep, a reconnect) may be older than the newest one waiting.
  auto st = make_state();
  st.window = 1;
  EXPECT_TRUE(st.on_deliver(make_job("J1", 0), 1));
  for (const auto* id : {"J5", "J3", "J3", "J5", "J6", "J4", "J6"})
    EXPECT_FALSE(st.on_deliver(make_job(id, 0), 1)) << id;
  std::vector<std::string> held;
  for (const auto& j : st.jobs().backlog)
    held.push_back(j.job_id);
  EXPECT_EQ(held, (std::vector<std::string>{"J5", "J3", "J6", "J4"}));
  // Once sent from the backlog, a job is held in the window, not again in
  // the backlog.
  st.on_frame(R"({"type":"result","job_id":"J1","status":"done"})");
  auto more = st.refill(2);
  ASSERT_EQ(more.size(), 1u);
  EXPECT_EQ(more[0].job_id, "J5");
  EXPECT_FALSE(st.on_deliver(make_job("J5", 0), 3));
  EXPECT_EQ(st.jobs().backlog.size(), 3u);
}

TEST(SessionDeliver, ExpiredBacklogJobIsDropped) {
  auto st = make_state();
  st.window = 1;
  st.on_deliver(make_job("J1", 0), 1000);
  st.on_deliver(make_job("J2", 0, 5), 1000); // expires at 5 s, waits
  st.on_frame(R"({"type":"ack","job_id":"J1"})");
  EXPECT_TRUE(st.refill(6000).empty());
  EXPECT_TRUE(st.jobs().backlog.empty());
  EXPECT_TRUE(st.jobs().unacked.empty());
}

// -- due_for_redelivery
// ------------------------------------------------------------

std::vector<std::string> ids(const std::vector<job_record>& jobs) {
  std::vector<std::string> out;
  for (const auto& j : jobs)
    out.push_back(j.job_id);
  return out;
}

TEST(SessionRedelivery, UnackedJobIsSentAgainAfterThePeriod) {
  auto st = make_state();
  ASSERT_TRUE(st.on_deliver(make_job("J1", 0), 1000));
  EXPECT_TRUE(st.due_for_redelivery(1000).empty());
  EXPECT_TRUE(st.due_for_redelivery(30'999).empty());
  EXPECT_EQ(ids(st.due_for_redelivery(31'000)), std::vector<std::string>{"J1"});
  // The period counts from the last send.
  EXPECT_TRUE(st.due_for_redelivery(31'001).empty());
  EXPECT_TRUE(st.due_for_redelivery(60'999).empty());
  EXPECT_EQ(ids(st.due_for_redelivery(61'000)), std::vector<std::string>{"J1"});
}

TEST(SessionRedelivery, AckedOrFinishedJobsAreNotResent) {
  auto st = make_state();
  st.on_deliver(make_job("J1", 0), 1000);
  st.on_deliver(make_job("J2", 0), 1000);
  st.on_deliver(make_job("J3", 0), 1000);
  st.on_frame(R"({"type":"ack","job_id":"J1"})");
  st.on_frame(R"({"type":"result","job_id":"J2","status":"done"})");
  EXPECT_EQ(ids(st.due_for_redelivery(100'000)),
            std::vector<std::string>{"J3"});
  EXPECT_EQ(st.jobs().unacked.size(), 1u);
  EXPECT_EQ(st.jobs().unacked.count("J3"), 1u);
}

TEST(SessionRedelivery, EachJobHasItsOwnClock) {
  auto st = make_state();
  st.on_deliver(make_job("J1", 0), 1000);
  st.on_deliver(make_job("J2", 0), 20'000);
  EXPECT_EQ(ids(st.due_for_redelivery(31'000)), std::vector<std::string>{"J1"});
  EXPECT_EQ(ids(st.due_for_redelivery(50'000)), std::vector<std::string>{"J2"});
  EXPECT_TRUE(st.due_for_redelivery(60'999).empty());
  EXPECT_EQ(ids(st.due_for_redelivery(61'000)), std::vector<std::string>{"J1"});
  EXPECT_TRUE(st.due_for_redelivery(79'999).empty());
  EXPECT_EQ(ids(st.due_for_redelivery(80'000)), std::vector<std::string>{"J2"});
}

TEST(SessionRedelivery, ExpiredJobIsDroppedNotResent) {
  auto st = make_state();
  st.on_deliver(make_job("J1", 0, 40), 1000); // expires at 40 s
  EXPECT_EQ(ids(st.due_for_redelivery(31'000)), std::vector<std::string>{"J1"});
  EXPECT_TRUE(st.due_for_redelivery(61'001).empty());
  EXPECT_TRUE(st.jobs().unacked.empty());
}

} // namespace
} // namespace tether

namespace tether {
namespace {

TEST(SessionIdle, IdleOnlyWithoutAJobInFlight) {
  auto st = make_state();
  EXPECT_TRUE(st.idle());
  ASSERT_TRUE(st.on_deliver(make_job("J1", 1000), 1000));
  EXPECT_FALSE(st.idle()); // sent, not acknowledged
  st.on_frame(R"({"type":"ack","job_id":"J1"})");
  EXPECT_TRUE(st.idle()); // acknowledged: its result reaches any session
  // A job waiting for room holds the session too.
  st.window = 0;
  EXPECT_FALSE(st.on_deliver(make_job("J2", 1000), 1000));
  EXPECT_FALSE(st.idle());
  st.window = 1;
  ASSERT_EQ(st.refill(1000).size(), 1u);
  st.on_frame(R"({"type":"result","job_id":"J2","status":"done"})");
  EXPECT_TRUE(st.idle());
  st.closed = true;
  EXPECT_FALSE(st.idle());
}

} // namespace
} // namespace tether
