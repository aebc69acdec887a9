// Placement from the history, end to end (issue 17, docs/LABELS.md): the
// periodic re-allocation re-evaluates every terminal and moves one whose
// history puts it in a better label class, never one whose cluster is of
// the best class already; a simultaneous-disconnection class (GE) from real
// disconnects of devices on many addresses, spread over several clusters
// and kept across a restart; a failing group (GF) from at least 30 % of a
// region dropping, stored and spread likewise, while a region below the
// share stays "none".
#include <csignal>
#include <map>
#include <set>

#include "tests/e2e/simulator.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

std::string cluster_on_register(const tetherd_process& d,
                                const std::string& body) {
  return str_at(json_of(register_terminal(d, body).body), "cluster_id");
}

std::string cluster_now(const tetherd_process& d, const std::string& id) {
  return str_at(json_of(http_call(d.http(), "GET", "/v1/terminals/" + id).body),
                "cluster_id");
}

TEST(placement_history,
     periodic_reallocation_moves_a_terminal_to_a_better_class) {
  // ANY and ANY2 take every error frequency, NOISY names "high": once D1's
  // failed deliveries make it "high", the periodic run moves it to NOISY
  // although ANY still matches; the others stay (equal classes never move).
  const auto topo
    = topology_builder{}
        .label_table("items = [\"api_error_frequency\"]")
        .no_clusters()
        .section("labels.thresholds",
                 "window = \"1h\"\napi_error_frequency = { high = 3 }")
        .section("reallocation",
                 "window = \"0s\"\nmax_rate = 50\nperiod = \"1s\"")
        .add_cluster("ANY", R"({ api_error_frequency = "*" })")
        .add_cluster("ANY2", R"({ api_error_frequency = "*" })")
        .add_cluster("NOISY", R"({ api_error_frequency = ["high"] })")
        .toml();
  tetherd_process server{topo};
  server.start();
  std::map<std::string, std::string> placed;
  for (std::string id : {"D1", "D2", "D3", "D4"}) {
    placed[id]
      = cluster_on_register(server, R"({"terminal_id":")" + id + "\"}");
    EXPECT_NE(placed[id], "NOISY") << id;
  }
  for (int i = 0; i < 3; ++i) // jobs that expire: failed deliveries (GD)
    EXPECT_EQ(http_call(server.http(), "POST", "/v1/terminals/D1/jobs",
                        R"({"service":"print","ttl_s":1})")
                .status,
              202);
  // No registration, no destination call: the periodic run moves it.
  ASSERT_TRUE(
    eventually([&] { return cluster_now(server, "D1") == "NOISY"; }, 20s));
  // Runs went by (at least the one that moved D1): the others stayed.
  for (std::string id : {"D2", "D3", "D4"})
    EXPECT_EQ(cluster_now(server, id), placed[id]) << id;
}

TEST(placement_history, a_disconnect_class_is_spread_over_clusters_and_kept) {
  // 12 devices on 12 addresses drop together (at least 6 addresses: a GE
  // class); 3 others on one address stay connected. CALM names "none", so
  // it is the better class for those; S1-S3 take any class: the members
  // are spread over them, each on its slot, and keep it after a restart.
  const auto topo = topology_builder{}
                      .label_table(R"(items = ["disconnect_group"])")
                      .no_clusters()
                      .section("labels.thresholds.disconnect_group",
                               "min_addresses = 6\nwindow = \"10m\"")
                      // Returns are paced at max_rate; here each moves at once.
                      .section("reallocation", "max_rate = 100000")
                      .add_cluster("CALM", R"({ disconnect_group = ["none"] })")
                      .add_cluster("S1", R"({ disconnect_group = "*" })")
                      .add_cluster("S2", R"({ disconnect_group = "*" })")
                      .add_cluster("S3", R"({ disconnect_group = "*" })")
                      .toml();
  tetherd_process server{topo};
  server.start();
  auto run = [&](const std::string& prefix, const std::string& addrs,
                 int count) {
    return simulator(server,
                     {"--count", std::to_string(count), "--id-prefix", prefix,
                      "--source-addrs", addrs, "--duration-s", "120",
                      "--stats-interval-s", "0", "--log-level", "warn"},
                     server.dir() + "/sim-" + prefix + "log");
  };
  auto a = run("a-", "127.0.0.10-127.0.0.21", 12);
  auto b = run("b-", "127.0.0.40", 3);
  ASSERT_TRUE(eventually([&] { return connected(server) == 15; }, 30s));
  a->signal(SIGKILL);
  a->wait(10s);
  ASSERT_TRUE(eventually([&] { return connected(server) == 3; }, 30s));
  ASSERT_TRUE(eventually(
    [&] { return disconnect_group_of(server, "a-0").rfind("ge-", 0) == 0; },
    10s));
  const auto ge = disconnect_group_of(server, "a-0");
  // Registering again places each member on its slot.
  std::map<std::string, std::string> slot;
  std::set<std::string> used;
  for (int i = 0; i < 12; ++i) {
    auto id = "a-" + std::to_string(i);
    EXPECT_EQ(disconnect_group_of(server, id), ge) << id;
    ASSERT_TRUE(eventually(
      [&] {
        slot[id]
          = cluster_on_register(server, R"({"terminal_id":")" + id + "\"}");
        return slot[id].size() == 2 && slot[id][0] == 'S';
      },
      10s))
      << id << " on " << slot[id];
    used.insert(slot[id]);
  }
  EXPECT_EQ(used.size(), 3u); // spread over S1, S2 and S3
  // Registering again changes nothing: no thrashing.
  for (int i = 0; i < 12; ++i) {
    auto id = "a-" + std::to_string(i);
    EXPECT_EQ(cluster_on_register(server, R"({"terminal_id":")" + id + "\"}"),
              slot[id]);
  }
  // The devices that stayed connected are in no class: CALM (they follow
  // a `reassign`, which is no disconnect event).
  for (int i = 0; i < 3; ++i) {
    auto id = "b-" + std::to_string(i);
    EXPECT_EQ(disconnect_group_of(server, id), "none") << id;
    EXPECT_TRUE(eventually(
      [&] {
        return cluster_on_register(server, R"({"terminal_id":")" + id + "\"}")
            == "CALM";
      },
      10s))
      << id;
  }
  b->signal(SIGTERM);
  b->wait(20s);
  // The class is stored: after a restart the members are in it, on their
  // slots.
  server.terminate();
  server.start();
  ASSERT_TRUE(
    eventually([&] { return disconnect_group_of(server, "a-5") == ge; }, 10s));
  for (int i = 0; i < 12; i += 4) {
    auto id = "a-" + std::to_string(i);
    EXPECT_TRUE(eventually( // once the balancers are back
      [&] {
        return cluster_on_register(server, R"({"terminal_id":")" + id + "\"}")
            == slot[id];
      },
      10s))
      << id;
  }
}

