// GET /v1/admin/events (issue 13, the live dashboard) against a real
// tetherd: the stream's head, then events as things change (a terminal
// connects, its node's sessions, a job's status, a node drained, the
// terminal disconnects); 401 without a key, 403 without `admin`, 503 +
// Retry-After over [limits] max_event_streams, and a closed stream frees
// its place.

#include <csignal>

#include "tests/e2e/e2e.hpp"
#include "tests/e2e/event_reader.hpp"
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
  // The first round of readings is the baseline (no events): change a
  // node's weight until the change shows, so later changes are reported.
  auto node = cluster_view(d.http(), "C1").at("nodes").as_array().at(0);
  auto node_id = str_at(node, "node_id");
  int weight = 1;
  EXPECT_TRUE(eventually(
    [&] {
      weight = weight == 2 ? 3 : 2;
      auto w = std::to_string(weight);
      auto mark = events.received.size();
      http_call(d.http(), "PUT", "/v1/admin/nodes/" + node_id,
                R"({"weight":)" + w + "}");
      return events.wait_for("\"weight\":" + w + "}", 1500ms, mark);
    },
    20s))
    << events.received;

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
  // Every event has an id, rising.
  EXPECT_NE(events.received.find("id: 1\nevent: "), std::string::npos);
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
