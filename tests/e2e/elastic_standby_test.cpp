// Standby nodes and the autoscale command across processes (issue 14,
// items 1 and 4), on the shipped multiprocess.toml with C1-n2 declared
// standby (its process runs; the balancers keep it out of service):
//   - C1 pushed over scale_out wakes C1-n2, and new sessions land there;
//     still over scale_out with no standby left, the [autoscale] command
//     runs with the cluster and the figures as arguments, at most once per
//     min_interval; the woken state survives a control restart (stored);
//   - a killed active node is replaced by the standby at once, and the
//     devices' sessions move there.
#include <sstream>

#include "tests/e2e/simulator.hpp"
#include "tests/support/multiprocess.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

std::string topology(const std::string& cluster_extra,
                     const std::string& top = {}) {
  return shipped_multiprocess_topology_with(cluster_extra, top);
}

/// A node of C1 as GET /v1/admin/clusters lists it (null if not listed).
boost::json::value node_view(const std::string& http, const std::string& id) {
  auto c = cluster_view(http, "C1");
  if (c.is_object())
    for (auto& n : c.at("nodes").as_array())
      if (str_at(n, "node_id") == id)
        return n;
  return nullptr;
}

std::string node_state(const std::string& http, const std::string& id) {
  auto n = node_view(http, id);
  return n.is_object() ? str_at(n, "state") : std::string{};
}

int sessions(const std::string& http, const std::string& id) {
  auto n = node_view(http, id);
  return n.is_object() ? n.at("sessions").to_number<int>() : -1;
}

std::unique_ptr<child_process> fleet(multiprocess_deployment& d,
                                     const std::string& prefix, int count) {
  return simulator(d.http(),
                   {"--data", d.dir() + "/data-control", "--count",
                    std::to_string(count), "--id-prefix", prefix, "--region",
                    "GG1", "--backoff-min-ms", "100", "--backoff-max-ms", "500",
                    "--duration-s", "120"},
                   d.dir() + "/" + prefix + ".log");
}

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1))
    ++n;
  return n;
}

TEST(elastic_standby, over_scale_out_wakes_the_standby_then_runs_the_command) {
  temp_dir tmp;
  auto runs = tmp.path() + "/runs";
  auto script = tmp.path() + "/add-node.sh";
  // Appends one line per run: the time in ms, then the arguments.
  write_file(script, "#!/bin/sh\nout=\"$1\"; shift\n"
                     "echo \"$(date +%s%3N) $*\" >> \"$out\"\n");
  // Rebalancing off: this checks where new sessions go once C1-n2 is
  // woken (with it on, C1-n1's sessions also move to C1-n2 meanwhile, so
  // the new ones may rightly go to C1-n1).
  auto text = topology(
    R"(elastic = { standby = ["C1-n2"], scale_out = 2, scale_in = 0.5 })",
    "[reallocation]\nrebalance_ratio = 0\n"
    "[autoscale]\nperiod = \"1s\"\ncooldown = \"1s\"\nmin_interval = \"3s\"\n"
    "command = [\"/bin/sh\", \""
      + script + "\", \"" + runs + "\"]\n");
  auto d = multiprocess_deployment::start_retrying(text);
  EXPECT_TRUE(eventually(
    [&] { return node_state(d->http(), "C1-n2") == "standby"; }, 10s))
    << boost::json::serialize(cluster_view(d->http(), "C1"));
  // Six devices on one active node: 6 > 2 per node for a second.
  auto a = fleet(*d, "A", 6);
  ASSERT_TRUE(
    eventually([&] { return node_state(d->http(), "C1-n2") == "active"; }, 30s))
    << boost::json::serialize(cluster_view(d->http(), "C1")) << d->logs();
  EXPECT_NE(d->log("control").find("node C1-n2 of C1 woken from standby"),
            std::string::npos);
  // (It may wake before all six are connected: then some are on it.)
  ASSERT_TRUE(eventually(
    [&] {
      return sessions(d->http(), "C1-n1") + sessions(d->http(), "C1-n2") == 6;
    },
    30s))
    << boost::json::serialize(cluster_view(d->http(), "C1"));
  auto before = sessions(d->http(), "C1-n2");
  // New sessions land on the woken node (the fewer sessions): at least
  // half of four more, all four when the six were on C1-n1.
  auto b = fleet(*d, "B", 4);
  EXPECT_TRUE(eventually(
    [&] {
      return sessions(d->http(), "C1-n1") + sessions(d->http(), "C1-n2") == 10
          && sessions(d->http(), "C1-n2") >= before + 2;
    },
    30s))
    << before << boost::json::serialize(cluster_view(d->http(), "C1"));
  // 10 on 2 nodes is still over 2 and no standby is left: the command
  // runs, then again no sooner than min_interval later.
  ASSERT_TRUE(
    eventually([&] { return count_of(read_file(runs), "\n") >= 2; }, 30s))
    << read_file(runs) << d->log("control");
  std::istringstream lines{read_file(runs)};
  long long t1 = 0, t2 = 0;
  std::string rest1, rest2;
  lines >> t1;
  std::getline(lines, rest1);
  lines >> t2;
  std::getline(lines, rest2);
  EXPECT_GE(t2 - t1, 2'900) << read_file(runs); // 3 s, to the script's clock
  EXPECT_NE(rest1.find("C1 scale_out sessions="), std::string::npos) << rest1;
  EXPECT_NE(rest1.find(" nodes=2"), std::string::npos) << rest1;
  EXPECT_NE(d->log("control").find("autoscale command for C1: exited 0"),
            std::string::npos);
  // The woken state is stored: a restarted control lists C1-n2 active from
  // its first report on (the topology alone would say standby; "unknown"
  // until a balancer of C1 has answered the new control).
  d->kill9("control");
  d->start_process("control");
  std::string first;
  ASSERT_TRUE(eventually(
    [&] {
      first = node_state(d->http(), "C1-n2");
      return !first.empty() && first != "unknown";
    },
    30s))
    << d->logs();
  EXPECT_EQ(first, "active");
}

TEST(elastic_standby, a_killed_node_is_replaced_by_the_standby_at_once) {
  // No thresholds (and long periods): only the failure wakes C1-n2.
  // Until C1-n2 is woken the devices of the killed node are closed "try
  // again" and retry every 0.1-0.5 s: more than the flap limit may allow.
  auto text = topology(R"(elastic = { standby = ["C1-n2"] })",
                       "[autoscale]\nperiod = \"1h\"\ncooldown = \"1h\"\n"
                       "[limits]\nflap_limit = 100000\n");
  auto d = multiprocess_deployment::start_retrying(text);
  auto a = fleet(*d, "K", 5);
  ASSERT_TRUE(eventually(
    [&] {
      return sessions(d->http(), "C1-n1") == 5
          && node_state(d->http(), "C1-n2") == "standby";
    },
    30s))
    << boost::json::serialize(cluster_view(d->http(), "C1")) << d->logs();
  d->kill9("C1-n1");
  EXPECT_TRUE(eventually(
    [&] {
      return node_state(d->http(), "C1-n2") == "active"
          && sessions(d->http(), "C1-n2") == 5;
    },
    30s))
    << boost::json::serialize(cluster_view(d->http(), "C1")) << d->logs();
  EXPECT_NE(d->log("control").find(
              "node C1-n2 of C1 woken from standby: replaces a failed node"),
            std::string::npos)
    << d->log("control");
}

} // namespace
