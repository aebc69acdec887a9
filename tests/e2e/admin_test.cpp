// Live reconfiguration and re-allocation against a real tetherd (admin API
// of docs/API.md): cluster labels and a declared cluster changed at run
// time, re-allocation that moves exactly the devices whose cluster changes
// and no faster than the configured rate, the label configuration changed
// at run time, node and cluster drain, changes that survive a restart, and
// bad admin input that answers 400/404 and changes nothing. The simulator
// (examples/tether-terminal) follows `reassign` on its own.
#include <algorithm>
#include <csignal>
#include <map>
#include <set>
#include <thread>

#include "tests/e2e/simulator.hpp"

using namespace tether::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

/// C1 (GG1), C2 (GG2), and C3 declared but not in service, each for every
/// model. Re-allocation sends at most `rate` reassigns per second.
std::string admin_topology(int rate) {
  return topology_builder{}
    .labels("C1", R"({ region = ["GG1"], model = "*" })")
    .add_cluster("C3", R"({ region = ["GG3"], model = "*" })", false)
    .section("reallocation",
             "window = \"0s\"\nmax_rate = " + std::to_string(rate))
    .toml();
}

json::value get_json(const tetherd_process& d, const std::string& target) {
  return json_of(http_call(d.http(), "GET", target).body);
}

/// The cluster object of GET /v1/admin/clusters, or null.
json::value cluster_of(const tetherd_process& d, const std::string& id) {
  auto v = get_json(d, "/v1/admin/clusters");
  if (!v.is_object())
    return nullptr;
  for (auto& c : v.at("clusters").as_array())
    if (str_at(c, "cluster_id") == id)
      return c;
  return nullptr;
}

int connections_of(const tetherd_process& d, const std::string& id) {
  auto c = cluster_of(d, id);
  return c.is_object() ? c.at("connections").to_number<int>() : -1;
}

std::string terminal_cluster(const tetherd_process& d, const std::string& id) {
  return str_at(get_json(d, "/v1/terminals/" + id), "cluster_id");
}

/// One device driven by the test: its socket, and when it was told to move.
struct device {
  std::string id;
  std::unique_ptr<ws_client> ws;
  std::string node;
  bool reassigned = false;
  uint64_t after_ms = 0;
  std::chrono::steady_clock::time_point reconnect_at{}; // arrival + after_ms
};

/// Registers and connects; returns the device with its hello's node.
device connect_device(const tetherd_process& d, const std::string& id,
                      const std::string& region, const std::string& model) {
  device dev;
  dev.id = id;
  auto reg
    = register_terminal(d, R"({"terminal_id":")" + id + R"(","region":")"
                             + region + R"(","model":")" + model + R"("})");
  EXPECT_EQ(reg.status, 200) << reg.body;
  int status = 0;
  std::string error;
  dev.ws = ws_client::connect(connect_url(reg), status, error);
  EXPECT_NE(dev.ws, nullptr) << status << " " << error;
  if (dev.ws) {
    auto hello = next_of_type(*dev.ws, "hello");
    dev.node = str_at(hello, "node_id");
  }
  return dev;
}

/// Follows the reassign like a device: waits its after_ms, fetches the
/// destination, connects there. Returns the new hello (null on failure).
json::value follow(const tetherd_process& d, device& dev) {
  std::this_thread::sleep_until(dev.reconnect_at);
  auto dest = destination_of(d, dev.id);
  if (dest.status != 200)
    return nullptr;
  int status = 0;
  std::string error;
  auto ws = ws_client::connect(connect_url(dest), status, error);
  if (!ws)
    return nullptr;
  auto hello = next_of_type(*ws, "hello");
  dev.ws->close();
  dev.ws = std::move(ws);
  dev.node = str_at(hello, "node_id");
  return hello;
}

