// Services, connection ids and quality classes end to end (issue 14, items
// 8 and 9), all in one tetherd with the simulator:
//   - a device declares print and scan: GET /v1/terminals/{id} and its
//     hello carry one connection id per service, a reconnect gets new ones;
//     a scan job reaches it, a scan job for a print-only device is 409;
//   - C2 as a quality class (1 s keepalive, at most 2 sessions per node):
//     its destinations and hello say keepalive_s 1, pings come every
//     second, and of 6 devices 4 are served, the others closed 1013 naming
//     max_sessions_per_node with a retry hint.
#include <csignal>
#include <regex>

#include "tests/e2e/simulator.hpp"
#include "tests/support/topology_builder.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

boost::json::value terminal_view(const tetherd_process& d,
                                 const std::string& id) {
  return json_of(http_call(d.http(), "GET", "/v1/terminals/" + id).body);
}

/// The connection ids a connected terminal shows (empty until connected).
boost::json::object ids_of(const tetherd_process& d, const std::string& id) {
  auto t = terminal_view(d, id);
  if (!t.is_object() || !t.as_object().contains("connected")
      || !t.at("connected").as_bool())
    return {}; // not registered yet (404), or not connected
  auto& sc = t.at("service_connections");
  return sc.is_object() ? sc.as_object() : boost::json::object{};
}

std::unique_ptr<child_process> device(const tetherd_process& d,
                                      const std::string& id,
                                      std::vector<std::string> extra,
                                      const std::string& log) {
  std::vector<std::string> args{"--id",        id,      "--region",     "GG2",
                                "--log-level", "debug", "--duration-s", "60"};
  args.insert(args.end(), extra.begin(), extra.end());
  return simulator(d, args, d.dir() + "/" + log);
}

TEST(services, connection_ids_per_service_and_pushes_checked) {
  tetherd_process server;
  server.start();
  auto scanner = device(server, "S1", {"--services", "print,scan"}, "s1.log");
  auto printer = device(server, "P1", {}, "p1.log");
  ASSERT_TRUE(eventually(
    [&] {
      return ids_of(server, "S1").size() == 2
          && ids_of(server, "P1").size() == 1;
    },
    20s))
    << read_file(server.dir() + "/s1.log")
    << read_file(server.dir() + "/p1.log");
  auto s1 = terminal_view(server, "S1");
  EXPECT_EQ(s1.at("services"), boost::json::array({"print", "scan"}));
  EXPECT_EQ(terminal_view(server, "P1").at("services"),
            boost::json::array({"print"})); // the default list
  auto ids = ids_of(server, "S1");
  std::string print_id{ids.at("print").as_string()};
  std::string scan_id{ids.at("scan").as_string()};
  EXPECT_TRUE(std::regex_match(print_id, std::regex{"s[0-9a-f]{32}"}))
    << print_id;
  EXPECT_NE(print_id, scan_id);
  // The device was greeted with the same ids.
  EXPECT_NE(read_file(server.dir() + "/s1.log")
              .find("services print=" + print_id + ", scan=" + scan_id),
            std::string::npos)
    << read_file(server.dir() + "/s1.log");

  // A scan job reaches the scanner (done: it has no print_url); a scan job
  // for the printer is refused naming the service, and nothing is stored.
  auto ok = http_call(server.http(), "POST", "/v1/terminals/S1/jobs",
                      R"({"service":"scan","payload":{}})");
  ASSERT_EQ(ok.status, 202) << ok.body;
  auto job = str_at(json_of(ok.body), "job_id");
  EXPECT_TRUE(eventually(
    [&] {
      return str_at(
               json_of(http_call(server.http(), "GET", "/v1/jobs/" + job).body),
               "status")
          == "done";
    },
    10s));
  auto refused = http_call(server.http(), "POST", "/v1/terminals/P1/jobs",
                           R"({"service":"scan","payload":{}})");
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_NE(error_message_of(refused).find("\"scan\""), std::string::npos)
    << refused.body;
  auto p1_jobs
    = json_of(http_call(server.http(), "GET", "/v1/jobs?terminal_id=P1").body);
  EXPECT_TRUE(p1_jobs.at("jobs").as_array().empty()) << p1_jobs;
  EXPECT_EQ(terminal_view(server, "P1").at("open_jobs").to_number<int>(), 0);

  // A bad list is refused naming `services`.
  auto bad = register_terminal(
    server, R"({"terminal_id":"S2","services":["print","PRINT"]})");
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_NE(error_message_of(bad).find("\"services\""), std::string::npos);

  // A reconnect (a new WebSocket) gets new ids.
  scanner->signal(SIGTERM);
  ASSERT_TRUE(scanner->wait(10s));
  ASSERT_TRUE(eventually(
    [&] { return !terminal_view(server, "S1").at("connected").as_bool(); },
    10s));
  EXPECT_TRUE(terminal_view(server, "S1").at("service_connections").is_null());
  scanner = device(server, "S1", {"--services", "print,scan"}, "s1b.log");
  ASSERT_TRUE(eventually([&] { return ids_of(server, "S1").size() == 2; }, 20s))
    << read_file(server.dir() + "/s1b.log");
  auto again = ids_of(server, "S1");
  EXPECT_NE(std::string{again.at("print").as_string()}, print_id);
  EXPECT_NE(std::string{again.at("scan").as_string()}, scan_id);
}

