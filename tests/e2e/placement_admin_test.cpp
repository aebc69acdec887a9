// Placement leftovers of issue 17 against a real tetherd (docs/LABELS.md,
// docs/API.md): an operator clears a GE class (DELETE
// /v1/admin/classes/{name}) and its members are placed normally again,
// also after a restart; the route's refusals (401, 403, 404); a
// registration refused after the device proved its id is recorded in the
// terminal's history with its status, an unproven one is not.
#include <csignal>
#include <map>
#include <set>

#include "tests/e2e/simulator.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

std::string cluster_on_register(const tetherd_process& d,
                                const std::string& id) {
  return str_at(
    json_of(register_terminal(d, R"({"terminal_id":")" + id + "\"}").body),
    "cluster_id");
}

http_result call_as(const tetherd_process& d, const std::string& key,
                    const std::string& method, const std::string& target) {
  return http_call_auth(d.http(), key.empty() ? "" : "Bearer " + key, method,
                        target, {});
}

TEST(placement_admin, a_cleared_class_stops_spreading) {
  // 8 devices on 8 addresses drop together: a GE class (min 6 addresses).
  // CALM names "none": the better class once a terminal is in no class.
  const auto topo = topology_builder{}
                      .label_table(R"(items = ["disconnect_group"])")
                      .no_clusters()
                      .section("labels.thresholds.disconnect_group",
                               "min_addresses = 6\nwindow = \"10m\"")
                      .section("reallocation", "max_rate = 100000")
                      .section("placement", "class_ttl = \"720h\"")
                      .add_cluster("CALM", R"({ disconnect_group = ["none"] })")
                      .add_cluster("S1", R"({ disconnect_group = "*" })")
                      .add_cluster("S2", R"({ disconnect_group = "*" })")
                      .toml();
  tetherd_process server{topo};
  server.start();
  auto sim = simulator(server,
                       {"--count", "8", "--id-prefix", "c-", "--source-addrs",
                        "127.0.0.10-127.0.0.17", "--duration-s", "120",
                        "--stats-interval-s", "0", "--log-level", "warn"},
                       server.dir() + "/sim-c-log");
  ASSERT_TRUE(eventually([&] { return connected(server) == 8; }, 30s));
  sim->signal(SIGKILL);
  sim->wait(10s);
  ASSERT_TRUE(eventually(
    [&] { return disconnect_group_of(server, "c-0").rfind("ge-", 0) == 0; },
    15s));
  const auto ge = disconnect_group_of(server, "c-0");
  std::set<std::string> used;
  for (int i = 0; i < 8; ++i) {
    auto id = "c-" + std::to_string(i);
    std::string at;
    ASSERT_TRUE(eventually(
      [&] {
        at = cluster_on_register(server, id);
        return at == "S1" || at == "S2";
      },
      10s))
      << id << " on " << at;
    used.insert(at);
  }
  EXPECT_EQ(used.size(), 2u) << "a class is spread";

  // Refusals change nothing.
  const auto path = "/v1/admin/classes/" + ge;
  EXPECT_EQ(call_as(server, "", "DELETE", path).status, 401);
  auto made = http_call(server.http(), "POST", "/v1/admin/keys",
                        R"({"name":"m","scopes":["terminals:write"]})");
  ASSERT_EQ(made.status, 201) << made.body;
  auto wrong
    = call_as(server, str_at(json_of(made.body), "key"), "DELETE", path);
  EXPECT_EQ(wrong.status, 403) << wrong.body;
  EXPECT_NE(error_message_of(wrong).find("admin"), std::string::npos)
    << wrong.body;
  EXPECT_EQ(http_call(server.http(), "GET", path).status, 405);
  EXPECT_EQ(disconnect_group_of(server, "c-3"), ge);

  auto cleared = http_call(server.http(), "DELETE", path);
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  auto body = json_of(cleared.body);
  EXPECT_EQ(str_at(body, "class"), ge);
  EXPECT_EQ(body.at("terminals").to_number<int>(), 8);
  auto again = http_call(server.http(), "DELETE", path);
  EXPECT_EQ(again.status, 404) << again.body;
  EXPECT_NE(error_message_of(again).find(ge), std::string::npos) << again.body;
  auto unknown = http_call(server.http(), "DELETE", "/v1/admin/classes/GG9");
  EXPECT_EQ(unknown.status, 404) << unknown.body;

  // The members are in no class: placed normally, on CALM.
  for (int i = 0; i < 8; ++i) {
    auto id = "c-" + std::to_string(i);
    EXPECT_EQ(disconnect_group_of(server, id), "none") << id;
    EXPECT_TRUE(eventually(
      [&] { return cluster_on_register(server, id) == "CALM"; }, 10s))
      << id;
  }
  // Stored before the answer, events and all: a restart does not bring
  // the class back (the members' events went with it, so their address is
  // unknown until they connect again: no GE value at all).
  server.terminate();
  server.start();
  ASSERT_TRUE(eventually(
    [&] {
      return http_call(server.http(), "GET", "/v1/terminals/c-0").status == 200;
    },
    10s));
  for (int i = 0; i < 8; ++i)
    EXPECT_NE(disconnect_group_of(server, "c-" + std::to_string(i)), ge) << i;
  EXPECT_EQ(http_call(server.http(), "DELETE", path).status, 404);
}