/// Collects reassign frames until `expected` devices got one, or `timeout`.
/// Polls every socket often so that arrival times are taken within a few ms.
void collect_reassigns(std::vector<device>& devs, size_t expected,
                       std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto count = [&] {
    return std::count_if(devs.begin(), devs.end(),
                         [](const device& x) { return x.reassigned; });
  };
  while (static_cast<size_t>(count()) < expected
         && std::chrono::steady_clock::now() < deadline) {
    for (auto& dev : devs) {
      auto f = dev.ws->next(1ms);
      if (!f)
        continue;
      auto v = json_of(*f);
      if (str_at(v, "type") != "reassign")
        continue;
      auto now = std::chrono::steady_clock::now();
      dev.reassigned = true;
      dev.after_ms = v.at("after_ms").to_number<uint64_t>();
      dev.reconnect_at = now + std::chrono::milliseconds{dev.after_ms};
    }
  }
}

json::value put(const tetherd_process& d, const std::string& target,
                const std::string& body, int expected = 200) {
  auto r = http_call(d.http(), "PUT", target, body);
  EXPECT_EQ(r.status, expected) << target << " " << body << " -> " << r.body;
  return json_of(r.body);
}

json::value reallocate(const tetherd_process& d, const std::string& body) {
  auto r = http_call(d.http(), "POST", "/v1/admin/reallocate", body);
  EXPECT_EQ(r.status, 202) << body << " -> " << r.body;
  return json_of(r.body);
}

