// GET /v1/admin/events (issue 13, the live dashboard) against a real
// tetherd: the stream's head, then events as things change (a terminal
// connects, its node's sessions, a job's status, a node drained, the
// terminal disconnects); 401 without a key, 403 without `admin`, 503 +
// Retry-After over [limits] max_event_streams, and a closed stream frees
// its place; a reconnect with Last-Event-ID gets what it missed (or
// `reset` for an id not of this gateway); HEAD gets the head, no body.

#include <csignal>

#include "tests/e2e/e2e.hpp"
#include "tests/e2e/event_checks.hpp"
#include "tests/support/topology_builder.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

std::string key_with(const tetherd_process& d, const std::string& scopes) {
  auto r = http_call(d.http(), "POST", "/v1/admin/keys",
                     R"({"name":"t","scopes":)" + scopes + "}");
  EXPECT_EQ(r.status, 201) << r.body;
  return str_at(json_of(r.body), "key");
}

} // namespace

TEST(AdminEvents, StreamsWhatChanges) {
  tetherd_process d;
  d.start();
  event_reader events{d.http(), d.admin_key()};
  ASSERT_TRUE(events.wait_for(": stream open\n\n", 10s)) << events.received;
  EXPECT_EQ(events.received.rfind("HTTP/1.1 200 OK\r\n", 0), 0u)
    << events.received;
  EXPECT_NE(events.received.find("Content-Type: text/event-stream\r\n"),
            std::string::npos);
  auto node_id = past_the_baseline(d, events);

  auto ws = connect_device(d, "T1", "GG1");
  ASSERT_TRUE(ws);
  ASSERT_TRUE(next_of_type(*ws, "hello").is_object());
  EXPECT_TRUE(events.wait_for(
    "event: terminal\ndata: {\"id\":\"T1\",\"change\":\"connect\"", 10s))
    << events.received;
  EXPECT_TRUE(events.wait_for("\"sessions\":1", 10s)) << events.received;

  auto pushed = http_call(d.http(), "POST", "/v1/terminals/T1/jobs",
                          R"({"service":"print","payload":{"n":1}})");
  ASSERT_EQ(pushed.status, 202) << pushed.body;
  auto job = str_at(json_of(pushed.body), "job_id");
  EXPECT_TRUE(events.wait_for(
    "event: job\ndata: {\"id\":\"" + job + "\",\"terminal\":\"T1\"", 10s))
    << events.received;

  auto mark = events.received.size();
  auto put = http_call(d.http(), "PUT", "/v1/admin/nodes/" + node_id,
                       R"({"weight":5})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_TRUE(events.wait_for("\"id\":\"" + node_id
                                + "\",\"cluster\":\"C1\",\"state\":\"active\"",
                              10s, mark))
    << events.received;
  EXPECT_TRUE(events.wait_for("\"capacity\":1,\"weight\":5}", 10s, mark))
    << events.received;

  ws.reset(); // the device goes away
  EXPECT_TRUE(events.wait_for(
    "event: terminal\ndata: {\"id\":\"T1\",\"change\":\"disconnect\"", 10s))
    << events.received;
  // Every event has an id, <run>-<n>, rising.
  auto first = events.received.find("\nid: ");
  ASSERT_NE(first, std::string::npos) << events.received;
  auto run = events.received.substr(first + 5, 8);
  EXPECT_NE(events.received.find("\nid: " + run + "-1\nevent: "),
            std::string::npos)
    << events.received;
  EXPECT_EQ(last_id(events.received).rfind(run + "-", 0), 0u);
}

TEST(AdminEvents, RefusedWithoutAnAdminKeyAndOverTheCap) {
  tetherd_process d{
    topology_builder{}.section("limits", "max_event_streams = 1").toml()};
  d.start();
  auto none = http_call_auth(d.http(), "", "GET", "/v1/admin/events", {});
  EXPECT_EQ(none.status, 401) << none.body;
  auto reader = key_with(d, R"(["metrics"])");
  auto wrong = http_call_auth(d.http(), "Bearer " + reader, "GET",
                              "/v1/admin/events", {});
  EXPECT_EQ(wrong.status, 403) << wrong.body;
  EXPECT_NE(error_message_of(wrong).find("admin"), std::string::npos);

  auto first = std::make_unique<event_reader>(d.http(), d.admin_key());
  ASSERT_TRUE(first->wait_for(": stream open\n\n", 10s)) << first->received;
  auto over = http_call(d.http(), "GET", "/v1/admin/events");
  EXPECT_EQ(over.status, 503) << over.body;
  EXPECT_FALSE(over.headers["Retry-After"].empty());
  EXPECT_NE(error_message_of(over).find("max_event_streams"), std::string::npos)
    << over.body;

  first.reset(); // its place is free once the server sees it closed
  std::unique_ptr<event_reader> again;
  EXPECT_TRUE(eventually(
    [&] {
      again = std::make_unique<event_reader>(d.http(), d.admin_key());
      return again->wait_for(": stream open\n\n", 2s);
    },
    15s))
    << (again ? again->received : "");
}