std::string failure_group_of(const tetherd_process& d, const std::string& id) {
  auto t = json_of(http_call(d.http(), "GET", "/v1/terminals/" + id).body);
  if (!t.is_object() || !t.as_object().contains("label"))
    return {};
  return str_at(t.at("label"), "failure_group");
}

TEST(placement_history, a_failing_group_is_stored_and_spread_over_clusters) {
  // Region GG7: 10 devices, 4 drop (40 % >= 30 %): a failing group. Region
  // GG8: 10 devices, 2 drop (20 %): not one. CALM names "none"; S1-S3 take
  // any value, so the failing group's terminals are spread over them.
  const auto topo
    = topology_builder{}
        .label_table(R"(items = ["failure_group"])")
        .no_clusters()
        .section("labels.thresholds.failure_group",
                 "group_by = \"region\"\nshare = 0.3\nmin_terminals = 10\n"
                 "window = \"10m\"")
        .section("reallocation", "max_rate = 100000")
        .add_cluster("CALM", R"({ failure_group = ["none"] })")
        .add_cluster("S1", R"({ failure_group = "*" })")
        .add_cluster("S2", R"({ failure_group = "*" })")
        .add_cluster("S3", R"({ failure_group = "*" })")
        .toml();
  tetherd_process server{topo};
  server.start();
  auto run
    = [&](const std::string& prefix, const std::string& region, int count) {
        return simulator(server,
                         {"--count", std::to_string(count), "--id-prefix",
                          prefix, "--region", region, "--duration-s", "120",
                          "--stats-interval-s", "0", "--log-level", "warn"},
                         server.dir() + "/sim-" + prefix + "log");
      };
  auto fail7 = run("f-", "GG7", 4);
  auto stay7 = run("g-", "GG7", 6);
  auto fail8 = run("h-", "GG8", 2);
  auto stay8 = run("i-", "GG8", 8);
  ASSERT_TRUE(eventually([&] { return connected(server) == 20; }, 30s));
  fail7->signal(SIGKILL);
  fail8->signal(SIGKILL);
  fail7->wait(10s);
  fail8->wait(10s);
  ASSERT_TRUE(eventually([&] { return connected(server) == 14; }, 30s));
  ASSERT_TRUE(
    eventually([&] { return failure_group_of(server, "f-0") == "GG7"; }, 10s));
  // Every terminal of the failing group has its value; GG8's have "none".
  std::vector<std::string> members;
  for (int i = 0; i < 4; ++i)
    members.push_back("f-" + std::to_string(i));
  for (int i = 0; i < 6; ++i)
    members.push_back("g-" + std::to_string(i));
  for (const auto& id : members)
    EXPECT_EQ(failure_group_of(server, id), "GG7") << id;
  for (std::string id : {"h-0", "h-1", "i-0", "i-7"})
    EXPECT_EQ(failure_group_of(server, id), "none") << id;
  // The next placement spreads the members over S1-S3.
  std::map<std::string, std::string> slot;
  std::set<std::string> used;
  for (const auto& id : members) {
    ASSERT_TRUE(eventually(
      [&] {
        slot[id] = cluster_on_register(server, R"({"terminal_id":")" + id
                                                 + R"(","region":"GG7"})");
        return slot[id].size() == 2 && slot[id][0] == 'S';
      },
      10s))
      << id << " on " << slot[id];
    used.insert(slot[id]);
  }
  EXPECT_GE(used.size(), 2u) << "not spread";
  for (std::string id : {"h-0", "i-0"})
    EXPECT_EQ(cluster_on_register(server, R"({"terminal_id":")" + id
                                            + R"(","region":"GG8"})"),
              "CALM")
      << id;
  stay7->signal(SIGTERM);
  stay8->signal(SIGTERM);
  stay7->wait(20s);
  stay8->wait(20s);
  // The class is stored: after a restart the dropped members still have
  // it, and keep their slots.
  server.terminate();
  server.start();
  ASSERT_TRUE(
    eventually([&] { return failure_group_of(server, "f-2") == "GG7"; }, 10s));
  for (std::string id : {"f-0", "f-3"})
    EXPECT_TRUE(eventually(
      [&] {
        return cluster_on_register(server, R"({"terminal_id":")" + id
                                             + R"(","region":"GG7"})")
            == slot[id];
      },
      10s))
      << id;
}

} // namespace
