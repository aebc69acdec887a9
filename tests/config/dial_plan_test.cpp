// The dial plan (config/dial_plan.hpp): for every pair of processes of a
// topology, exactly one dials the other when either needs the other, and
// none when neither does; the accepting side expects exactly its dialers.
// Checked on the shipped topologies and on shapes that put roles together:
// gateway and control in one process or apart, two gateways, balancers
// whose nodes live in each other's processes, a process both dialed and
// dialing.
#include "config/dial_plan.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#ifndef TETHER_SOURCE_DIR
#error "TETHER_SOURCE_DIR must name the source tree"
#endif

namespace tether::config {
namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

topology parsed(const std::string& text) {
  auto r = parse_topology(text, "t.toml");
  if (!r.value)
    ADD_FAILURE() << r.errors.to_string();
  return r.value ? *r.value : topology{};
}

/// The property, for every pair; returns how many links there are.
size_t check_every_pair(const topology& topo) {
  size_t links = 0;
  for (const auto& a : topo.processes) {
    auto pa = dial_plan_of(topo, a.name);
    for (const auto& b : topo.processes) {
      if (a.name == b.name)
        continue;
      auto pb = dial_plan_of(topo, b.name);
      bool a_dials = contains(pa.dials, b.name);
      bool b_dials = contains(pb.dials, a.name);
      bool needed = wants_peer(topo, a, b) || wants_peer(topo, b, a);
      SCOPED_TRACE(a.name + " / " + b.name);
      EXPECT_EQ(needed, a_dials || b_dials);
      EXPECT_FALSE(a_dials && b_dials) << "both dial";
      EXPECT_EQ(a_dials, contains(pb.accepts, a.name));
      EXPECT_EQ(b_dials, contains(pa.accepts, b.name));
      EXPECT_FALSE(contains(pa.dials, b.name) && contains(pa.accepts, b.name));
      if (a_dials) {
        EXPECT_TRUE(wants_peer(topo, a, b)) << "dials without a need";
        ++links;
      }
    }
  }
  return links;
}

const char* const clusters = R"(
[[clusters]]
id = "C1"
nodes = ["C1-n1"]
  [[clusters.balancers]]
  id = "C1-b1"
  listen = "127.0.0.1:9101"
[[clusters]]
id = "C2"
nodes = ["C2-n1"]
  [[clusters.balancers]]
  id = "C2-b1"
  listen = "127.0.0.1:9201"
)";

std::string process(const std::string& name, int port, const std::string& roles,
                    const std::string& extra = {}) {
  return "[[processes]]\nname = \"" + name + "\"\ncaf_port = "
       + std::to_string(port) + "\nroles = [" + roles + "]\n" + extra;
}

TEST(DialPlan, ShippedTopologiesDialOncePerPairAndEveryoneDialsTheControl) {
  for (const auto* file : {"examples/topologies/multiprocess.toml",
                           "examples/topologies/three-hosts.toml"}) {
    SCOPED_TRACE(file);
    auto r = load_topology_file(std::string{TETHER_SOURCE_DIR} + "/" + file);
    ASSERT_TRUE(r.value) << r.errors.to_string();
    const auto& topo = *r.value;
    EXPECT_GT(check_every_pair(topo), 0u);
    // Gateway and control share "control": it is dialed by every process
    // and dials none (before, both sides dialed).
    auto ctl = dial_plan_of(topo, "control");
    EXPECT_TRUE(ctl.dials.empty());
    EXPECT_EQ(ctl.accepts.size(), topo.processes.size() - 1);
    auto b = dial_plan_of(topo, "C1-b1");
    EXPECT_TRUE(contains(b.dials, "control"));
    EXPECT_TRUE(contains(b.dials, "C1-n1"));
    EXPECT_TRUE(contains(dial_plan_of(topo, "C1-n1").accepts, "C1-b1"));
  }
}

TEST(DialPlan, GatewayApartFromControlDialsEveryProcessAndIsDialedByNone) {
  auto topo = parsed(
    std::string{clusters}
    + process("gw", 17000, "\"gateway\"", "http = \"127.0.0.1:8080\"\n")
    + process("ctl", 17001, "\"control\", \"selector\", \"cluster_manager\"")
    + process("b", 17002, "\"balancer\"",
              "balancers = [\"C1-b1\", \"C2-b1\"]\n")
    + process("n", 17003, "\"node\"", "nodes = [\"C1-n1\", \"C2-n1\"]\n"));
  EXPECT_EQ(check_every_pair(topo), 6u); // gw: 3, b: ctl and n, n: ctl
  auto gw = dial_plan_of(topo, "gw");
  EXPECT_EQ(gw.dials, (std::vector<std::string>{"ctl", "b", "n"}));
  EXPECT_TRUE(gw.accepts.empty());
  // "b" is dialed (by the gateway) and dials (the control and its nodes).
  auto b = dial_plan_of(topo, "b");
  EXPECT_EQ(b.dials, (std::vector<std::string>{"ctl", "n"}));
  EXPECT_EQ(b.accepts, (std::vector<std::string>{"gw"}));
  EXPECT_EQ(dial_plan_of(topo, "ctl").accepts,
            (std::vector<std::string>{"gw", "b", "n"}));
  EXPECT_TRUE(dial_plan_of(topo, "nobody").dials.empty());
}

TEST(DialPlan, BalancersWithNodesInEachOthersProcessDialInFileOrder) {
  auto topo = parsed(
    std::string{clusters}
    + process("control", 17000,
              "\"gateway\", \"control\", \"selector\", \"cluster_manager\"",
              "http = \"127.0.0.1:8080\"\n")
    + process("x", 17001, "\"balancer\", \"node\"",
              "balancers = [\"C1-b1\"]\nnodes = [\"C2-n1\"]\n")
    + process("y", 17002, "\"balancer\", \"node\"",
              "balancers = [\"C2-b1\"]\nnodes = [\"C1-n1\"]\n")
    + process("gw2", 17003, "\"gateway\"", "http = \"127.0.0.1:8081\"\n"));
  check_every_pair(topo);
  EXPECT_TRUE(contains(dial_plan_of(topo, "x").dials, "y"));
  EXPECT_TRUE(contains(dial_plan_of(topo, "y").accepts, "x"));
  // Two gateways want each other: the second dials the control's one.
  EXPECT_TRUE(contains(dial_plan_of(topo, "gw2").dials, "control"));
  EXPECT_TRUE(contains(dial_plan_of(topo, "gw2").dials, "x"));
  EXPECT_TRUE(dial_plan_of(topo, "control").dials.empty());
}

TEST(DialPlan, ClustersThatMoveNodesReachEachOthersNodeProcesses) {
  auto r = load_topology_file(std::string{TETHER_SOURCE_DIR}
                              + "/examples/topologies/multiprocess.toml");
  ASSERT_TRUE(r.value) << r.errors.to_string();
  auto topo = *r.value;
  EXPECT_FALSE(
    wants_peer(topo, *topo.find_process("C1-b1"), *topo.find_process("C2-n1")));
  // Both clusters take part in node moves: a balancer of one holds the
  // nodes of the other, so its process dials theirs.
  for (auto& c : topo.clusters)
    c.elastic.max_nodes = 3;
  check_every_pair(topo);
  EXPECT_TRUE(contains(dial_plan_of(topo, "C1-b1").dials, "C2-n1"));
  EXPECT_TRUE(contains(dial_plan_of(topo, "C2-b2").dials, "C1-n2"));
  EXPECT_TRUE(contains(dial_plan_of(topo, "C1-n1").accepts, "C2-b1"));
}

} // namespace
} // namespace tether::config