TEST(admin, relabel_and_reallocate_moves_exactly_the_expected_devices_paced) {
  constexpr int rate = 5; // reassigns per second: 200 ms apart at least
  tetherd_process server{admin_topology(rate)};
  server.start();
  // 6 GG1/GJ1 and 6 GG1/GJ2 devices on C1, 6 GG2/GJ3 on C2.
  std::vector<device> devs;
  std::map<std::string, std::string> expected; // id -> cluster after
  for (int i = 0; i < 18; ++i) {
    auto region = i < 12 ? "GG1" : "GG2";
    auto model = i < 6 ? "GJ1" : i < 12 ? "GJ2" : "GJ3";
    auto id = "A" + std::to_string(i);
    devs.push_back(connect_device(server, id, region, model));
    ASSERT_TRUE(devs.back().ws);
    EXPECT_EQ(terminal_cluster(server, id), i < 12 ? "C1" : "C2");
    expected[id] = i < 6 ? "C1" : i < 12 ? "C3" : "C2";
  }
  ASSERT_TRUE(
    eventually([&] { return connections_of(server, "C1") == 12; }, 10s));
  // C3 is not in service yet.
  EXPECT_FALSE(cluster_of(server, "C3").is_object());
  // At run time: C1 keeps only GJ1; C3 is added for GG1/GJ2.
  auto c1 = put(server, "/v1/admin/clusters/C1",
                R"({"labels":{"region":["GG1"],"model":["GJ1"]}})");
  EXPECT_EQ(json::serialize(c1.at("labels")),
            R"({"model":["GJ1"],"region":["GG1"]})");
  // The answer shows the cluster as GET does: live connections and nodes.
  EXPECT_EQ(c1.at("connections").to_number<int>(), 12) << c1;
  EXPECT_EQ(c1.at("nodes").as_array().size(), 2u) << c1;
  auto c3 = put(server, "/v1/admin/clusters/C3",
                R"({"labels":{"region":"GG1","model":["GJ2"]},"weight":2})");
  EXPECT_EQ(str_at(c3, "state"), "active");
  auto listed = cluster_of(server, "C3");
  ASSERT_TRUE(listed.is_object());
  EXPECT_EQ(listed.at("weight").to_number<int>(), 2);
  EXPECT_EQ(listed.at("balancers").as_array().size(), 1u);
  // Nothing moved by itself: re-allocation does it.
  EXPECT_EQ(terminal_cluster(server, "A6"), "C1");
  auto summary = reallocate(server, "{}");
  EXPECT_EQ(summary.at("candidates").to_number<int>(), 18);
  EXPECT_EQ(summary.at("moving").to_number<int>(), 6);
  EXPECT_EQ(summary.at("connected").to_number<int>(), 6);
  collect_reassigns(devs, 6, 15s);
  // Exactly the GJ2 devices were told to move ...
  for (auto& dev : devs)
    EXPECT_EQ(dev.reassigned, expected[dev.id] == "C3") << dev.id;
  // ... and no faster than the rate: 6 reconnect times at least 5 gaps of
  // 200 ms apart in all (less a margin for the test's own polling).
  std::vector<std::chrono::steady_clock::time_point> times;
  for (auto& dev : devs)
    if (dev.reassigned)
      times.push_back(dev.reconnect_at);
  ASSERT_EQ(times.size(), 6u);
  std::sort(times.begin(), times.end());
  auto span = std::chrono::duration_cast<std::chrono::milliseconds>(
    times.back() - times.front());
  EXPECT_GE(span.count(), 5 * 1000 / rate - 60) << "reassigns came too fast";
  // Each moved device follows to C3; the others are where they were.
  for (auto& dev : devs) {
    if (!dev.reassigned)
      continue;
    auto hello = follow(server, dev);
    EXPECT_EQ(str_at(hello, "cluster_id"), "C3") << dev.id;
    EXPECT_EQ(dev.node.rfind("C3-", 0), 0u) << dev.node;
  }
  for (auto& [id, cluster] : expected)
    EXPECT_EQ(terminal_cluster(server, id), cluster) << id;
  ASSERT_TRUE(
    eventually([&] { return connections_of(server, "C3") == 6; }, 10s));
  // Old sockets are closed by the devices: C1 keeps its 6.
  ASSERT_TRUE(
    eventually([&] { return connections_of(server, "C1") == 6; }, 10s));
  // A second run finds nothing to move.
  summary = reallocate(server, "{}");
  EXPECT_EQ(summary.at("moving").to_number<int>(), 0);

  // -- the label configuration at run time --
  // Drain C3: with region and model in the label, its GG1/GJ2 devices have
  // nowhere to go (C1 takes only GJ1), so nothing moves ...
  put(server, "/v1/admin/clusters/C3", R"({"state":"draining"})");
  EXPECT_EQ(str_at(cluster_of(server, "C3"), "state"), "draining");
  summary = reallocate(server, R"({"cluster_id":"C3"})");
  EXPECT_EQ(summary.at("candidates").to_number<int>(), 6);
  EXPECT_EQ(summary.at("moving").to_number<int>(), 0);
  // ... but with the label made of the region only, C1 takes them.
  auto items = put(server, "/v1/admin/label-config", R"({"items":["region"]})");
  EXPECT_EQ(json::serialize(items), R"({"items":["region"]})");
  EXPECT_EQ(json::serialize(get_json(server, "/v1/admin/label-config")),
            R"({"items":["region"]})");
  for (auto& dev : devs)
    dev.reassigned = false;
  summary = reallocate(server, R"({"cluster_id":"C3"})");
  EXPECT_EQ(summary.at("moving").to_number<int>(), 6);
  collect_reassigns(devs, 6, 15s);
  for (auto& dev : devs) {
    EXPECT_EQ(dev.reassigned, expected[dev.id] == "C3") << dev.id;
    if (dev.reassigned) {
      auto hello = follow(server, dev);
      EXPECT_EQ(str_at(hello, "cluster_id"), "C1") << dev.id;
    }
  }
  ASSERT_TRUE(
    eventually([&] { return connections_of(server, "C1") == 12; }, 10s));
  EXPECT_EQ(connections_of(server, "C3"), 0);
  // A draining cluster takes no new devices: a new GG1/GJ2 device goes to C1.
  auto reg = register_terminal(
    server, R"({"terminal_id":"N1","region":"GG1","model":"GJ2"})");
  EXPECT_EQ(str_at(json_of(reg.body), "cluster_id"), "C1");
}

// Tester finding (session 26): a cluster whose nodes were all draining
// still took new devices, which its balancer closed with 1013 "no node
// available", again and again.
TEST(admin, a_cluster_without_an_active_node_takes_no_new_devices) {
  tetherd_process server{admin_topology(50)}; // GG1: C1 only (C3 declared)
  server.start();
  put(server, "/v1/admin/nodes/C1-n1", R"({"state":"draining"})");
  put(server, "/v1/admin/nodes/C1-n2", R"({"state":"draining"})");
  auto body = [](int i) {
    return R"({"terminal_id":"D)" + std::to_string(i)
         + R"(","region":"GG1","model":"GJ1"})";
  };
  // Closed from its balancer's next report (about a second); a new device
  // tried every half second (registrations per address are rate limited;
  // one placed before stays where it is).
  http_result r;
  for (int i = 0; i < 20; ++i) {
    if ((r = register_terminal(server, body(i))).status == 503)
      break;
    std::this_thread::sleep_for(500ms);
  }
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(error_message_of(r).find("a node taking new sessions"),
            std::string::npos)
    << r.body;
  // Made active again, a node opens the cluster at once.
  put(server, "/v1/admin/nodes/C1-n2", R"({"state":"active"})");
  r = register_terminal(server, body(100));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(str_at(json_of(r.body), "cluster_id"), "C1") << r.body;
}