/// A terminal's GF value (`label.failure_group`), empty if none.
std::string failure_group_of(const tetherd_process& d, const std::string& id) {
  auto t = json_of(http_call(d.http(), "GET", "/v1/terminals/" + id).body);
  if (!t.is_object() || !t.as_object().contains("label"))
    return {};
  return str_at(t.at("label"), "failure_group");
}

TEST(placement_admin, clearing_a_class_keeps_other_terminals_events) {
  // GF by region: a group of at least 2 terminals of which at least 60 %
  // dropped within 10 minutes fails. GG1 has three terminals, GG2 two.
  const auto topo = topology_builder{}
                      .label_table(R"(items = ["failure_group"])")
                      .no_clusters()
                      .section("labels.thresholds.failure_group",
                               "group_by = \"region\"\nshare = 0.6\n"
                               "min_terminals = 2\nwindow = \"10m\"")
                      .add_cluster("C1", R"({ failure_group = "*" })")
                      .toml();
  tetherd_process server{topo};
  server.start();
  std::map<std::string, std::unique_ptr<ws_client>> ws;
  for (const char* id : {"o-0", "o-1", "o-2", "f-0", "f-1"}) {
    ws[id] = connect_device(server, id, id[0] == 'o' ? "GG1" : "GG2");
    ASSERT_TRUE(ws[id]) << id;
    ASSERT_TRUE(next_of_type(*ws[id], "hello").is_object()) << id;
  }
  ASSERT_TRUE(eventually([&] { return connected(server) == 5; }, 10s));
  // One of GG1's three drops (33 %: no class), then both of GG2's.
  ws["o-0"]->close();
  ASSERT_TRUE(eventually([&] { return connected(server) == 4; }, 10s));
  ws["f-0"]->close();
  ws["f-1"]->close();
  ASSERT_TRUE(
    eventually([&] { return failure_group_of(server, "f-0") == "GG2"; }, 10s));
  EXPECT_EQ(failure_group_of(server, "o-2"), "none");
  auto cleared = http_call(server.http(), "DELETE", "/v1/admin/classes/GG2");
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_EQ(json_of(cleared.body).at("terminals").to_number<int>(), 2);
  // A crash and a restart: only what was stored is back. o-0's event,
  // older than GG2's, is stored still: one more drop in GG1 (2 of 3) makes
  // GG1 a failing group.
  server.kill9();
  server.start();
  ws.clear();
  ASSERT_TRUE(eventually(
    [&] {
      return http_call(server.http(), "GET", "/v1/terminals/o-1").status == 200;
    },
    10s));
  EXPECT_EQ(failure_group_of(server, "f-0"), "none") << "GG2 stays cleared";
  auto o1 = connect_device(server, "o-1", "GG1");
  ASSERT_TRUE(o1);
  ASSERT_TRUE(next_of_type(*o1, "hello").is_object());
  ASSERT_TRUE(eventually([&] { return connected(server) == 1; }, 10s));
  o1->close();
  EXPECT_TRUE(
    eventually([&] { return failure_group_of(server, "o-2") == "GG1"; }, 10s))
    << "o-0's disconnect event did not survive the clear and the restart";
}

std::vector<std::pair<std::string, int>>
register_records(const tetherd_process& d, const std::string& id) {
  std::vector<std::pair<std::string, int>> out;
  auto page = json_of(
    http_call(d.http(), "GET", "/v1/terminals/" + id + "/history").body);
  if (page.is_object())
    for (const auto& r : page.at("records").as_array())
      if (str_at(r, "event") == "register")
        out.insert(out.begin(),
                   {str_at(r, "event"), r.at("http_status").to_number<int>()});
  return out;
}

TEST(placement_admin, a_refused_registration_of_a_proven_device_is_recorded) {
  tetherd_process server;
  server.start();
  ASSERT_EQ(register_terminal(server, R"({"terminal_id":"RR1"})").status, 200);
  // Proven, refused: a computed item is no device's to set.
  auto refused = register_terminal(
    server,
    R"({"terminal_id":"RR1","attributes":{"user_usage_frequency":"high"}})");
  ASSERT_EQ(refused.status, 400) << refused.body;
  // Unproven: no record (nobody fills a history without credentials).
  auto unproven = http_call(server.http(), "POST", "/v1/terminals/register",
                            R"({"terminal_id":"RR1"})");
  ASSERT_EQ(unproven.status, 401) << unproven.body;
  using records = std::vector<std::pair<std::string, int>>;
  EXPECT_TRUE(eventually(
    [&] {
      return register_records(server, "RR1")
          == records{{"register", 200}, {"register", 400}};
    },
    10s))
    << "records: " << register_records(server, "RR1").size();
  // A refused first registration leaves no terminal and no history.
  auto first = register_terminal(
    server, R"({"terminal_id":"RR2","attributes":{"disconnect_group":"x"}})");
  ASSERT_EQ(first.status, 400) << first.body;
  EXPECT_EQ(http_call(server.http(), "GET", "/v1/terminals/RR2/history").status,
            404);
}

} // namespace
