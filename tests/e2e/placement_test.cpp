// Placement as the source defines it (issue 17, docs/LABELS.md), end to
// end: computed label items no device or service may set, GG from the
// server's mapping moving a device once its address is known, strict and
// lenient matching (S640), and the null label per model (S620/S630).
#include "tests/e2e/e2e.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

std::string cluster_on_register(const tetherd_process& d,
                                const std::string& body) {
  return str_at(json_of(register_terminal(d, body).body), "cluster_id");
}

/// One computed label item `item` (`thresholds`: the [labels.thresholds]
/// body) and two clusters: `low` takes its "low" terminals, `high` its
/// "high" ones.
topology_builder low_high(const std::string& item,
                          const std::string& thresholds, const std::string& low,
                          const std::string& high) {
  topology_builder b;
  b.label_table("items = [\"" + item + "\"]")
    .no_clusters()
    .section("labels.thresholds", thresholds)
    .add_cluster(low, "{ " + item + " = [\"low\"] }")
    .add_cluster(high, "{ " + item + " = [\"high\"] }");
  return b;
}

TEST(placement, computed_items_cannot_be_set_by_a_device_or_a_service) {
  tetherd_process server{topology_builder{}.toml()};
  server.start();
  auto r = register_terminal(server, R"({"terminal_id":"F1","region":"GG1",
                "attributes":{"user_usage_frequency":"high"}})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(error_message_of(r).find("attributes.user_usage_frequency"),
            std::string::npos)
    << r.body;
  // GA comes from the service side, not from the device.
  r = register_terminal(server, R"({"terminal_id":"F1","region":"GG1",
                                    "attributes":{"service":"print"}})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(error_message_of(r).find("attributes.service"), std::string::npos);
  ASSERT_EQ(
    register_terminal(server, R"({"terminal_id":"F1","region":"GG1"})").status,
    200);
  r = http_call(server.http(), "PUT", "/v1/terminals/F1/attributes",
                R"({"plan":"paid","disconnect_group":"10.0.0.1"})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(error_message_of(r).find("\"disconnect_group\""), std::string::npos)
    << r.body;
  // Nothing of the refused change was stored.
  auto t = json_of(http_call(server.http(), "GET", "/v1/terminals/F1").body);
  EXPECT_EQ(str_at(t.at("attributes"), "plan"), "");
  EXPECT_EQ(http_call(server.http(), "PUT", "/v1/terminals/F1/attributes",
                      R"({"service":"print"})")
              .status,
            200);
}

TEST(placement, the_servers_region_mapping_wins_and_moves_a_device) {
  // GG: ids "JP-" are GG1 whatever they claim; connections from 127.0.0.1
  // are GG2. A claim counts only where no rule matches.
  const auto topo
    = topology_builder{}
        .section("labels.regions",
                 "map = [ { id_prefix = \"JP-\", region = \"GG1\" },\n"
                 "        { cidr = \"127.0.0.1/32\", region = \"GG2\" } ]")
        .toml();
  tetherd_process server{topo};
  server.start();
  EXPECT_EQ(cluster_on_register(
              server, R"({"terminal_id":"JP-1","region":"GG2","model":"GJ1"})"),
            "C1");
  // No address known yet: the claim (GG1) places it on C1.
  auto reg = register_terminal(
    server, R"({"terminal_id":"X-1","region":"GG1","model":"GJ1"})");
  ASSERT_EQ(reg.status, 200) << reg.body;
  ASSERT_EQ(str_at(json_of(reg.body), "cluster_id"), "C1");
  int status = 0;
  std::string error;
  auto ws = ws_client::connect(connect_url(reg), status, error);
  ASSERT_TRUE(ws) << error;
  // Connected from 127.0.0.1: its label is GG2 now, and placing it again
  // moves it to C2.
  ASSERT_TRUE(eventually(
    [&] {
      auto t
        = json_of(http_call(server.http(), "GET", "/v1/terminals/X-1").body);
      return t.is_object() && str_at(t.at("label"), "region") == "GG2";
    },
    10s));
  EXPECT_EQ(cluster_on_register(
              server, R"({"terminal_id":"X-1","region":"GG1","model":"GJ1"})"),
            "C2");
}