TEST(admin, drained_node_takes_no_sessions_and_the_simulator_follows_reassign) {
  tetherd_process server{admin_topology(50)};
  server.start();
  constexpr int fleet = 10;
  auto stats = server.dir() + "/stats.json";
  auto sim = simulator(server,
                       {"--count", std::to_string(fleet), "--id-prefix", "sim-",
                        "--region", "GG2", "--duration-s", "60", "--stats-json",
                        stats, "--stats-interval-s", "0"},
                       server.dir() + "/sim.log");
  ASSERT_TRUE(
    eventually([&] { return connections_of(server, "C2") == fleet; }, 20s))
    << read_file(server.dir() + "/sim.log");
  // C3 takes GG2 with one of its nodes drained; C2 drains.
  auto node = put(server, "/v1/admin/nodes/C3-n1", R"({"state":"draining"})");
  EXPECT_EQ(str_at(node, "state"), "draining");
  put(server, "/v1/admin/clusters/C3", R"({"labels":{"region":["GG2"]}})");
  put(server, "/v1/admin/clusters/C2", R"({"state":"draining"})");
  auto summary = reallocate(server, R"({"cluster_id":"C2"})");
  EXPECT_EQ(summary.at("moving").to_number<int>(), fleet);
  ASSERT_TRUE(
    eventually([&] { return connections_of(server, "C3") == fleet; }, 20s))
    << read_file(server.dir() + "/sim.log");
  ASSERT_TRUE(
    eventually([&] { return connections_of(server, "C2") == 0; }, 10s));
  // Every session is on C3-n2; C3-n1 shows as draining.
  auto c3 = cluster_of(server, "C3");
  std::map<std::string, std::pair<std::string, int>> nodes;
  for (auto& n : c3.at("nodes").as_array())
    nodes[str_at(n, "node_id")]
      = {str_at(n, "state"), n.at("sessions").to_number<int>()};
  EXPECT_EQ(nodes["C3-n1"], (std::pair<std::string, int>{"draining", 0}));
  EXPECT_EQ(nodes["C3-n2"], (std::pair<std::string, int>{"active", fleet}));
  for (int i = 0; i < fleet; ++i)
    EXPECT_EQ(terminal_cluster(server, "sim-" + std::to_string(i)), "C3");
  // Draining C3-n2, which holds every session, after restoring C3-n1: the
  // sessions move to C3-n1 at the configured rate (50/s), and the devices
  // keep their WebSockets.
  auto connects_of = [&](int i) {
    return json_of(http_call(server.http(), "GET",
                             "/v1/terminals/sim-" + std::to_string(i))
                     .body)
      .at("connects")
      .to_number<int>();
  };
  std::vector<int> connects_before;
  for (int i = 0; i < fleet; ++i)
    connects_before.push_back(connects_of(i));
  put(server, "/v1/admin/nodes/C3-n1", R"({"state":"active"})");
  put(server, "/v1/admin/nodes/C3-n2", R"({"state":"draining"})");
  ASSERT_TRUE(eventually(
    [&] {
      auto c = cluster_of(server, "C3");
      for (auto& n : c.at("nodes").as_array())
        if (str_at(n, "node_id") == "C3-n1")
          return n.at("sessions").to_number<int>() == fleet;
      return false;
    },
    10s))
    << cluster_of(server, "C3");
  for (int i = 0; i < fleet; ++i) {
    auto t = json_of(
      http_call(server.http(), "GET", "/v1/terminals/sim-" + std::to_string(i))
        .body);
    EXPECT_EQ(str_at(t, "node_id"), "C3-n1") << t;
    EXPECT_TRUE(t.at("connected").as_bool()) << t;
    // Moved, not reconnected: no new connect in its history.
    EXPECT_EQ(t.at("connects").to_number<int>(), connects_before[i]) << t;
  }
  // Still reachable there: a job to each device is done.
  std::vector<std::string> jobs;
  for (int i = 0; i < fleet; ++i) {
    auto r = http_call(server.http(), "POST",
                       "/v1/terminals/sim-" + std::to_string(i) + "/jobs",
                       R"({"service":"print","payload":{}})");
    ASSERT_EQ(r.status, 202) << r.body;
    jobs.push_back(str_at(json_of(r.body), "job_id"));
  }
  for (auto& id : jobs)
    EXPECT_TRUE(eventually(
      [&] {
        return str_at(json_of(
                        http_call(server.http(), "GET", "/v1/jobs/" + id).body),
                      "status")
            == "done";
      },
      10s))
      << id;
  sim->signal(SIGTERM);
  ASSERT_EQ(sim->wait(10s), std::optional<int>{0});
  auto counters = json_of(read_file(stats));
  ASSERT_TRUE(counters.is_object()) << read_file(stats);
  EXPECT_EQ(counters.at("reassigns").to_number<int>(), fleet);
  // One reconnect per device (the reassign to C3), none from the drain.
  EXPECT_EQ(counters.at("reconnects").to_number<int>(), fleet) << counters;
}

