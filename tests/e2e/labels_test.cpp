// Placement by labels end to end: 1,000 simulated devices (examples/
// tether-terminal, one process per kind of device) of mixed regions, models
// and firmware register against a tetherd whose clusters select by those
// items, and every one of them must be connected on the cluster its facts
// call for (GET /v1/terminals/{id}); two clusters sharing a label split
// their devices (fewest connections); a device no cluster accepts is
// refused with 503. (The simultaneous-disconnection class, GE, from real
// disconnects: tests/e2e/placement_history_test.cpp.)
#include <csignal>
#include <map>

#include "tests/e2e/simulator.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

/// A topology with the [labels] table `labels` and no clusters yet.
topology_builder labels_topology(std::string labels) {
  topology_builder out;
  out.label_table(std::move(labels)).no_clusters();
  return out;
}

/// Connections per cluster as GET /v1/admin/clusters reports them.
std::map<std::string, int> connections(const tetherd_process& d) {
  std::map<std::string, int> out;
  auto v = json_of(http_call(d.http(), "GET", "/v1/admin/clusters").body);
  if (!v.is_object())
    return out;
  for (auto& c : v.at("clusters").as_array())
    out[str_at(c, "cluster_id")] = c.at("connections").to_number<int>();
  return out;
}

struct fleet_kind {
  std::string prefix, region, model, firmware;
  int count;
  std::vector<std::string> expected; // the clusters it may land on
};

TEST(labels, thousand_devices_land_on_the_clusters_their_labels_select) {
  const auto topo
    = labels_topology("items = [\"region\", \"model\", \"firmware\"]\n"
                      "cluster_strategy = \"fewest_connections\"\n"
                      // US-1/US-2 and LEGACY name only some items: an
                      // item they do not name does not restrict them.
                      "matching = \"lenient\"")
        .add_cluster(
          "EU-A",
          R"({ region = ["GG1"], model = ["GJ1"], firmware = ["1.0", "2.0"] })")
        .add_cluster(
          "EU-B",
          R"({ region = ["GG1"], model = ["GJ2"], firmware = ["1.0", "2.0"] })")
        .add_cluster("US-1",
                     R"({ region = ["GG2"], firmware = ["1.0", "2.0"] })")
        .add_cluster("US-2",
                     R"({ region = ["GG2"], firmware = ["1.0", "2.0"] })")
        .add_cluster("LEGACY", R"({ firmware = ["0.9"] })")
        .toml();
  tetherd_process server{topo};
  server.start();
  const std::vector<fleet_kind> kinds{
    {"eua-", "GG1", "GJ1", "1.0", 250, {"EU-A"}},
    {"eub-", "GG1", "GJ2", "2.0", 250, {"EU-B"}},
    {"us-", "GG2", "GJ7", "1.0", 300, {"US-1", "US-2"}},
    {"lega-", "GG1", "GJ1", "0.9", 100, {"LEGACY"}},
    {"legb-", "GG3", "GJ3", "0.9", 100, {"LEGACY"}},
  };
  int total = 0;
  std::vector<std::unique_ptr<child_process>> sims;
  for (const auto& k : kinds) {
    total += k.count;
    sims.push_back(
      simulator(server,
                {"--count", std::to_string(k.count), "--id-prefix", k.prefix,
                 "--region", k.region, "--model", k.model, "--firmware",
                 k.firmware, "--ramp-per-s", "500", "--duration-s", "120",
                 "--stats-interval-s", "0", "--log-level", "warn"},
                server.dir() + "/sim-" + k.prefix + "log"));
  }
  ASSERT_EQ(total, 1000);
  // Every device connects somewhere.
  ASSERT_TRUE(eventually(
    [&] {
      int n = 0;
      for (auto& [id, c] : connections(server))
        n += c;
      return n == total;
    },
    90s))
    << "connections: " <<
    [&] {
      std::string s;
      for (auto& [id, c] : connections(server))
        s += id + "=" + std::to_string(c) + " ";
      return s;
    }()
    << "\n"
    << read_file(server.dir() + "/sim-eua-log");
  // Each device is on a cluster its kind allows, and connected there.
  std::map<std::string, int> landed;
  for (const auto& k : kinds) {
    for (int i = 0; i < k.count; ++i) {
      auto id = k.prefix + std::to_string(i);
      auto r = http_call(server.http(), "GET", "/v1/terminals/" + id);
      ASSERT_EQ(r.status, 200) << id << ": " << r.body;
      auto v = json_of(r.body);
      auto c = str_at(v, "cluster_id");
      ASSERT_NE(std::find(k.expected.begin(), k.expected.end(), c),
                k.expected.end())
        << id << " (" << k.region << "/" << k.model << "/" << k.firmware
        << ") is on " << c;
      ASSERT_TRUE(v.at("connected").as_bool()) << id;
      ++landed[c];
    }
  }
  EXPECT_EQ(landed["EU-A"], 250);
  EXPECT_EQ(landed["EU-B"], 250);
  EXPECT_EQ(landed["LEGACY"], 200);
  // Two clusters share the GG2 label: fewest connections splits them.
  EXPECT_EQ(landed["US-1"] + landed["US-2"], 300);
  EXPECT_GE(landed["US-1"], 60);
  EXPECT_GE(landed["US-2"], 60);
  // What the balancers count agrees with the map.
  auto conns = connections(server);
  for (const auto& [c, n] : landed)
    EXPECT_EQ(conns[c], n) << c;
  // No cluster takes a GG3 device with firmware 1.0: 503 unavailable.
  auto refused = register_terminal(
    server,
    R"({"terminal_id":"nowhere","region":"GG3","model":"GJ1","firmware":"1.0"})");
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(error_code_of(refused), "unavailable");
  for (auto& s : sims)
    s->signal(SIGTERM);
  for (auto& s : sims)
    EXPECT_TRUE(s->wait(20s).has_value());
}