TEST(placement, the_operator_can_forbid_the_devices_region_claim) {
  const auto topo
    = topology_builder{}
        .section("labels.regions", "device_claim = false\n"
                                   "map = [ { id_prefix = \"JP-\", region = "
                                   "\"GG1\" } ]")
        .toml();
  tetherd_process server{topo};
  server.start();
  // Model GJ1 alone (no region): strict matching leaves C1 (GJ1) and C2
  // ("*"); the claim GG2 is ignored, so either may take it, while JP-2
  // is GG1 whatever it claims.
  auto t
    = json_of(register_terminal(
                server, R"({"terminal_id":"Y-1","region":"GG2","model":"GJ3"})")
                .body);
  EXPECT_EQ(str_at(t, "cluster_id"), "C2") << t; // only C2 takes GJ3
  auto v = json_of(http_call(server.http(), "GET", "/v1/terminals/Y-1").body);
  EXPECT_EQ(str_at(v.at("label"), "region"), "") << v;
  EXPECT_EQ(cluster_on_register(
              server, R"({"terminal_id":"JP-2","region":"GG2","model":"GJ1"})"),
            "C1");
}

/// C1 takes GG1 with model GJ1; C2 names only the region GG1.
std::string matching_topology(const std::string& labels) {
  return topology_builder{}
    .label_table("items = [\"region\", \"model\"]\n" + labels)
    .labels("C1", R"({ region = ["GG1"], model = ["GJ1"] })")
    .labels("C2", R"({ region = ["GG1"] })")
    .toml();
}

TEST(placement, strict_matching_needs_every_item_of_the_label) {
  tetherd_process server{matching_topology("null_label_models = [\"GJ9\"]")};
  server.start();
  // C2 carries no model: it takes no device with one (S640).
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(
      cluster_on_register(server, R"({"terminal_id":"S-)" + std::to_string(i)
                                    + R"(","region":"GG1","model":"GJ1"})"),
      "C1")
      << i;
  auto r = register_terminal(
    server, R"({"terminal_id":"S-X","region":"GG1","model":"GJ5"})");
  EXPECT_EQ(r.status, 503) << r.body;
  // The null label (model GJ9): every cluster is a candidate, even for a
  // region no cluster names.
  r = register_terminal(
    server, R"({"terminal_id":"N-1","region":"GG7","model":"GJ9"})");
  EXPECT_EQ(r.status, 200) << r.body;
  auto v = json_of(http_call(server.http(), "GET", "/v1/terminals/N-1").body);
  EXPECT_TRUE(v.at("label").as_object().empty()) << v;
  EXPECT_EQ(register_terminal(
              server, R"({"terminal_id":"N-2","region":"GG7","model":"GJ8"})")
              .status,
            503);
}

TEST(placement, lenient_matching_lets_an_unnamed_item_pass) {
  tetherd_process server{matching_topology("matching = \"lenient\"")};
  server.start();
  // GJ5 is not among C1's models, but C2 does not restrict the model.
  EXPECT_EQ(cluster_on_register(
              server, R"({"terminal_id":"L-1","region":"GG1","model":"GJ5"})"),
            "C2");
  // GJ1 matches both: fewest connections spreads them.
  std::map<std::string, int> seen;
  for (int i = 0; i < 4; ++i)
    ++seen[cluster_on_register(server,
                               R"({"terminal_id":"L-G)" + std::to_string(i)
                                 + R"(","region":"GG1","model":"GJ1"})")];
  EXPECT_EQ(seen.size(), 2u);
}

std::string label_item(const tetherd_process& d, const std::string& id,
                       const std::string& item) {
  auto t = json_of(http_call(d.http(), "GET", "/v1/terminals/" + id).body);
  return t.is_object() && t.as_object().contains("label")
         ? str_at(t.at("label"), item.c_str())
         : std::string{};
}

TEST(placement, the_user_a_job_names_is_linked_and_moves_the_device) {
  // GH: U1 serves alice, U2 bob; a terminal without a user has the null
  // label, so the first cluster (a tie) takes it.
  const auto topo = topology_builder{}
                      .label_table("items = [\"user\"]")
                      .no_clusters()
                      .add_cluster("U1", R"({ user = ["alice"] })")
                      .add_cluster("U2", R"({ user = ["bob"] })")
                      .toml();
  tetherd_process server{topo};
  server.start();
  ASSERT_EQ(cluster_on_register(server, R"({"terminal_id":"H1"})"), "U1");
  auto r = http_call(server.http(), "POST", "/v1/terminals/H1/jobs",
                     R"({"service":"print","user":"no one"})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(error_message_of(r).find("\"user\""), std::string::npos);
  r = http_call(server.http(), "POST", "/v1/terminals/H1/jobs",
                R"({"service":"print","user":"bob"})");
  ASSERT_EQ(r.status, 202) << r.body;
  ASSERT_TRUE(
    eventually([&] { return label_item(server, "H1", "user") == "bob"; }, 10s));
  auto d = destination_of(server, "H1");
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(str_at(json_of(d.body), "cluster_id"), "U2");
}