TEST(services, quality_class_keepalive_and_sessions_per_node) {
  auto text
    = topology_builder{}.section("limits", "flap_limit = 100000").toml();
  auto at = text.find("id = \"C2\"");
  ASSERT_NE(at, std::string::npos) << text;
  text.insert(text.find('\n', at) + 1, "keepalive_s = 1\nkeepalive_misses = 3\n"
                                       "max_sessions_per_node = 2\n");
  tetherd_process server{text};
  server.start();
  auto c2 = cluster_view(server.http(), "C2");
  ASSERT_TRUE(c2.is_object());
  EXPECT_EQ(c2.at("keepalive_s").to_number<int>(), 1);
  EXPECT_EQ(c2.at("keepalive_misses").to_number<int>(), 3);
  EXPECT_EQ(c2.at("max_sessions_per_node").to_number<int>(), 2);
  auto c1 = cluster_view(server.http(), "C1"); // the [timers] values
  EXPECT_EQ(c1.at("keepalive_s").to_number<int>(), 30);
  EXPECT_EQ(c1.at("max_sessions_per_node").to_number<int>(), 0);

  // The destination and the session use the cluster's keepalive: hello
  // says 1 s, and two pings come within 3 s.
  auto reg
    = register_terminal(server, R"({"terminal_id":"K1","region":"GG2"})");
  ASSERT_EQ(reg.status, 200) << reg.body;
  EXPECT_EQ(json_of(reg.body).at("keepalive_s").to_number<int>(), 1);
  int status = 0;
  std::string error;
  auto ws = ws_client::connect(connect_url(reg), status, error);
  ASSERT_TRUE(ws) << error;
  auto hello = next_of_type(*ws, "hello");
  ASSERT_TRUE(hello.is_object());
  EXPECT_EQ(hello.at("keepalive_s").to_number<int>(), 1);
  EXPECT_TRUE(next_of_type(*ws, "ping", 3s).is_object());
  EXPECT_TRUE(next_of_type(*ws, "ping", 3s).is_object());
  auto r1 = register_terminal(server, R"({"terminal_id":"K2","region":"GG1"})");
  EXPECT_EQ(json_of(r1.body).at("keepalive_s").to_number<int>(), 30);
  ws.reset();
  ASSERT_TRUE(eventually(
    [&] { return !terminal_view(server, "K1").at("connected").as_bool(); },
    10s));

  // Two nodes of at most 2 sessions: 4 of 6 devices are served.
  auto fleet = simulator(server,
                         {"--count", "6", "--id-prefix", "Q", "--region", "GG2",
                          "--log-level", "debug", "--backoff-min-ms", "200",
                          "--backoff-max-ms", "500", "--duration-s", "60"},
                         server.dir() + "/q.log");
  auto served = [&] {
    auto c = cluster_view(server.http(), "C2");
    if (!c.is_object() || c.at("connections").to_number<int>() != 4)
      return false;
    for (auto& n : c.at("nodes").as_array())
      if (n.at("sessions").to_number<int>() != 2)
        return false;
    return read_file(server.dir() + "/q.log").find("close code 1013")
        != std::string::npos;
  };
  ASSERT_TRUE(eventually(served, 30s))
    << boost::json::serialize(cluster_view(server.http(), "C2"))
    << read_file(server.dir() + "/q.log");
  auto log = read_file(server.dir() + "/q.log");
  EXPECT_NE(log.find("max_sessions_per_node = 2); retry after"),
            std::string::npos)
    << log;
  // Still 4 after more refusals (a positive event: the log grew).
  auto refusals = [&] {
    auto text = read_file(server.dir() + "/q.log");
    size_t n = 0;
    for (auto p = text.find("close code 1013"); p != std::string::npos;
         p = text.find("close code 1013", p + 1))
      ++n;
    return n;
  };
  auto seen = refusals();
  ASSERT_TRUE(eventually([&] { return refusals() > seen + 2; }, 20s));
  EXPECT_EQ(
    cluster_view(server.http(), "C2").at("connections").to_number<int>(), 4);
}

} // namespace
