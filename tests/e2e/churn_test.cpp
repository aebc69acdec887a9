// Churn: devices connect and leave again and again; every per-connection
// object must be released. The live gauges of /metrics count WebSocket
// connection objects and session actors from their construction and
// destruction, so whatever keeps a finished one alive shows as a count that
// does not return to zero.
#include <csignal>
#include <regex>

#include "tests/e2e/e2e.hpp"
#include "tests/support/metrics_text.hpp"
#include "tests/support/multiprocess.hpp"

#ifndef TETHER_TERMINAL_PATH
#error "TETHER_TERMINAL_PATH must name the simulator binary"
#endif

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

struct live_counts {
  int64_t connections = -1; // tether_cluster_connections
  int64_t ws = -1;          // tether_ws_connections_live
  int64_t sessions = -1;    // tether_session_actors_live
};

live_counts live(const std::string& http) {
  auto m = http_call(http, "GET", "/metrics", {}, 2s).body;
  return {gauge_sum(m, "tether_cluster_connections"),
          gauge_sum(m, "tether_ws_connections_live"),
          gauge_sum(m, "tether_session_actors_live")};
}

std::string describe(const live_counts& c) {
  return "connections=" + std::to_string(c.connections)
       + " ws_connections_live=" + std::to_string(c.ws)
       + " session_actors_live=" + std::to_string(c.sessions);
}

/// A simulated fleet of `count` devices in region GG1 (cluster C1), signing
/// with the enrollment key of the data directory `data`.
std::unique_ptr<child_process> start_fleet(const std::string& http,
                                           const std::string& dir, int count,
                                           const std::string& prefix,
                                           const std::string& data) {
  return child_process::spawn({TETHER_TERMINAL_PATH,
                               "--server",
                               "http://" + http,
                               "--data",
                               data,
                               "--count",
                               std::to_string(count),
                               "--id-prefix",
                               prefix,
                               "--region",
                               "GG1",
                               "--model",
                               "GJ1",
                               "--ramp-per-s",
                               "0",
                               "--backoff-min-ms",
                               "100",
                               "--backoff-max-ms",
                               "1000",
                               "--duration-s",
                               "120"},
                              dir + "/" + prefix + ".log");
}

/// Connects `id` twice: the second connection replaces the first (4001).
void replace_once(const tetherd_process& d, const std::string& id) {
  auto reg = register_terminal(d, R"({"terminal_id":")" + id
                                    + R"(","region":"GG1","model":"GJ1"})");
  ASSERT_EQ(reg.status, 200) << reg.body;
  int status = 0;
  std::string error;
  auto first = ws_client::connect(connect_url(reg), status, error);
  ASSERT_TRUE(first) << error;
  ASSERT_FALSE(next_of_type(*first, "hello").is_null());
  auto second = ws_client::connect(connect_url(reg), status, error);
  ASSERT_TRUE(second) << error;
  ASSERT_FALSE(next_of_type(*second, "hello").is_null());
  ASSERT_TRUE(first->wait_closed(5s));
  EXPECT_EQ(first->close_code(), 4001);
  second->close();
}

TEST(churn, all_in_one_releases_every_connection_and_session) {
  // A short keepalive: a finished session's last timer holds it at most
  // this long.
  tetherd_process server{test_topology("keepalive = \"1s\"")};
  server.start();
  constexpr int fleet = 150;
  constexpr int cycles = 6;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    auto sim = start_fleet(server.http(), server.dir(), fleet, "churn-",
                           server.dir() + "/data");
    ASSERT_TRUE(
      eventually([&] { return live(server.http()).connections == fleet; }, 30s))
      << "cycle " << cycle << ": " << describe(live(server.http())) << "\n"
      << read_file(server.dir() + "/churn-.log");
    // While they are connected the gauges count them (nodes report every
    // second).
    EXPECT_TRUE(eventually(
      [&] {
        auto c = live(server.http());
        return c.ws >= fleet && c.sessions >= fleet;
      },
      10s))
      << describe(live(server.http()));
    replace_once(server, "replaced-" + std::to_string(cycle));
    sim->signal(SIGINT);
    ASSERT_TRUE(sim->wait(20s).has_value());
    ASSERT_TRUE(eventually(
      [&] {
        auto c = live(server.http());
        return c.connections == 0 && c.ws == 0 && c.sessions == 0;
      },
      15s))
      << "cycle " << cycle << ": " << describe(live(server.http()));
  }
}

/// The shipped multi-process topology with a short keepalive.
std::string multiprocess_file() {
  return std::regex_replace(shipped_multiprocess_topology(),
                            std::regex{R"(keepalive = "30s")"},
                            "keepalive = \"2s\"");
}

TEST(churn, across_processes_sessions_moved_by_a_node_kill_are_released) {
  multiprocess_deployment d{multiprocess_file()};
  d.start();
  constexpr int fleet = 100;
  for (int cycle = 0; cycle < 2; ++cycle) {
    auto sim = start_fleet(d.http(), d.dir(), fleet, "mp-churn-",
                           d.dir() + "/data-control");
    ASSERT_TRUE(
      eventually([&] { return live(d.http()).connections == fleet; }, 30s))
      << describe(live(d.http())) << d.logs();
    // Half of them (or so) move off the killed node; none is dropped.
    d.kill9("C1-n1");
    ASSERT_TRUE(eventually(
      [&] {
        auto c = live(d.http());
        return c.connections == fleet && c.sessions == fleet;
      },
      30s))
      << describe(live(d.http())) << d.logs();
    sim->signal(SIGINT);
    ASSERT_TRUE(sim->wait(20s).has_value());
    ASSERT_TRUE(eventually(
      [&] {
        auto c = live(d.http());
        return c.connections == 0 && c.ws == 0 && c.sessions == 0;
      },
      20s))
      << "cycle " << cycle << ": " << describe(live(d.http())) << d.logs();
    d.start_process("C1-n1");
    ASSERT_TRUE(d.wait_complete(30s)) << d.logs();
  }
}

} // namespace
