// Durable jobs (issue 5): status timestamps, TTL expiry, redelivery of
// unacknowledged jobs, job callbacks with retries, service facts
// (attributes, user links) and the per-terminal API history.
#include "tests/e2e/e2e.hpp"
#include "tests/support/callback_server.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

class jobs : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    server = new tetherd_process(
      test_topology("keepalive = \"200ms\"\nkeepalive_misses = 50\n"
                    "job_redelivery = \"300ms\""));
    server->start();
  }
  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
  }

  static std::string push(const std::string& terminal, const std::string& body,
                          int expect = 202) {
    auto r = http_call(server->http(), "POST",
                       "/v1/terminals/" + terminal + "/jobs", body);
    EXPECT_EQ(r.status, expect) << r.body;
    return str_at(json_of(r.body), "job_id");
  }

  static boost::json::value job(const std::string& id) {
    return json_of(http_call(server->http(), "GET", "/v1/jobs/" + id).body);
  }

  static std::unique_ptr<ws_client> device(const std::string& id) {
    auto ws = connect_device(*server, id, "GG1");
    if (ws) {
      EXPECT_TRUE(next_of_type(*ws, "hello").is_object());
    }
    return ws;
  }

  static tetherd_process* server;
};

tetherd_process* jobs::server = nullptr;

TEST_F(jobs, statuses_carry_timestamps_in_order) {
  auto ws = device("J-ts");
  auto id = push("J-ts", R"({"service":"print"})");
  auto frame = next_of_type(*ws, "job");
  ASSERT_EQ(str_at(frame, "job_id"), id);
  ws->send_text(R"({"type":"ack","job_id":")" + id + R"("})");
  ws->send_text(R"({"type":"result","job_id":")" + id
                + R"(","status":"failed","detail":"paper jam"})");
  ASSERT_TRUE(
    eventually([&] { return str_at(job(id), "status") == "failed"; }, 5s));
  auto j = job(id);
  EXPECT_EQ(str_at(j, "detail"), "paper jam");
  auto created = str_at(j, "created_at");
  auto delivered = str_at(j, "delivered_at");
  auto acked = str_at(j, "acked_at");
  auto finished = str_at(j, "finished_at");
  ASSERT_FALSE(delivered.empty());
  ASSERT_FALSE(acked.empty());
  ASSERT_FALSE(finished.empty());
  // RFC 3339 UTC strings of equal length compare in time order.
  EXPECT_LE(created, delivered);
  EXPECT_LE(delivered, acked);
  EXPECT_LE(acked, finished);
  // At least once: on a loaded machine the ack may come after the short
  // redelivery timer of the test's topology fired once more.
  EXPECT_GE(j.at("deliveries").to_number<int>(), 1);
}

TEST_F(jobs, unacknowledged_job_is_sent_again) {
  auto ws = device("J-redeliver");
  auto id = push("J-redeliver", R"({"service":"print"})");
  ASSERT_EQ(str_at(next_of_type(*ws, "job"), "job_id"), id);
  // No ack: it comes again after the redelivery timeout.
  auto again = next_of_type(*ws, "job", 3s);
  ASSERT_TRUE(again.is_object());
  EXPECT_EQ(str_at(again, "job_id"), id);
  ws->send_text(R"({"type":"ack","job_id":")" + id + R"("})");
  ASSERT_TRUE(
    eventually([&] { return str_at(job(id), "status") == "acked"; }, 5s));
  EXPECT_GE(job(id).at("deliveries").to_number<int>(), 2);
  // Once acknowledged it is not sent again.
  auto more = next_of_type(*ws, "job", 1s);
  EXPECT_FALSE(more.is_object());
}

TEST_F(jobs, job_past_its_ttl_expires_and_is_never_sent) {
  ASSERT_EQ(
    register_terminal(*server, R"({"terminal_id":"J-ttl","region":"GG1"})")
      .status,
    200);
  auto id = push("J-ttl", R"({"service":"print","ttl_s":1})");
  auto keep = push("J-ttl", R"({"service":"print","ttl_s":3600})");
  ASSERT_TRUE(
    eventually([&] { return str_at(job(id), "status") == "expired"; }, 5s));
  EXPECT_FALSE(str_at(job(id), "finished_at").empty());
  int status = 0;
  std::string error;
  auto ws = ws_client::connect(
    device_url(*server, server->balancers().at("C1-b1"), "J-ttl"), status,
    error);
  ASSERT_TRUE(ws) << error;
  auto frame = next_of_type(*ws, "job");
  EXPECT_EQ(str_at(frame, "job_id"), keep);
  ws->send_text(R"({"type":"ack","job_id":")" + keep + R"("})");
  EXPECT_FALSE(next_of_type(*ws, "job", 800ms).is_object());
}

