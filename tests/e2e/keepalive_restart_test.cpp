// Keepalive (a device that stops answering pings is disconnected and
// counted) and restart (every terminal's cluster assignment, and every job
// the API accepted, survive kill -9 of the process).
#include <csignal>

#include "tests/e2e/e2e.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

TEST(keepalive, silent_device_is_disconnected_and_counted) {
  constexpr auto keepalive = 200ms;
  constexpr int misses = 2;
  tetherd_process server{
    test_topology("keepalive = \"" + std::to_string(keepalive.count())
                  + "ms\"\nkeepalive_misses = " + std::to_string(misses))};
  server.start();
  ASSERT_EQ(
    register_terminal(server, R"({"terminal_id":"K1","region":"GG1"})").status,
    200);
  ASSERT_EQ(
    register_terminal(server, R"({"terminal_id":"K2","region":"GG1"})").status,
    200);
  int status = 0;
  std::string error;
  auto url = server.balancers().at("C1-b1");
  auto silent
    = ws_client::connect(device_url(server, url, "K1"), status, error);
  auto polite
    = ws_client::connect(device_url(server, url, "K2"), status, error);
  ASSERT_TRUE(silent && polite);
  auto first = silent->next();
  ASSERT_TRUE(first.has_value()) << "no hello";
  auto hello = json_of(*first);
  EXPECT_EQ(str_at(hello, "type"), "hello");
  // The silent device receives pings and never answers.
  int pings = 0;
  auto deadline = std::chrono::steady_clock::now() + 3s;
  while (!silent->closed() && std::chrono::steady_clock::now() < deadline) {
    if (auto f = silent->next(100ms);
        f && str_at(json_of(*f), "type") == "ping")
      ++pings;
    next_of_type(*polite, "never", 10ms); // answers the polite one's pings
  }
  ASSERT_TRUE(silent->closed());
  EXPECT_EQ(silent->close_code(), 4000) << silent->close_reason();
  EXPECT_EQ(pings, 2);
  // The polite device keeps its session: nothing to wait for, so it
  // answers pings for twice the time a silent device lasts (misses ×
  // keepalive), then must still be connected.
  next_of_type(*polite, "never", 2 * misses * keepalive);
  EXPECT_FALSE(polite->closed());
  ASSERT_TRUE(eventually(
    [&] {
      auto v
        = json_of(http_call(server.http(), "GET", "/v1/terminals/K1").body);
      return !v.at("connected").as_bool()
          && v.at("keepalive_failures").to_number<int>() == 1;
    },
    5s));
  auto k2 = json_of(http_call(server.http(), "GET", "/v1/terminals/K2").body);
  EXPECT_TRUE(k2.at("connected").as_bool());
  EXPECT_EQ(k2.at("keepalive_failures").to_number<int>(), 0);
}

TEST(restart, connection_history_survives_kill_9) {
  tetherd_process server;
  server.start();
  // Two connects and two disconnects.
  for (int i = 0; i < 2; ++i) {
    auto ws = connect_device(server, "H1", "GG1");
    ASSERT_TRUE(ws);
    ASSERT_FALSE(next_of_type(*ws, "hello").is_null());
    ws->close();
    ASSERT_TRUE(eventually(
      [&] {
        auto t
          = json_of(http_call(server.http(), "GET", "/v1/terminals/H1").body);
        return t.is_object() && !t.at("connected").as_bool()
            && t.at("disconnects").to_number<int>() == i + 1;
      },
      10s));
  }
  // The control stores the history on its tick (1 s), after the closes.
  // A tick after them shows: a job with a TTL of 1 s, pushed now, expires
  // only on a tick (and that tick, or an earlier one, sent the history to
  // the store). A push after that is answered 202 only once its job is
  // stored, and the store takes the control's writes in the order sent:
  // then the history is on disk too, and the process dies without a
  // chance to flush.
  auto ttl = http_call(server.http(), "POST", "/v1/terminals/H1/jobs",
                       R"({"service":"print","payload":{},"ttl_s":1})");
  ASSERT_EQ(ttl.status, 202) << ttl.body;
  auto ttl_job = "/v1/jobs/" + str_at(json_of(ttl.body), "job_id");
  ASSERT_TRUE(eventually(
    [&] {
      auto j = json_of(http_call(server.http(), "GET", ttl_job).body);
      return j.is_object() && str_at(j, "status") == "expired";
    },
    10s));
  ASSERT_EQ(http_call(server.http(), "POST", "/v1/terminals/H1/jobs",
                      R"({"service":"print","payload":{}})")
              .status,
            202);
  server.kill9();
  server.start();
  auto t = json_of(http_call(server.http(), "GET", "/v1/terminals/H1").body);
  ASSERT_TRUE(t.is_object()) << t;
  EXPECT_EQ(t.at("connects").to_number<int>(), 2) << t;
  EXPECT_EQ(t.at("disconnects").to_number<int>(), 2) << t;
  EXPECT_FALSE(t.at("connected").as_bool());
  EXPECT_FALSE(t.at("last_seen").is_null()) << t;
}

