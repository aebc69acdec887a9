// The device simulator (examples/tether-terminal) against a real tetherd: a
// fleet registers, connects, and executes jobs whose print_url it fetches.
#include <csignal>

#include "tests/e2e/simulator.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

TEST(simulator, fleet_executes_jobs_end_to_end) {
  tetherd_process server;
  server.start();
  constexpr int fleet = 40;
  auto stats = server.dir() + "/stats.json";
  auto sim = simulator(server,
                       {"--count", std::to_string(fleet), "--id-prefix", "sim-",
                        "--region", "GG2", "--source-addrs",
                        "127.0.0.2,127.0.0.3", "--duration-s", "60",
                        "--stats-json", stats, "--stats-interval-s", "0"},
                       server.dir() + "/sim.log");
  // Every device connects (to C2, the only cluster for GG2).
  ASSERT_TRUE(eventually(
    [&] {
      auto v
        = json_of(http_call(server.http(), "GET", "/v1/admin/clusters").body);
      if (!v.is_object())
        return false;
      for (auto& c : v.at("clusters").as_array())
        if (str_at(c, "cluster_id") == "C2")
          return c.at("connections").to_number<int>() == fleet;
      return false;
    },
    20s))
    << read_file(server.dir() + "/sim.log");
  // One job per device; the print data is any HTTP resource (here the
  // gateway's own /healthz). One more job points at a closed port.
  std::vector<std::string> ok_jobs;
  for (int i = 0; i < fleet; ++i) {
    auto r = http_call(server.http(), "POST",
                       "/v1/terminals/sim-" + std::to_string(i) + "/jobs",
                       R"({"service":"print","payload":{"print_url":"http://)"
                         + server.http() + R"(/healthz"}})");
    ASSERT_EQ(r.status, 202) << r.body;
    ok_jobs.push_back(str_at(json_of(r.body), "job_id"));
  }
  auto bad = http_call(
    server.http(), "POST", "/v1/terminals/sim-0/jobs",
    R"({"service":"print","payload":{"print_url":"http://127.0.0.1:1/none"}})");
  auto bad_id = str_at(json_of(bad.body), "job_id");
  auto status_of = [&](const std::string& id) {
    return str_at(
      json_of(http_call(server.http(), "GET", "/v1/jobs/" + id).body),
      "status");
  };
  ASSERT_TRUE(eventually(
    [&] {
      for (auto& id : ok_jobs)
        if (status_of(id) != "done")
          return false;
      return true;
    },
    20s));
  ASSERT_TRUE(eventually([&] { return status_of(bad_id) == "failed"; }, 20s));
  auto detail = str_at(
    json_of(http_call(server.http(), "GET", "/v1/jobs/" + bad_id).body),
    "detail");
  EXPECT_FALSE(detail.empty());
  sim->signal(SIGTERM);
  ASSERT_EQ(sim->wait(10s), std::optional<int>{0});
  auto counters = json_of(read_file(stats));
  ASSERT_TRUE(counters.is_object()) << read_file(stats);
  EXPECT_EQ(counters.at("registered").to_number<int>(), fleet);
  EXPECT_EQ(counters.at("done").to_number<int>(), fleet);
  EXPECT_EQ(counters.at("failed").to_number<int>(), 1);
}

} // namespace