TEST(AdminEvents, AnOpenStreamDoesNotHoldTheServerAtShutdown) {
  tetherd_process d;
  d.start();
  event_reader events{d.http(), d.admin_key()};
  ASSERT_TRUE(events.wait_for(": stream open\n\n", 10s)) << events.received;
  d.process().signal(SIGTERM);
  auto status = d.process().wait(15s);
  ASSERT_TRUE(status.has_value()) << "tetherd did not exit with a stream open";
  EXPECT_EQ(*status, 0) << d.log();
  // The stream ends with the server.
  EXPECT_FALSE(events.wait_for("never sent", 5s));
  EXPECT_TRUE(events.closed_by_server);
}

TEST(AdminEvents, AReconnectWithLastEventIdGetsWhatItMissed) {
  tetherd_process d;
  d.start();
  auto events = std::make_unique<event_reader>(d.http(), d.admin_key());
  ASSERT_TRUE(events->wait_for(": stream open\n\n", 10s));
  auto node_id = past_the_baseline(d, *events);
  auto seen = last_id(events->received);
  ASSERT_FALSE(seen.empty()) << events->received;
  events.reset(); // the client's connection breaks

  // A change while it is away; another stream shows when the gateway has
  // seen it.
  event_reader other{d.http(), d.admin_key()};
  ASSERT_TRUE(other.wait_for(": stream open\n\n", 10s));
  auto put = http_call(d.http(), "PUT", "/v1/admin/nodes/" + node_id,
                       R"({"weight":7})");
  ASSERT_EQ(put.status, 200) << put.body;
  ASSERT_TRUE(other.wait_for("\"weight\":7}", 10s)) << other.received;

  // Nothing changes any more: what the reconnect gets is the replay.
  event_reader back{d.http(), d.admin_key(), "Last-Event-ID: " + seen + "\r\n"};
  ASSERT_TRUE(back.wait_for("\"weight\":7}", 10s)) << back.received;
  auto open = back.received.find(": stream open\n\n");
  ASSERT_NE(open, std::string::npos);
  EXPECT_EQ(back.received.find("event: reset"), std::string::npos);
  EXPECT_EQ(back.received.find("\"weight\":7}"),
            back.received.find("\"weight\":7}", open))
    << "after the stream opened";
  // The replayed event carries the id it had on the other stream.
  EXPECT_EQ(id_of(back.received, "\"weight\":7}"),
            id_of(other.received, "\"weight\":7}"));

  // An id that is not this gateway's: `reset`, and the stream goes on.
  event_reader foreign{d.http(), d.admin_key(), "Last-Event-ID: 0000-1\r\n"};
  ASSERT_TRUE(foreign.wait_for("event: reset\ndata: {\"reason\":\"", 10s))
    << foreign.received;
  auto reset_id = id_of(foreign.received, "event: reset");
  EXPECT_EQ(reset_id.substr(0, 9), seen.substr(0, 9))
    << "the reset's id is one of this gateway's: " << reset_id;
  auto mark = foreign.received.size();
  http_call(d.http(), "PUT", "/v1/admin/nodes/" + node_id, R"({"weight":8})");
  EXPECT_TRUE(foreign.wait_for("\"weight\":8}", 10s, mark)) << foreign.received;
}

TEST(AdminEvents, HeadAnswersTheHeadWithoutABody) {
  tetherd_process d;
  d.start();
  event_reader head{d.http(), d.admin_key(), {}, "HEAD"};
  EXPECT_FALSE(head.wait_for("never sent", 10s));
  EXPECT_TRUE(head.closed_by_server) << head.received;
  EXPECT_EQ(head.received.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head.received;
  EXPECT_NE(head.received.find("Content-Type: text/event-stream\r\n"),
            std::string::npos);
  auto end = head.received.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos) << head.received;
  EXPECT_EQ(end + 4, head.received.size()) << "a body followed the head";
  event_reader refused{d.http(), "", {}, "HEAD"};
  EXPECT_TRUE(refused.wait_for("\r\n\r\n", 10s));
  EXPECT_EQ(refused.received.rfind("HTTP/1.1 401 ", 0), 0u) << refused.received;
  // The gateway keeps serving streams.
  event_reader events{d.http(), d.admin_key()};
  EXPECT_TRUE(events.wait_for(": stream open\n\n", 10s)) << events.received;
}