TEST(restart, assignments_and_accepted_jobs_survive_kill_9) {
  tetherd_process server;
  server.start();
  std::map<std::string, std::string> assigned;
  const char* regions[] = {"GG1", "GG2", ""};
  for (int i = 0; i < 30; ++i) {
    auto id = "R" + std::to_string(i);
    std::string region = regions[i % 3];
    auto body = R"({"terminal_id":")" + id + R"(")"
              + (region.empty() ? "" : R"(,"region":")" + region + "\"") + "}";
    auto r = register_terminal(server, body);
    ASSERT_EQ(r.status, 200) << r.body;
    assigned[id] = str_at(json_of(r.body), "cluster_id");
  }
  std::vector<std::string> jobs;
  for (int i = 0; i < 10; ++i) {
    auto r = http_call(
      server.http(), "POST", "/v1/terminals/R" + std::to_string(i) + "/jobs",
      R"({"service":"print","payload":{"n":)" + std::to_string(i) + "}}");
    ASSERT_EQ(r.status, 202);
    jobs.push_back(str_at(json_of(r.body), "job_id"));
  }
  server.kill9();
  server.start();
  for (auto& [id, cluster] : assigned) {
    auto r = destination_of(server, id);
    ASSERT_EQ(r.status, 200) << id << " " << r.body;
    EXPECT_EQ(str_at(json_of(r.body), "cluster_id"), cluster) << id;
    // The URLs are the restarted balancers' (ports changed).
    auto url
      = std::string{json_of(r.body).at("cluster_urls").at(0).as_string()};
    EXPECT_EQ(url, server.balancers().at(cluster + "-b1"));
  }
  for (size_t i = 0; i < jobs.size(); ++i) {
    auto r = http_call(server.http(), "GET", "/v1/jobs/" + jobs[i]);
    ASSERT_EQ(r.status, 200) << jobs[i];
    EXPECT_EQ(str_at(json_of(r.body), "status"), "queued");
    EXPECT_EQ(json_of(r.body).at("payload").at("n").to_number<size_t>(), i);
  }
  // New jobs continue the id sequence instead of reusing ids.
  auto r = http_call(server.http(), "POST", "/v1/terminals/R0/jobs",
                     R"({"service":"print"})");
  ASSERT_EQ(r.status, 202);
  EXPECT_GT(str_at(json_of(r.body), "job_id"), jobs.back());
  // A queued job reaches its device after the restart.
  int status = 0;
  std::string error;
  auto ws = ws_client::connect(connect_url(destination_of(server, "R0")),
                               status, error);
  ASSERT_TRUE(ws) << error;
  auto job = next_of_type(*ws, "job");
  EXPECT_EQ(str_at(job, "job_id"), jobs[0]);
}

} // namespace

namespace {

/// The newest record of `id`'s history (null if none).
boost::json::value newest_record(const tetherd_process& d,
                                 const std::string& id) {
  auto r = http_call(d.http(), "GET", "/v1/terminals/" + id + "/history");
  EXPECT_EQ(r.status, 200) << r.body;
  auto page = json_of(r.body);
  if (!page.is_object() || page.at("records").as_array().empty())
    return {};
  return page.at("records").as_array().front();
}

// Tester item 10 (session 26): a clean stop recorded no disconnect, as
// every actor was told to exit at once. Now the devices are told 1001 and
// each disconnect is in the history after the restart.
TEST(shutdown, sigterm_with_connected_devices_exits_cleanly_and_restarts) {
  tetherd_process server;
  server.start();
  std::vector<std::unique_ptr<ws_client>> devices;
  for (int i = 0; i < 50; ++i) {
    auto ws = connect_device(server, "S" + std::to_string(i), "GG1");
    ASSERT_TRUE(ws);
    devices.push_back(std::move(ws));
  }
  for (auto& ws : devices)
    ASSERT_TRUE(next_of_type(*ws, "hello").is_object());
  server.process().signal(SIGTERM);
  for (size_t i = 0; i < devices.size(); ++i) {
    ASSERT_TRUE(devices[i]->wait_closed(10s)) << i;
    EXPECT_EQ(devices[i]->close_code(), 1001) << i;
    EXPECT_EQ(devices[i]->close_reason(), "server shutting down") << i;
  }
  auto code = server.process().wait(10s);
  ASSERT_TRUE(code.has_value()) << "tetherd did not stop:\n" << server.log();
  EXPECT_EQ(*code, 0) << server.log();
  // The store was closed properly: the same data directory opens again,
  // and every device's last record is its disconnect, with the reason.
  server.start();
  for (int i = 0; i < 50; ++i) {
    auto id = "S" + std::to_string(i);
    auto last = newest_record(server, id);
    ASSERT_TRUE(last.is_object()) << id;
    EXPECT_EQ(str_at(last, "event"), "disconnect") << id << ": " << last;
    EXPECT_EQ(str_at(last, "reason"), "server shutting down") << id;
  }
}

} // namespace