TEST_F(jobs, callback_is_retried_until_accepted) {
  callback_server receiver{{500, 503}}; // two failures, then 200
  auto ws = device("J-cb");
  auto id = push("J-cb", R"({"service":"print","callback_url":")"
                           + receiver.url() + R"("})");
  ASSERT_EQ(str_at(next_of_type(*ws, "job"), "job_id"), id);
  ws->send_text(R"({"type":"result","job_id":")" + id
                + R"(","status":"done","detail":"ok"})");
  // Backoff 1 s then 2 s: the third attempt comes after about 3 s.
  ASSERT_TRUE(eventually([&] { return receiver.bodies().size() >= 3; }, 10s));
  auto bodies = receiver.bodies();
  for (auto& b : bodies) {
    auto v = json_of(b);
    EXPECT_EQ(str_at(v, "job_id"), id);
    EXPECT_EQ(str_at(v, "status"), "done");
  }
  // The job says the notifier is done with it: accepted at the third POST,
  // so there is no attempt left to come.
  ASSERT_TRUE(eventually(
    [&] {
      auto cb = job(id).at("callback");
      return str_at(cb, "status") == "accepted";
    },
    5s))
    << job(id);
  EXPECT_EQ(job(id).at("callback").at("attempts").to_number<int>(), 3);
  EXPECT_EQ(receiver.bodies().size(), 3u);
}

TEST_F(jobs, expired_job_posts_its_callback) {
  callback_server receiver;
  ASSERT_EQ(
    register_terminal(*server, R"({"terminal_id":"J-cb-ttl","region":"GG1"})")
      .status,
    200);
  // Never connected: the job expires after 1 s and its callback says so.
  auto id = push("J-cb-ttl", R"({"service":"print","ttl_s":1,"callback_url":")"
                               + receiver.url() + R"("})");
  EXPECT_EQ(str_at(job(id).at("callback"), "status"), "waiting");
  ASSERT_TRUE(eventually([&] { return receiver.bodies().size() == 1; }, 6s));
  auto body = json_of(receiver.bodies()[0]);
  EXPECT_EQ(str_at(body, "job_id"), id);
  EXPECT_EQ(str_at(body, "status"), "expired");
  ASSERT_TRUE(eventually(
    [&] { return str_at(job(id).at("callback"), "status") == "accepted"; }, 5s))
    << job(id);
  EXPECT_EQ(job(id).at("callback").at("attempts").to_number<int>(), 1);
}

TEST_F(jobs, failing_callback_does_not_hold_up_other_jobs) {
  auto ws = device("J-cb2");
  // Nothing listens on port 1: this callback fails every time.
  auto stuck = push(
    "J-cb2", R"({"service":"print","callback_url":"http://127.0.0.1:1/x"})");
  callback_server receiver;
  auto fine = push("J-cb2", R"({"service":"print","callback_url":")"
                              + receiver.url() + R"("})");
  for (int i = 0; i < 2; ++i) {
    auto frame = next_of_type(*ws, "job");
    ws->send_text(R"({"type":"result","job_id":")" + str_at(frame, "job_id")
                  + R"(","status":"done"})");
  }
  ASSERT_TRUE(eventually([&] { return receiver.bodies().size() == 1; }, 5s));
  EXPECT_EQ(str_at(json_of(receiver.bodies()[0]), "job_id"), fine);
  EXPECT_EQ(str_at(job(stuck), "status"), "done");
}

