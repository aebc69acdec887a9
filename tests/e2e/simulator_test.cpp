// The device simulator (examples/tether-terminal) against a real tetherd: a
// fleet registers, connects, and executes jobs whose print_url it fetches.
#include <csignal>
#include <fstream>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/e2e/simulator.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

/// An enrollment key file in `dir` with a key no server knows.
std::string write_key(const std::string& dir) {
  auto path = dir + "/other-key";
  std::ofstream{path} << std::string(64, 'a') << "\n";
  return path;
}

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
  // What it says counts connected devices, not started ones (found by a
  // new user: "all 100 devices started" while none was connected).
  auto log = read_file(server.dir() + "/sim.log");
  EXPECT_NE(log.find("all 40 devices connected after"), std::string::npos)
    << log;
  EXPECT_NE(log.find("40 of 40 devices connected (peak 40)"), std::string::npos)
    << log;
  EXPECT_NE(log.find("summary: 40 devices, at most 40 connected at once"),
            std::string::npos)
    << log;
}

// Found by a new user: while the server was down, the first SIGTERM did not
// stop the simulator (only a second one did). Here the "server" is frozen:
// it takes the TCP connection (the kernel's backlog) and never answers, so
// the registration hangs in its HTTP exchange (10 s timeout); one signal
// must still end the process within its 3 s grace.
TEST(simulator, stops_on_the_first_signal_while_the_server_is_down) {
  temp_dir dir;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 16), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  auto sim = child_process::spawn(
    {TETHER_TERMINAL_PATH, "--server",
     "http://127.0.0.1:" + std::to_string(ntohs(a.sin_port)), "--id", "down-1"},
    dir.path() + "/sim.log");
  ASSERT_TRUE(eventually(
    [&] {
      return read_file(dir.path() + "/sim.log").find("registering at")
          != std::string::npos;
    },
    10s))
    << read_file(dir.path() + "/sim.log");
  sim->signal(SIGTERM);
  auto code = sim->wait(6s);
  ::close(fd);
  EXPECT_TRUE(code.has_value()) << read_file(dir.path() + "/sim.log");
  // The server's process is gone (nothing listens): the registration fails
  // at once and the device waits to retry; nothing to drain, and one
  // signal ends it at once (it waited for a second one).
  auto down = child_process::spawn(
    {TETHER_TERMINAL_PATH, "--server",
     "http://127.0.0.1:" + std::to_string(free_port()), "--id", "down-2",
     "--backoff-min-ms", "50", "--backoff-max-ms", "200"},
    dir.path() + "/down.log");
  ASSERT_TRUE(eventually(
    [&] {
      return read_file(dir.path() + "/down.log").find("register failed")
          != std::string::npos;
    },
    10s))
    << read_file(dir.path() + "/down.log");
  down->signal(SIGTERM);
  EXPECT_TRUE(down->wait(2s).has_value())
    << read_file(dir.path() + "/down.log");
}

// A refused registration logged "HTTP 401" without the server's reason.
TEST(simulator, a_refused_registration_logs_the_servers_reason) {
  tetherd_process server;
  server.start();
  temp_dir other; // a key the server does not know
  auto sim = child_process::spawn(
    {TETHER_TERMINAL_PATH, "--server", "http://" + server.http(), "--id",
     "refused-1", "--enrollment-key-file", write_key(other.path()),
     "--backoff-min-ms", "50", "--backoff-max-ms", "200"},
    server.dir() + "/refused.log");
  ASSERT_TRUE(eventually(
    [&] {
      return read_file(server.dir() + "/refused.log")
               .find("register failed: HTTP 401: ")
          != std::string::npos;
    },
    10s))
    << read_file(server.dir() + "/refused.log");
  sim->signal(SIGTERM);
  EXPECT_TRUE(sim->wait(5s).has_value());
}

} // namespace