// Reviewer (session 26): under strict matching, new labels for a cluster
// that leave a label item in use named by no cluster would keep every
// terminal with a value for it from registering; they are refused (409)
// and nothing is stored.
TEST(admin, cluster_labels_keep_every_item_in_use_named) {
  tetherd_process server{admin_topology(50)}; // C3 declared, not in service
  server.start();
  // C2 drops "model": C1 still names it.
  put(server, "/v1/admin/clusters/C2", R"({"labels":{"region":["GG2"]}})");
  auto r = http_call(server.http(), "PUT", "/v1/admin/clusters/C1",
                     R"({"labels":{"region":["GG1"]},"weight":4})");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(error_code_of(r), "conflict") << r.body;
  EXPECT_NE(error_message_of(r).find("would leave no cluster naming the "
                                     "label item \"model\""),
            std::string::npos)
    << r.body;
  auto c1 = cluster_of(server, "C1");
  EXPECT_EQ(json::serialize(c1.at("labels")),
            R"({"model":["*"],"region":["GG1"]})");
  EXPECT_EQ(c1.at("weight").to_number<int>(), 1);
  // Without "model" in use, the same change is taken, and kept.
  put(server, "/v1/admin/label-config", R"({"items":["region"]})");
  put(server, "/v1/admin/clusters/C1", R"({"labels":{"region":["GG1"]}})");
  server.terminate();
  server.start();
  EXPECT_EQ(json::serialize(cluster_of(server, "C1").at("labels")),
            R"({"region":["GG1"]})");
  // Putting "model" back in use is refused now: no cluster names it.
  r = http_call(server.http(), "PUT", "/v1/admin/label-config",
                R"({"items":["region","model"]})");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(json::serialize(get_json(server, "/v1/admin/label-config")),
            R"({"items":["region"]})");
}