TEST_F(jobs, attributes_and_user_links_are_stored) {
  ASSERT_EQ(register_terminal(*server,
                              R"({"terminal_id":"J-facts","region":"GG1",
                                  "attributes":{"a":"1"}})")
              .status,
            200);
  auto r = http_call(server->http(), "PUT", "/v1/terminals/J-facts/attributes",
                     R"({"service":"print","plan":"paid"})");
  ASSERT_EQ(r.status, 200) << r.body;
  // The answer is the terminal as GET shows it, label included.
  EXPECT_EQ(str_at(json_of(r.body).at("label"), "region"), "GG1") << r.body;
  EXPECT_EQ(str_at(json_of(r.body).at("attributes"), "plan"), "paid");
  r = http_call(server->http(), "PUT", "/v1/users/alice/terminals/J-facts");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(str_at(json_of(r.body).at("label"), "region"), "GG1") << r.body;
  auto t
    = json_of(http_call(server->http(), "GET", "/v1/terminals/J-facts").body);
  EXPECT_EQ(str_at(t.at("attributes"), "a"), "1");
  EXPECT_EQ(str_at(t.at("attributes"), "service"), "print");
  EXPECT_EQ(str_at(t.at("attributes"), "plan"), "paid");
  ASSERT_EQ(t.at("users").as_array().size(), 1u);
  EXPECT_EQ(t.at("users").at(0).as_string(), "alice");
  // Registering again keeps what services set.
  ASSERT_EQ(
    register_terminal(*server, R"({"terminal_id":"J-facts","region":"GG1"})")
      .status,
    200);
  t = json_of(http_call(server->http(), "GET", "/v1/terminals/J-facts").body);
  EXPECT_EQ(str_at(t.at("attributes"), "plan"), "paid");
  EXPECT_EQ(t.at("users").as_array().size(), 1u);
  // Bad input.
  EXPECT_EQ(http_call(server->http(), "PUT", "/v1/terminals/J-facts/attributes",
                      R"({"n":5})")
              .status,
            400);
  EXPECT_EQ(
    http_call(server->http(), "PUT", "/v1/terminals/J-facts/attributes", "nope")
      .status,
    400);
  EXPECT_EQ(http_call(server->http(), "PUT", "/v1/terminals/NOPE/attributes",
                      R"({"a":"b"})")
              .status,
            404);
  EXPECT_EQ(
    http_call(server->http(), "PUT", "/v1/users/bad%20user/terminals/J-facts")
      .status,
    400);
  EXPECT_EQ(
    http_call(server->http(), "PUT", "/v1/users/bob/terminals/NOPE").status,
    404);
}

TEST_F(jobs, api_calls_and_errors_are_counted_per_terminal) {
  ASSERT_EQ(
    register_terminal(*server, R"({"terminal_id":"J-api","region":"GG1"})")
      .status,
    200);
  push("J-api", R"({"service":"print"})");
  push("J-api", R"({"service":"print"})");
  push("J-api", R"({"payload":{}})", 400); // no service: an error
  // The two stored pushes are counted (GC: calls that reach the node); the
  // refused one and reading the terminal are not (found by a new user:
  // refused pushes raised api_call_frequency).
  boost::json::value t;
  ASSERT_TRUE(eventually(
    [&] {
      t = json_of(http_call(server->http(), "GET", "/v1/terminals/J-api").body);
      return t.at("api").at("calls").to_number<int>() >= 2;
    },
    5s));
  EXPECT_EQ(destination_of(*server, "J-api").status, 200);
  t = json_of(http_call(server->http(), "GET", "/v1/terminals/J-api").body);
  EXPECT_EQ(t.at("api").at("calls").to_number<int>(), 2) << t;
  // errors count failed communications with the terminal (GD), not
  // refused calls.
  EXPECT_EQ(t.at("api").at("errors").to_number<int>(), 0);
  EXPECT_EQ(t.at("open_jobs").to_number<int>(), 2);
}

TEST(jobs_limits, queue_limit_answers_429_with_retry_after) {
  tetherd_process server{
    topology_builder{}.section("limits", "max_queue = 3").toml()};
  server.start();
  ASSERT_EQ(register_terminal(server, R"({"terminal_id":"Q1"})").status, 200);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(http_call(server.http(), "POST", "/v1/terminals/Q1/jobs",
                        R"({"service":"print"})")
                .status,
              202);
  auto r = http_call(server.http(), "POST", "/v1/terminals/Q1/jobs",
                     R"({"service":"print"})");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(error_code_of(r), "too_many_requests");
  EXPECT_FALSE(r.headers["Retry-After"].empty());
  EXPECT_NE(error_message_of(r).find("3"), std::string::npos);
}

} // namespace