TEST(placement, a_heavy_users_new_terminal_goes_to_the_heavy_cluster) {
  // GI: a user's service requests per day over its whole history; 3 make
  // "high". A terminal without a user has no GI value (null label here).
  const auto topo
    = low_high("user_usage_frequency", "user_usage_frequency = { high = 3 }",
               "LIGHT", "HEAVY")
        .toml();
  tetherd_process server{topo};
  server.start();
  for (auto id : {"K1", "K2", "K3"})
    ASSERT_EQ(
      register_terminal(server, R"({"terminal_id":")" + std::string{id} + "\"}")
        .status,
      200);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(http_call(server.http(), "POST", "/v1/terminals/K1/jobs",
                        R"({"service":"print","user":"alice"})")
                .status,
              202);
  EXPECT_EQ(http_call(server.http(), "POST", "/v1/terminals/K3/jobs",
                      R"({"service":"print","user":"bob"})")
              .status,
            202);
  // K2 is new to alice: it takes her history.
  ASSERT_EQ(
    http_call(server.http(), "PUT", "/v1/users/alice/terminals/K2").status,
    200);
  ASSERT_TRUE(eventually(
    [&] { return label_item(server, "K2", "user_usage_frequency") == "high"; },
    10s));
  EXPECT_EQ(str_at(json_of(destination_of(server, "K2").body), "cluster_id"),
            "HEAVY");
  EXPECT_EQ(label_item(server, "K3", "user_usage_frequency"), "low");
  EXPECT_EQ(str_at(json_of(destination_of(server, "K3").body), "cluster_id"),
            "LIGHT");
}

/// QUIET takes terminals with few failed deliveries, NOISY the others
/// (GD, 3 failures a day make "high"); re-allocation moves at most `rate` a
/// second.
std::string gd_topology(int rate) {
  return low_high("api_error_frequency",
                  "window = \"1h\"\napi_error_frequency = { high = 3 }",
                  "QUIET", "NOISY")
    .section("reallocation",
             "window = \"0s\"\nmax_rate = " + std::to_string(rate))
    .toml();
}

/// GD: `n` jobs that expire before the terminal (not connected) gets
/// them: failed communications from a node to it.
void fail_deliveries(const tetherd_process& d, const std::string& id, int n) {
  for (int i = 0; i < n; ++i)
    EXPECT_EQ(http_call(d.http(), "POST", "/v1/terminals/" + id + "/jobs",
                        R"({"service":"print","ttl_s":1})")
                .status,
              202);
}

TEST(placement, a_device_that_comes_back_is_placed_again_by_its_destination) {
  tetherd_process server{gd_topology(50)};
  server.start();
  ASSERT_EQ(cluster_on_register(server, R"({"terminal_id":"D1"})"), "QUIET");
  fail_deliveries(server, "D1", 3);
  ASSERT_TRUE(eventually(
    [&] { return label_item(server, "D1", "api_error_frequency") == "high"; },
    10s));
  // Its destination (after a disconnect, say) decides again: NOISY.
  auto d = destination_of(server, "D1");
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(str_at(json_of(d.body), "cluster_id"), "NOISY");
  EXPECT_EQ(
    str_at(json_of(http_call(server.http(), "GET", "/v1/terminals/D1").body),
           "cluster_id"),
    "NOISY");
  // Still NOISY: it stays.
  EXPECT_EQ(str_at(json_of(destination_of(server, "D1").body), "cluster_id"),
            "NOISY");
}

TEST(placement, only_calls_that_cause_node_traffic_count_for_gc) {
  // GC: 3 pushes a day make "high"; attribute and user-link PUTs do not
  // count.
  const auto topo
    = low_high("api_call_frequency", "api_call_frequency = { high = 3 }",
               "CALM", "BUSY")
        .toml();
  tetherd_process server{topo};
  server.start();
  ASSERT_EQ(cluster_on_register(server, R"({"terminal_id":"G1"})"), "CALM");
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(http_call(server.http(), "PUT", "/v1/terminals/G1/attributes",
                        R"({"plan":"p)" + std::to_string(i) + "\"}")
                .status,
              200);
    EXPECT_EQ(http_call(server.http(), "PUT",
                        "/v1/users/u" + std::to_string(i) + "/terminals/G1")
                .status,
              200);
  }
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(http_call(server.http(), "POST", "/v1/terminals/G1/jobs",
                        R"({"service":"print"})")
                .status,
              202);
  ASSERT_TRUE(eventually(
    [&] {
      auto t
        = json_of(http_call(server.http(), "GET", "/v1/terminals/G1").body);
      return t.is_object() && t.at("api").at("calls").to_number<int>() == 2;
    },
    10s));
  EXPECT_EQ(label_item(server, "G1", "api_call_frequency"), "low");
  EXPECT_EQ(str_at(json_of(destination_of(server, "G1").body), "cluster_id"),
            "CALM");
  EXPECT_EQ(http_call(server.http(), "POST", "/v1/terminals/G1/jobs",
                      R"({"service":"print"})")
              .status,
            202);
  ASSERT_TRUE(eventually(
    [&] { return label_item(server, "G1", "api_call_frequency") == "high"; },
    10s));
  EXPECT_EQ(str_at(json_of(destination_of(server, "G1").body), "cluster_id"),
            "BUSY");
}