TEST(labels, terminals_with_many_failed_deliveries_move_to_their_cluster) {
  // Error frequency (GD) from the control's per-terminal history: 3 failed
  // deliveries a day make a terminal "high".
  const auto topo
    = labels_topology(R"(items = ["api_error_frequency"])")
        .section("labels.thresholds",
                 "window = \"1h\"\napi_error_frequency = { high = 3 }")
        .add_cluster("QUIET", R"({ api_error_frequency = ["low"] })")
        .add_cluster("NOISY", R"({ api_error_frequency = ["high"] })")
        .toml();
  tetherd_process server{topo};
  server.start();
  auto cluster_on_register = [&](const std::string& id) {
    return str_at(
      json_of(
        register_terminal(server, R"({"terminal_id":")" + id + R"("})").body),
      "cluster_id");
  };
  ASSERT_EQ(cluster_on_register("T1"), "QUIET");
  ASSERT_EQ(cluster_on_register("T2"), "QUIET");
  // T1: three jobs that expire before it (not connected) gets them —
  // failed communications from a node (S420); T2: two such jobs, and
  // refused calls (400), which are no communication at all.
  auto expiring = [&](const std::string& id, int n) {
    for (int i = 0; i < n; ++i)
      EXPECT_EQ(http_call(server.http(), "POST",
                          "/v1/terminals/" + id + "/jobs",
                          R"({"service":"print","ttl_s":1})")
                  .status,
                202);
  };
  expiring("T1", 3);
  expiring("T2", 2);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(
      http_call(server.http(), "POST", "/v1/terminals/T2/jobs", "{").status,
      400);
  ASSERT_TRUE(
    eventually([&] { return cluster_on_register("T1") == "NOISY"; }, 15s));
  EXPECT_EQ(cluster_on_register("T2"), "QUIET");
  auto t1 = json_of(http_call(server.http(), "GET", "/v1/terminals/T1").body);
  EXPECT_EQ(str_at(t1, "cluster_id"), "NOISY");
  // The terminal's view shows the label it is placed by.
  EXPECT_EQ(str_at(t1.at("label"), "api_error_frequency"), "high") << t1;
  auto t2 = json_of(http_call(server.http(), "GET", "/v1/terminals/T2").body);
  EXPECT_EQ(str_at(t2.at("label"), "api_error_frequency"), "low") << t2;
}

} // namespace
