// A node's capacity and weight changed at run time (PUT
// /v1/admin/nodes/{id}, docs/API.md "Operator side") against a real
// tetherd: the balancer places new connects by the new weight (the
// `weighted` node strategy) and by load ÷ the new capacity (`least_load`);
// both show in GET /v1/admin/nodes and /v1/admin/clusters, are audited,
// survive a restart (the balancers are told again when they join), and bad
// values answer 400/404 (401/403 without the admin scope) and store
// nothing.
#include <map>
#include <sstream>
#include <string>

#include "tests/e2e/e2e.hpp"

using namespace tether::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

std::string topology(const std::string& node_strategy) {
  return topology_builder{}
    .label_table("items = [\"region\"]\nnode_strategy = \"" + node_strategy
                 + "\"")
    .toml();
}

/// "capacity/weight" of a node as GET /v1/admin/nodes lists it.
std::string listed(const tetherd_process& d, const std::string& node) {
  auto v = json_of(http_call(d.http(), "GET", "/v1/admin/nodes").body);
  if (!v.is_object())
    return {};
  for (const auto& n : v.at("nodes").as_array())
    if (str_at(n, "node_id") == node)
      return std::to_string(n.at("capacity").to_number<int>()) + "/"
           + std::to_string(n.at("weight").to_number<int>());
  return {};
}

/// The same from GET /v1/admin/clusters (C1's nodes).
std::string in_cluster(const tetherd_process& d, const std::string& node) {
  auto c = cluster_view(d.http(), "C1");
  if (!c.is_object())
    return {};
  for (const auto& n : c.at("nodes").as_array())
    if (str_at(n, "node_id") == node)
      return std::to_string(n.at("capacity").to_number<int>()) + "/"
           + std::to_string(n.at("weight").to_number<int>());
  return {};
}

/// Connects devices <prefix>0..n-1 to C1; the count of them per node.
std::map<std::string, int>
connect_fleet(const tetherd_process& d, const std::string& prefix, int n,
              std::vector<std::unique_ptr<ws_client>>& keep) {
  std::map<std::string, int> per_node;
  for (int i = 0; i < n; ++i) {
    auto ws = connect_device(d, prefix + std::to_string(i), "GG1");
    if (!ws)
      continue;
    auto hello = next_of_type(*ws, "hello");
    ++per_node[str_at(hello, "node_id")];
    keep.push_back(std::move(ws));
  }
  return per_node;
}

http_result put_node(const tetherd_process& d, const std::string& node,
                     const std::string& body,
                     const std::string& key = "<admin>") {
  if (key == "<admin>")
    return http_call(d.http(), "PUT", "/v1/admin/nodes/" + node, body);
  return http_call_auth(d.http(), key.empty() ? "" : "Bearer " + key, "PUT",
                        "/v1/admin/nodes/" + node, body);
}