TEST(placement, pages_printed_per_day_move_a_device_to_the_heavy_printers) {
  // GB (B2, S710-S720): pages printed per day since registration, from the
  // devices' results; 10 a day make "high".
  const auto topo
    = low_high("print_frequency", "print_frequency = { high = 10 }", "LIGHT",
               "HEAVY")
        .toml();
  tetherd_process server{topo};
  server.start();
  auto ws = connect_device(server, "P1", "GG1");
  ASSERT_TRUE(ws);
  ASSERT_EQ(str_at(next_of_type(*ws, "hello"), "cluster_id"), "LIGHT");
  auto print = [&](const std::string& result_fields) {
    auto r = http_call(server.http(), "POST", "/v1/terminals/P1/jobs",
                       R"({"service":"print"})");
    EXPECT_EQ(r.status, 202) << r.body;
    auto id = str_at(json_of(r.body), "job_id");
    EXPECT_EQ(str_at(next_of_type(*ws, "job"), "job_id"), id);
    ws->send_text(R"({"type":"result","job_id":")" + id + R"(","status":"done")"
                  + result_fields + "}");
    return id;
  };
  // A page count the device cannot mean: an error frame naming it, the job
  // not finished by it.
  auto bad = print(R"(,"pages":-4)");
  auto error = next_of_type(*ws, "error");
  EXPECT_NE(str_at(error, "message").find("\"pages\""), std::string::npos)
    << error;
  EXPECT_NE(
    str_at(json_of(http_call(server.http(), "GET", "/v1/jobs/" + bad).body),
           "status"),
    "done");
  ws->send_text(R"({"type":"result","job_id":")" + bad
                + R"(","status":"done","pages":4})");
  print(""); // no count: one page
  auto pages = [&] {
    auto t = json_of(http_call(server.http(), "GET", "/v1/terminals/P1").body);
    return t.is_object() ? t.at("api").at("pages").to_number<int>() : -1;
  };
  ASSERT_TRUE(eventually([&] { return pages() == 5; }, 10s)) << pages();
  EXPECT_EQ(label_item(server, "P1", "print_frequency"), "low");
  EXPECT_EQ(str_at(json_of(destination_of(server, "P1").body), "cluster_id"),
            "LIGHT");
  print(R"(,"pages":5)");
  ASSERT_TRUE(eventually([&] { return pages() == 10; }, 10s)) << pages();
  ASSERT_TRUE(eventually(
    [&] { return label_item(server, "P1", "print_frequency") == "high"; },
    10s));
  EXPECT_EQ(str_at(json_of(destination_of(server, "P1").body), "cluster_id"),
            "HEAVY");
}

TEST(placement, a_reconnect_storm_is_paced) {
  // 2 moves a second: of 6 devices that come back at once, the first moves
  // at once, the others keep their cluster until their slot.
  tetherd_process server{gd_topology(2)};
  server.start();
  const int n = 6;
  for (int i = 0; i < n; ++i) {
    auto id = "P" + std::to_string(i);
    ASSERT_EQ(cluster_on_register(server, R"({"terminal_id":")" + id + "\"}"),
              "QUIET");
    fail_deliveries(server, id, 3);
  }
  ASSERT_TRUE(eventually(
    [&] {
      return label_item(server, "P" + std::to_string(n - 1),
                        "api_error_frequency")
          == "high";
    },
    10s));
  auto start = std::chrono::steady_clock::now();
  int moved_at_once = 0;
  for (int i = 0; i < n; ++i) {
    auto d = destination_of(server, "P" + std::to_string(i));
    ASSERT_EQ(d.status, 200) << d.body;
    if (str_at(json_of(d.body), "cluster_id") == "NOISY")
      ++moved_at_once;
  }
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - start)
                   .count();
  EXPECT_GE(moved_at_once, 1);
  // At most one move per 500 ms slot while the calls ran.
  EXPECT_LE(moved_at_once, 1 + elapsed / 500) << elapsed << " ms";
  // The others move at their slots.
  for (int i = 0; i < n; ++i) {
    auto id = "P" + std::to_string(i);
    EXPECT_TRUE(eventually(
      [&] {
        return str_at(
                 json_of(
                   http_call(server.http(), "GET", "/v1/terminals/" + id).body),
                 "cluster_id")
            == "NOISY";
      },
      15s))
      << id;
  }
}

} // namespace
