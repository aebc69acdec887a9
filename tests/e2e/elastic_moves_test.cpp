// Nodes moving between clusters across processes (issue 14, item 2), on the
// shipped multiprocess.toml with both clusters taking part
// (`elastic = { min_nodes = 1, max_nodes = 3 }`): C1 at least twice as
// loaded per node as C2 for the period receives a node of C2. The node
// drains out of C2 first (its devices' sessions move to C2's other node, the
// devices keep their sockets and their jobs), then takes new sessions of
// C1; the move is in GET /v1/admin/clusters and the log, and survives a
// control restart.
#include "tests/e2e/simulator.hpp"
#include "tests/support/multiprocess.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

/// multiprocess.toml with both clusters in the node-move pool.
std::string topology() {
  auto text = shipped_multiprocess_topology_with(
    "elastic = { min_nodes = 1, max_nodes = 3 }",
    // One move only in this test (cooldown 1 h).
    "[autoscale]\nperiod = \"1s\"\ncooldown = \"1h\"\n"
    "rebalance_ratio = 2\n");
  auto at = text.find("nodes = [\"C2-n1\", \"C2-n2\"]");
  if (at == std::string::npos)
    return {};
  text.insert(text.find('\n', at) + 1,
              "elastic = { min_nodes = 1, max_nodes = 3 }\n");
  return text;
}

/// The node ids cluster `id` lists, with their states and sessions.
std::map<std::string, std::pair<std::string, int>>
nodes_of(const std::string& http, const std::string& id) {
  std::map<std::string, std::pair<std::string, int>> out;
  auto c = cluster_view(http, id);
  if (c.is_object())
    for (auto& n : c.at("nodes").as_array())
      out[str_at(n, "node_id")]
        = {str_at(n, "state"), n.at("sessions").to_number<int>()};
  return out;
}

std::string views(const std::string& http) {
  return boost::json::serialize(cluster_view(http, "C1")) + "\n"
       + boost::json::serialize(cluster_view(http, "C2"));
}

std::unique_ptr<child_process> fleet(multiprocess_deployment& d,
                                     const std::string& prefix,
                                     const std::string& region, int count) {
  return simulator(d.http(),
                   {"--data", d.dir() + "/data-control", "--count",
                    std::to_string(count), "--id-prefix", prefix, "--region",
                    region, "--backoff-min-ms", "100", "--backoff-max-ms",
                    "500", "--duration-s", "120"},
                   d.dir() + "/" + prefix + ".log");
}

/// The node of C2 that moved to C1 (empty while none has).
std::string moved_node(const std::string& http) {
  for (const auto& [id, n] : nodes_of(http, "C1"))
    if (id.rfind("C2-", 0) == 0 && n.first == "active")
      return id;
  return {};
}

TEST(elastic_moves, a_cluster_twice_as_loaded_receives_a_node_drained_first) {
  auto d = multiprocess_deployment::start_retrying(topology());
  // C2 first: two devices on its two nodes, each with a job done (one
  // simulator each, so that each logs its connects and disconnects).
  auto m = fleet(*d, "M", "GG2", 1);
  auto p = fleet(*d, "P", "GG2", 1);
  auto push_both = [&] {
    auto ids = push_one_job_each(d->http(), "M", 1);
    for (auto& id : push_one_job_each(d->http(), "P", 1))
      ids.push_back(id);
    return ids;
  };
  ASSERT_TRUE(eventually(
    [&] {
      auto c2 = nodes_of(d->http(), "C2");
      return c2.size() == 2 && c2["C2-n1"].second + c2["C2-n2"].second == 2;
    },
    30s))
    << views(d->http()) << d->logs();
  auto first_jobs = push_both();
  ASSERT_TRUE(eventually([&] { return all_done(d->http(), first_jobs); }, 30s));
  auto c2 = nodes_of(d->http(), "C2");
  // The node that leaves: the one with the fewest sessions (ties: by id).
  auto leaves = c2["C2-n2"].second < c2["C2-n1"].second ? "C2-n2" : "C2-n1";
  // Nothing moves while C1 is empty.
  EXPECT_TRUE(moved_node(d->http()).empty());
  // Eight devices on C1's two nodes: 4 per node against 1: C1 receives.
  auto a = fleet(*d, "L", "GG1", 8);
  std::string node;
  ASSERT_TRUE(eventually(
    [&] {
      node = moved_node(d->http());
      return !node.empty();
    },
    40s))
    << views(d->http()) << d->log("control");
  EXPECT_EQ(node, leaves);
  auto log = d->log("control");
  // (It may move before all eight are connected.)
  EXPECT_NE(log.find("node " + node
                     + " moves from C2 to C1, drained first: "
                       "C1: "),
            std::string::npos)
    << log;
  EXPECT_NE(log.find("is at least 2 times C2: 2 sessions on 2 active nodes "
                     "(1.0 per node)"),
            std::string::npos)
    << log;
  EXPECT_NE(log.find("node " + node + " moved from C2 to C1: drained"),
            std::string::npos)
    << log;
  // C2 lists one node now, holding both of its devices; C1 lists three.
  c2 = nodes_of(d->http(), "C2");
  EXPECT_EQ(c2.size(), 1u) << views(d->http());
  EXPECT_EQ(c2.count(node), 0u);
  EXPECT_TRUE(eventually(
    [&] {
      auto c = nodes_of(d->http(), "C2");
      return c.size() == 1 && c.begin()->second.second == 2;
    },
    30s))
    << views(d->http());
  // The drained devices kept their sockets (their sessions moved): each
  // connected once and was never disconnected, and new jobs reach them.
  for (const auto* name : {"/M.log", "/P.log"}) {
    auto text = read_file(d->dir() + name);
    EXPECT_EQ(text.find("disconnected"), std::string::npos) << text;
    auto first = text.find("connected to");
    EXPECT_NE(first, std::string::npos) << text;
    EXPECT_EQ(text.find("connected to", first + 1), std::string::npos) << text;
  }
  auto second_jobs = push_both();
  EXPECT_TRUE(
    eventually([&] { return all_done(d->http(), second_jobs); }, 30s));
  // New sessions of C1 land on the node that moved in (it has the fewest).
  auto more = fleet(*d, "N", "GG1", 4);
  EXPECT_TRUE(eventually(
    [&] {
      auto c1 = nodes_of(d->http(), "C1");
      return c1.size() == 3 && c1[node].second >= 2;
    },
    30s))
    << views(d->http());
  // Stored: a restarted control lists the node in C1 from its first report.
  d->kill9("control");
  d->start_process("control");
  std::map<std::string, std::pair<std::string, int>> c1;
  ASSERT_TRUE(eventually(
    [&] {
      c1 = nodes_of(d->http(), "C1");
      return !c1.empty();
    },
    30s))
    << d->logs();
  EXPECT_EQ(c1.count(node), 1u) << views(d->http());
  EXPECT_EQ(nodes_of(d->http(), "C2").count(node), 0u) << views(d->http());
}

} // namespace
