// The elastic fleet's settings (config/elastic.cpp): a cluster's
// `elastic = {...}` and [autoscale]; one accepted and one rejected value
// per rule, each problem at its place.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/config/config_test_support.hpp"

namespace tether::config {

namespace test_support {
const char* const source = "elastic.toml";
} // namespace test_support

namespace {

using namespace test_support;

/// One cluster with three nodes, `elastic` as given, `top` before it.
std::string file(const std::string& elastic, const std::string& top = {}) {
  return top
       + "[[clusters]]\nid = \"C1\"\n"
         "nodes = [\"C1-n1\", \"C1-n2\", \"C1-n3\"]\n"
       + (elastic.empty() ? "" : "elastic = " + elastic + "\n")
       + "[[clusters.balancers]]\nid = \"C1-b1\"\n"
         "listen = \"127.0.0.1:9101\"\n";
}

std::string dump(const parse_result& r) {
  return r.errors.to_string();
}

TEST(ElasticConfig, DefaultsAreOff) {
  auto r = parse(file(""));
  ASSERT_TRUE(r.value) << dump(r);
  const auto& e = r.value->clusters[0].elastic;
  EXPECT_TRUE(e.standby.empty());
  EXPECT_EQ(e.scale_out, 0.0);
  EXPECT_EQ(e.scale_in, 0.0);
  const auto& a = r.value->autoscale;
  EXPECT_EQ(a.period, millis{10'000});
  EXPECT_EQ(a.cooldown, millis{30'000});
  EXPECT_EQ(a.min_interval, millis{60'000});
  EXPECT_EQ(a.timeout, millis{60'000});
  EXPECT_TRUE(a.command.empty());
  // CPU rules off; no node moves for a cluster without max_nodes, and the
  // ratio the issue asks for when clusters take part.
  EXPECT_EQ(e.scale_out_cpu, 0.0);
  EXPECT_EQ(e.scale_in_cpu, 0.0);
  EXPECT_EQ(e.min_nodes, 1u);
  EXPECT_EQ(e.max_nodes, 0u);
  EXPECT_EQ(a.rebalance_ratio, 2.0);
}

TEST(ElasticConfig, AcceptsCpuThresholdsNodeLimitsAndTheRatio) {
  auto r = parse(file("{ scale_out_cpu = 0.8, scale_in_cpu = 0.25, "
                      "min_nodes = 2, max_nodes = 5 }",
                      "[autoscale]\nrebalance_ratio = 1.5\n"));
  ASSERT_TRUE(r.value) << dump(r);
  const auto& e = r.value->clusters[0].elastic;
  EXPECT_EQ(e.scale_out_cpu, 0.8);
  EXPECT_EQ(e.scale_in_cpu, 0.25);
  EXPECT_EQ(e.min_nodes, 2u);
  EXPECT_EQ(e.max_nodes, 5u);
  EXPECT_EQ(r.value->autoscale.rebalance_ratio, 1.5);
  EXPECT_EQ(parse(file("", "[autoscale]\nrebalance_ratio = 0\n"))
              .value->autoscale.rebalance_ratio,
            0.0);
}

TEST(ElasticConfig, CpuNodeLimitAndRatioRefusals) {
  struct bad {
    std::string elastic, top, path, message;
  };
  for (const auto& b : std::vector<bad>{
         {"{ scale_out_cpu = -0.1 }", "", "clusters[0].elastic.scale_out_cpu",
          "share of one core from 0 (off) to 1024"},
         {"{ scale_in_cpu = \"low\" }", "", "clusters[0].elastic.scale_in_cpu",
          "share of one core"},
         {"{ scale_out_cpu = 0.5, scale_in_cpu = 0.5 }", "",
          "clusters[0].elastic.scale_in_cpu", "below scale_out_cpu"},
         {"{ min_nodes = 0 }", "", "clusters[0].elastic.min_nodes",
          "between 1 and 10000"},
         {"{ min_nodes = 3, max_nodes = 2 }", "",
          "clusters[0].elastic.max_nodes",
          "0 (no moves) or at least min_nodes"},
         {"", "[autoscale]\nrebalance_ratio = 1.05\n",
          "autoscale.rebalance_ratio", "0 (off) or a number from 1.1 to 1000"},
         {"", "[autoscale]\nrebalance_ratio = \"2\"\n",
          "autoscale.rebalance_ratio", "0 (off) or a number"},
       }) {
    auto r = parse(file(b.elastic, b.top));
    EXPECT_FALSE(r.value) << b.elastic << b.top;
    EXPECT_TRUE(has_problem(r, b.path, b.message)) << b.path << dump(r);
  }
}

TEST(ElasticConfig, ClustersThatTakePartHoldEachOthersNodesButNotStandby) {
  auto text
    = file(R"({ max_nodes = 4, standby = ["C1-n3"] })") + R"([[clusters]]
id = "C2"
nodes = ["C2-n1", "C2-n2"]
elastic = { max_nodes = 3, standby = ["C2-n2"] }
[[clusters.balancers]]
id = "C2-b1"
listen = "127.0.0.1:9201"
[[clusters]]
id = "C3"
nodes = ["C3-n1"]
[[clusters.balancers]]
id = "C3-b1"
listen = "127.0.0.1:9301"
)";
  auto r = parse(text);
  ASSERT_TRUE(r.value) << dump(r);
  const auto& t = *r.value;
  EXPECT_EQ(nodes_reachable_by(t, t.clusters[0]),
            (std::vector<std::string>{"C1-n1", "C1-n2", "C1-n3", "C2-n1"}));
  EXPECT_EQ(nodes_reachable_by(t, t.clusters[1]),
            (std::vector<std::string>{"C2-n1", "C2-n2", "C1-n1", "C1-n2"}));
  // C3 does not take part: its own nodes only, and nobody holds them.
  EXPECT_EQ(nodes_reachable_by(t, t.clusters[2]),
            (std::vector<std::string>{"C3-n1"}));
}

TEST(ElasticConfig, AcceptsStandbyNodesThresholdsAndTheCommand) {
  auto r = parse(file(
    R"({ standby = ["C1-n3", "C1-n2"], scale_out = 100, scale_in = 20.5 })",
    "[autoscale]\nperiod = \"5s\"\ncooldown = \"0s\"\n"
    "command = [\"/usr/local/bin/add-node\", \"--fleet\", \"a b;$(c)\"]\n"
    "min_interval = \"2m\"\ntimeout = \"30s\"\n"));
  ASSERT_TRUE(r.value) << dump(r);
  const auto& e = r.value->clusters[0].elastic;
  EXPECT_EQ(e.standby, (std::vector<std::string>{"C1-n3", "C1-n2"}));
  EXPECT_EQ(e.scale_out, 100.0);
  EXPECT_EQ(e.scale_in, 20.5);
  const auto& a = r.value->autoscale;
  EXPECT_EQ(a.period, millis{5'000});
  EXPECT_EQ(a.cooldown, millis{0});
  EXPECT_EQ(a.min_interval, millis{120'000});
  EXPECT_EQ(a.timeout, millis{30'000});
  // Kept as written: one argument each, nothing interpreted.
  EXPECT_EQ(a.command, (std::vector<std::string>{"/usr/local/bin/add-node",
                                                 "--fleet", "a b;$(c)"}));
}

TEST(ElasticConfig, StandbyMustNameNodesOfTheClusterAndLeaveOneActive) {
  auto r = parse(file(R"({ standby = ["C2-n1"] })"));
  EXPECT_FALSE(r.value);
  EXPECT_TRUE(has_problem(r, "clusters[0].elastic.standby[0]",
                          "\"C2-n1\" is not a node of this cluster", 4))
    << dump(r);
  r = parse(file(R"({ standby = ["C1-n1", "C1-n2", "C1-n3"] })"));
  EXPECT_FALSE(r.value);
  EXPECT_TRUE(has_problem(r, "clusters[0].elastic.standby",
                          "at least one node of the cluster active"))
    << dump(r);
  r = parse(file(R"({ standby = "C1-n3" })"));
  EXPECT_FALSE(r.value);
  EXPECT_TRUE(has_problem(r, "clusters[0].elastic.standby",
                          "must be an array of strings"))
    << dump(r);
}

TEST(ElasticConfig, ThresholdsAreBoundedAndScaleInStaysBelowScaleOut) {
  for (const char* bad : {"-1", "\"10\"", "20000000"}) {
    auto r = parse(file(std::string{"{ scale_out = "} + bad + " }"));
    EXPECT_FALSE(r.value) << bad;
    EXPECT_TRUE(has_problem(r, "clusters[0].elastic.scale_out",
                            "sessions per node from 0 (off)"))
      << dump(r);
  }
  // A tie is refused too: hysteresis needs a gap.
  for (const char* in : {"10", "11"}) {
    auto r
      = parse(file(std::string{"{ scale_out = 10, scale_in = "} + in + " }"));
    EXPECT_FALSE(r.value) << in;
    EXPECT_TRUE(
      has_problem(r, "clusters[0].elastic.scale_in", "below scale_out"))
      << dump(r);
  }
  // Either side alone (the other 0, off) is fine.
  EXPECT_TRUE(parse(file("{ scale_out = 0, scale_in = 5 }")).value);
  EXPECT_TRUE(parse(file("{ scale_out = 5 }")).value);
  auto r = parse(file("{ scale = 5 }"));
  EXPECT_FALSE(r.value);
  EXPECT_TRUE(has_problem(r, "clusters[0].elastic.scale", "unknown key"))
    << dump(r);
}

TEST(ElasticConfig, AutoscaleRefusals) {
  struct bad {
    std::string line, path, message;
  };
  for (const auto& b : std::vector<bad>{
         {"command = []", "autoscale.command", "must name a program"},
         {"command = [\"\"]", "autoscale.command", "must name a program"},
         {"command = \"add-node C1\"", "autoscale.command",
          "must be an array of strings"},
         {"min_interval = \"500ms\"", "autoscale.min_interval",
          "at least 1000ms"},
         {"timeout = \"10ms\"", "autoscale.timeout", "at least 100ms"},
         {"period = \"soon\"", "autoscale.period", "must be a duration"},
         {"shell = true", "autoscale.shell", "unknown key"},
       }) {
    auto r = parse(file("", "[autoscale]\n" + b.line + "\n"));
    EXPECT_FALSE(r.value) << b.line;
    EXPECT_TRUE(has_problem(r, b.path, b.message, 2)) << b.line << dump(r);
  }
}

TEST(ElasticConfig, TheShippedExampleParses) {
  // tests/config/elastic_config_test.cpp -> examples/topologies/elastic.toml
  auto path
    = std::filesystem::path{__FILE__}.parent_path().parent_path().parent_path()
    / "examples" / "topologies" / "elastic.toml";
  std::ifstream in{path};
  std::stringstream text;
  text << in.rdbuf();
  auto r = parse_topology(text.str(), "elastic.toml");
  ASSERT_TRUE(r.value) << dump(r);
  const auto& c = r.value->clusters.at(0);
  EXPECT_EQ(c.elastic.standby, std::vector<std::string>{"C1-n2"});
  EXPECT_EQ(c.elastic.scale_out, 50.0);
  EXPECT_EQ(c.elastic.scale_in, 10.0);
  ASSERT_EQ(r.value->autoscale.command.size(), 2u);
  EXPECT_EQ(r.value->autoscale.command[0], "examples/elastic/start-spare.sh");
  // The spare process the command starts hosts a node of C1.
  const auto* spare = r.value->find_process("C1-spare");
  ASSERT_NE(spare, nullptr);
  EXPECT_EQ(spare->nodes, std::vector<std::string>{"C1-n3"});
  // CPU rules on C1, and node moves between C1 and C2 at ratio 2.
  EXPECT_EQ(c.elastic.scale_out_cpu, 0.8);
  EXPECT_EQ(c.elastic.scale_in_cpu, 0.2);
  EXPECT_EQ(c.elastic.max_nodes, 3u);
  EXPECT_EQ(r.value->clusters.at(1).elastic.max_nodes, 3u);
  EXPECT_EQ(r.value->autoscale.rebalance_ratio, 2.0);
}

} // namespace
} // namespace tether::config