namespace {

int c1_connections(const tetherd_process& server) {
  auto v = json_of(http_call(server.http(), "GET", "/v1/admin/clusters").body);
  for (auto& c : v.at("clusters").as_array())
    if (str_at(c, "cluster_id") == "C1")
      return c.at("connections").to_number<int>();
  return -1;
}

TEST_F(jobs, long_backlog_reaches_a_device_that_acks) {
  // More queued jobs than the socket's send queue holds (256): the session
  // sends a window at a time, so the device gets them all, in order.
  ASSERT_EQ(
    register_terminal(*server, R"({"terminal_id":"J-many","region":"GG1"})")
      .status,
    200);
  std::vector<std::string> ids;
  for (int i = 0; i < 300; ++i)
    ids.push_back(push("J-many", R"({"service":"print"})"));
  int status = 0;
  std::string error;
  auto ws = ws_client::connect(
    device_url(*server, server->balancers().at("C1-b1"), "J-many"), status,
    error);
  ASSERT_TRUE(ws) << error;
  std::vector<std::string> got;
  while (got.size() < ids.size()) {
    auto frame = next_of_type(*ws, "job", 5s);
    if (!frame.is_object())
      break;
    auto id = str_at(frame, "job_id");
    if (got.empty() || got.back() < id)
      got.push_back(id);
    ws->send_text(R"({"type":"result","job_id":")" + id
                  + R"(","status":"done"})");
  }
  EXPECT_EQ(got, ids);
  EXPECT_FALSE(ws->closed()) << ws->close_code() << " " << ws->close_reason();
  EXPECT_TRUE(server->process().running());
}

TEST_F(jobs, a_peer_that_stops_reading_is_released) {
  auto before = c1_connections(*server);
  auto ws = device("J-deaf");
  ASSERT_TRUE(
    eventually([&] { return c1_connections(*server) == before + 1; }, 5s));
  // From now on the client reads nothing: no pongs, no close handshake.
  // The session ends after the missed pongs; the socket is shut when the
  // close handshake does not finish in time (10 s).
  ASSERT_TRUE(
    eventually([&] { return c1_connections(*server) == before; }, 30s));
  auto t
    = json_of(http_call(server->http(), "GET", "/v1/terminals/J-deaf").body);
  EXPECT_FALSE(t.at("connected").as_bool());
}

} // namespace

namespace {

TEST(job_retention, finished_jobs_are_deleted_after_the_retention) {
  tetherd_process server{test_topology("job_retention = \"1s\"")};
  server.start();
  ASSERT_EQ(
    register_terminal(server, R"({"terminal_id":"R-1","region":"GG1"})").status,
    200);
  auto push = [&](const std::string& body) {
    auto r = http_call(server.http(), "POST", "/v1/terminals/R-1/jobs", body);
    EXPECT_EQ(r.status, 202) << r.body;
    return str_at(json_of(r.body), "job_id");
  };
  auto get = [&](const std::string& id) {
    return http_call(server.http(), "GET", "/v1/jobs/" + id);
  };
  auto gone = push(R"({"service":"print","ttl_s":1})"); // expires, offline
  auto open = push(R"({"service":"print","ttl_s":3600})");
  ASSERT_TRUE(eventually(
    [&] { return str_at(json_of(get(gone).body), "status") == "expired"; },
    5s));
  // Finished more than 1 s ago: forgotten by the control and deleted from
  // the store (the store looks every second with this retention).
  ASSERT_TRUE(eventually([&] { return get(gone).status == 404; }, 10s))
    << get(gone).body;
  EXPECT_EQ(error_code_of(get(gone)), "not_found");
  EXPECT_EQ(get(open).status, 200); // open jobs are never deleted
  // After a restart the deleted job stays deleted; the open one is there.
  server.terminate();
  server.start();
  EXPECT_EQ(get(gone).status, 404);
  auto j = json_of(get(open).body);
  EXPECT_EQ(str_at(j, "status"), "queued") << j;
}

} // namespace