TEST(admin, changes_survive_a_restart_and_bad_input_changes_nothing) {
  tetherd_process server{admin_topology(50)};
  server.start();
  put(server, "/v1/admin/clusters/C2",
      R"({"labels":{"region":["GG2","GG4"]},"weight":3})");
  put(server, "/v1/admin/clusters/C3", R"({"state":"draining"})");
  put(server, "/v1/admin/nodes/C1-n2", R"({"state":"draining"})");
  put(server, "/v1/admin/label-config", R"({"items":["model","region"]})");
  // Connections and sessions may differ between two reads; compare the
  // operator's settings only.
  auto settings = [&] {
    std::string out;
    auto v = get_json(server, "/v1/admin/clusters");
    for (auto& c : v.at("clusters").as_array()) {
      out += str_at(c, "cluster_id") + " " + json::serialize(c.at("labels"))
           + " " + str_at(c, "state") + " "
           + std::to_string(c.at("weight").to_number<int>()) + ";";
      for (auto& n : c.at("nodes").as_array())
        out += str_at(n, "node_id") + "=" + str_at(n, "state") + ";";
    }
    return out + json::serialize(get_json(server, "/v1/admin/label-config"));
  };
  ASSERT_TRUE(eventually(
    [&] { return settings().find("C1-n2=draining") != std::string::npos; }, 5s))
    << settings();
  auto expected = settings();
  EXPECT_NE(expected.find(R"(C2 {"region":["GG2","GG4"]} active 3)"),
            std::string::npos)
    << expected;
  EXPECT_NE(expected.find("C3 "), std::string::npos) << expected;
  EXPECT_NE(expected.find(R"({"items":["model","region"]})"),
            std::string::npos);

  struct bad {
    const char* method;
    std::string target;
    std::string body;
    int status;
    std::string code;
    std::string names; // part of the message
  };
  const std::vector<bad> cases{
    {"PUT", "/v1/admin/clusters/C1", "{\"labels\":", 400, "bad_request",
     "not valid JSON"},
    {"PUT", "/v1/admin/clusters/C1", R"({"labels":{"colour":["red"]}})", 400,
     "bad_request", "labels.colour"},
    {"PUT", "/v1/admin/clusters/C1", R"({"state":"asleep"})", 400,
     "bad_request", "state"},
    {"PUT", "/v1/admin/clusters/C1", R"({"weight":-2})", 400, "bad_request",
     "weight"},
    {"PUT", "/v1/admin/clusters/C1", R"({"state":"draining","bogus":1})", 400,
     "bad_request", "bogus"},
    {"PUT", "/v1/admin/clusters/C9", R"({"state":"draining"})", 404,
     "not_found", "C9"},
    {"PUT", "/v1/admin/clusters/C%201", R"({})", 400, "bad_request", "path id"},
    {"PUT", "/v1/admin/label-config", R"({"items":["region","colour"]})", 400,
     "bad_request", "items[1]"},
    {"PUT", "/v1/admin/label-config", R"({"items":"region"})", 400,
     "bad_request", "items"},
    {"PUT", "/v1/admin/label-config", "[", 400, "bad_request",
     "not valid JSON"},
    // Strict matching: an item no cluster names would leave every terminal
    // with a value for it without a cluster (none could register).
    {"PUT", "/v1/admin/label-config",
     R"({"items":["region","print_frequency","user"]})", 409, "conflict",
     R"(no cluster names the label items "print_frequency", "user")"},
    {"PUT", "/v1/admin/nodes/C1-n1", R"({"state":"gone"})", 400, "bad_request",
     "state"},
    {"PUT", "/v1/admin/nodes/C9-n1", R"({"state":"draining"})", 404,
     "not_found", "C9-n1"},
    {"POST", "/v1/admin/reallocate", R"({"cluster_id":"C9"})", 404, "not_found",
     "C9"},
    {"POST", "/v1/admin/reallocate", R"({"terminal_ids":["nobody"]})", 404,
     "not_found", "nobody"},
    {"POST", "/v1/admin/reallocate",
     R"({"cluster_id":"C1","terminal_ids":["x"]})", 400, "bad_request",
     "exclude"},
    {"POST", "/v1/admin/reallocate", "{x", 400, "bad_request",
     "not valid JSON"},
    {"POST", "/v1/admin/reallocate", "", 400, "bad_request", "body is empty"},
    {"DELETE", "/v1/admin/clusters/C1", "", 405, "method_not_allowed",
     "DELETE"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string{c.method} + " " + c.target + " " + c.body);
    auto r = http_call(server.http(), c.method, c.target, c.body);
    EXPECT_EQ(r.status, c.status) << r.body;
    EXPECT_EQ(error_code_of(r), c.code) << r.body;
    EXPECT_NE(error_message_of(r).find(c.names), std::string::npos) << r.body;
  }
  EXPECT_EQ(settings(), expected);
  // Everything is stored: a restart applies it over the topology.
  server.terminate();
  server.start();
  EXPECT_TRUE(eventually([&] { return settings() == expected; }, 10s))
    << settings() << "\nexpected " << expected;
}

} // namespace