TEST(NodeTuning, WeightSteersNewConnectsAndSurvivesARestart) {
  tetherd_process d{topology("weighted")};
  d.start();
  auto r = put_node(d, "C1-n2", R"({"weight":3})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto answer = json_of(r.body);
  EXPECT_EQ(str_at(answer, "node_id"), "C1-n2");
  EXPECT_EQ(str_at(answer, "state"), "active");
  EXPECT_EQ(answer.at("weight").to_number<int>(), 3);
  EXPECT_EQ(answer.at("capacity").to_number<int>(), 1);
  ASSERT_TRUE(eventually([&] { return listed(d, "C1-n2") == "1/3"; }, 5s))
    << listed(d, "C1-n2");
  EXPECT_EQ(in_cluster(d, "C1-n2"), "1/3");
  EXPECT_EQ(listed(d, "C1-n1"), "1/1");
  // Sessions ÷ weight, one balancer: of 8 devices, 2 on C1-n1, 6 on C1-n2.
  std::vector<std::unique_ptr<ws_client>> keep;
  auto per_node = connect_fleet(d, "W", 8, keep);
  EXPECT_EQ(per_node["C1-n1"], 2);
  EXPECT_EQ(per_node["C1-n2"], 6);
  // The capacity of the other node, without touching its weight.
  ASSERT_EQ(put_node(d, "C1-n1", R"({"capacity":4})").status, 200);
  ASSERT_TRUE(eventually([&] { return listed(d, "C1-n1") == "4/1"; }, 5s))
    << listed(d, "C1-n1");
  // Audited like every admin change.
  auto audited = [&] {
    std::istringstream audit{read_file(d.dir() + "/data/audit.log")};
    int changes = 0;
    for (std::string line; std::getline(audit, line);) {
      auto v = json_of(line);
      if (str_at(v, "event") == "admin.change" && str_at(v, "status") == "200"
          && str_at(v, "path").rfind("/v1/admin/nodes/C1-n", 0) == 0)
        ++changes;
    }
    return changes;
  };
  EXPECT_TRUE(eventually([&] { return audited() == 2; }, 5s)) << audited();
  // Stored: after a restart the balancer is told again when it joins.
  keep.clear();
  d.terminate();
  d.start();
  ASSERT_TRUE(eventually(
    [&] { return listed(d, "C1-n2") == "1/3" && listed(d, "C1-n1") == "4/1"; },
    10s))
    << listed(d, "C1-n1") << " " << listed(d, "C1-n2");
  per_node = connect_fleet(d, "R", 4, keep);
  EXPECT_EQ(per_node["C1-n1"], 1);
  EXPECT_EQ(per_node["C1-n2"], 3);
}

TEST(NodeTuning, LeastLoadDividesByTheNewCapacity) {
  tetherd_process d{topology("least_load")};
  d.start();
  ASSERT_EQ(put_node(d, "C1-n2", R"({"capacity":3})").status, 200);
  ASSERT_TRUE(eventually([&] { return listed(d, "C1-n2") == "3/1"; }, 5s));
  // Both nodes run in one process (the same memory and CPU), so load ÷
  // capacity is lower on C1-n2 whatever the reports say; before the first
  // reports, sessions ÷ capacity give it 3 of every 4.
  std::vector<std::unique_ptr<ws_client>> keep;
  auto per_node = connect_fleet(d, "L", 8, keep);
  EXPECT_GE(per_node["C1-n2"], 6) << per_node["C1-n1"];
  EXPECT_EQ(per_node["C1-n1"] + per_node["C1-n2"], 8);
}

TEST(NodeTuning, BadValuesAndMissingScopesChangeNothing) {
  tetherd_process d{topology("weighted")};
  d.start();
  struct bad {
    std::string node;
    std::string body;
    int status;
    std::string names;
  };
  const std::vector<bad> cases{
    {"C1-n1", R"({"capacity":0})", 400, "\"capacity\""},
    {"C1-n1", R"({"capacity":-2})", 400, "\"capacity\""},
    {"C1-n1", R"({"capacity":"4"})", 400, "\"capacity\""},
    {"C1-n1", R"({"capacity":1.5})", 400, "\"capacity\""},
    {"C1-n1", R"({"capacity":1000001})", 400, "\"capacity\""},
    {"C1-n1", R"({"weight":-1})", 400, "\"weight\""},
    {"C1-n1", R"({"weight":"heavy"})", 400, "\"weight\""},
    {"C1-n1", R"({"weight":2,"colour":"red"})", 400, "colour"},
    {"C1-n1", R"({})", 400, "at least one"},
    {"C9-n1", R"({"capacity":2})", 404, "C9-n1"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.node + " " + c.body);
    auto r = put_node(d, c.node, c.body);
    EXPECT_EQ(r.status, c.status) << r.body;
    EXPECT_NE(error_message_of(r).find(c.names), std::string::npos) << r.body;
  }
  auto none = put_node(d, "C1-n1", R"({"capacity":2})", "");
  EXPECT_EQ(none.status, 401) << none.body;
  auto made = http_call(d.http(), "POST", "/v1/admin/keys",
                        R"({"name":"reader","scopes":["metrics"]})");
  ASSERT_EQ(made.status, 201) << made.body;
  auto wrong = put_node(d, "C1-n1", R"({"capacity":2})",
                        str_at(json_of(made.body), "key"));
  EXPECT_EQ(wrong.status, 403) << wrong.body;
  EXPECT_NE(error_message_of(wrong).find("admin"), std::string::npos);
  // Nothing changed, now or after a restart (nothing was stored).
  ASSERT_TRUE(eventually([&] { return listed(d, "C1-n1") == "1/1"; }, 5s));
  d.terminate();
  d.start();
  ASSERT_TRUE(eventually([&] { return !listed(d, "C1-n1").empty(); }, 10s));
  EXPECT_EQ(listed(d, "C1-n1"), "1/1");
}

} // namespace
