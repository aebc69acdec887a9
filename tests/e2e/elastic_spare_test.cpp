// The spare process started by the autoscale command (issue 14, item 4), on
// the shipped multiprocess.toml with a third node of C1, C1-n3, in a
// process C1-spare that the test does not start, and the shipped
// examples/elastic/start-spare.sh as [autoscale] command: C1 over
// scale_out with no standby runs the command (again at most once per
// min_interval; the script starts the spare only once), the spare process
// starts, C1's balancers reach it and C1-n3 takes sessions like any node.
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <regex>

#include "tests/e2e/simulator.hpp"
#include "tests/support/multiprocess.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

std::string topology(const std::string& wrapper) {
  auto text = shipped_multiprocess_topology_with(
    "elastic = { scale_out = 2 }",
    "[autoscale]\nperiod = \"1s\"\ncooldown = \"1s\"\nmin_interval = \"2s\"\n"
    "command = [\"/bin/sh\", \""
      + wrapper + "\"]\n");
  text = std::regex_replace(text, std::regex{R"(nodes = \["C1-n1", "C1-n2"\])"},
                            R"(nodes = ["C1-n1", "C1-n2", "C1-n3"])");
  return text + R"(
[[processes]]
name = "C1-spare"
caf_port = 17015
roles = ["node"]
nodes = ["C1-n3"]
data = "tether-data/C1-spare"
)";
}

std::pair<std::string, int> node_of(const std::string& http,
                                    const std::string& id) {
  auto c = cluster_view(http, "C1");
  if (c.is_object())
    for (auto& n : c.at("nodes").as_array())
      if (str_at(n, "node_id") == id)
        return {str_at(n, "state"), n.at("sessions").to_number<int>()};
  return {};
}

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1))
    ++n;
  return n;
}

/// Kills the spare the script started (not a child of the test) at the end.
struct spare_guard {
  std::string pidfile;
  ~spare_guard() {
    auto text = read_file(pidfile);
    if (!text.empty())
      ::kill(std::atoi(text.c_str()), SIGKILL);
  }
};

TEST(elastic_spare, the_command_starts_the_spare_process_and_it_joins) {
  temp_dir tmp;
  auto wrapper = tmp.path() + "/start-spare.sh";
  multiprocess_deployment d{topology(wrapper)};
  // The shipped script, with the deployment's topology as CONFIG; tetherd
  // and the log folder through its environment (inherited by the command).
  write_file(wrapper, "exec /bin/sh " + std::string{TETHER_SOURCE_DIR}
                        + "/examples/elastic/start-spare.sh " + d.dir()
                        + "/topology.toml \"$@\"\n");
  ::setenv("TETHERD", TETHERD_PATH, 1);
  ::setenv("SPARE_LOG_DIR", d.dir().c_str(), 1);
  spare_guard guard{d.dir() + "/C1-spare.pid"};
  std::vector<std::string> order;
  for (const auto& n : d.names())
    if (n != "C1-spare")
      order.push_back(n);
  d.start(order);
  EXPECT_EQ(node_of(d.http(), "C1-n3").first, "failed");
  // Six devices on two nodes: 3 per node is over 2, no standby: the command
  // runs and starts C1-spare; C1-n3 becomes active.
  auto fleet
    = simulator(d.http(),
                {"--data", d.dir() + "/data-control", "--count", "6",
                 "--id-prefix", "S", "--region", "GG1", "--backoff-min-ms",
                 "100", "--backoff-max-ms", "500", "--duration-s", "120"},
                d.dir() + "/S.log");
  ASSERT_TRUE(eventually(
    [&] { return node_of(d.http(), "C1-n3").first == "active"; }, 60s))
    << boost::json::serialize(cluster_view(d.http(), "C1")) << "\n"
    << d.log("control") << read_file(d.dir() + "/C1-spare.log");
  auto control = d.log("control");
  EXPECT_NE(control.find("running the autoscale command"), std::string::npos);
  EXPECT_NE(control.find("autoscale command for C1: exited 0"),
            std::string::npos)
    << control;
  // New sessions land on the spare's node (the emptiest): six more.
  auto more
    = simulator(d.http(),
                {"--data", d.dir() + "/data-control", "--count", "6",
                 "--id-prefix", "T", "--region", "GG1", "--backoff-min-ms",
                 "100", "--backoff-max-ms", "500", "--duration-s", "120"},
                d.dir() + "/T.log");
  EXPECT_TRUE(eventually(
    [&] {
      return node_of(d.http(), "C1-n1").second
               + node_of(d.http(), "C1-n2").second
               + node_of(d.http(), "C1-n3").second
            == 12
          && node_of(d.http(), "C1-n3").second >= 2;
    },
    30s))
    << boost::json::serialize(cluster_view(d.http(), "C1"));
  // 12 on 3 nodes is over 2: the command runs again (min_interval 2 s), and
  // the script starts no second spare.
  ASSERT_TRUE(eventually(
    [&] {
      return count_of(d.log("control"), "autoscale command for C1: exited 0")
          >= 2;
    },
    30s))
    << d.log("control");
  // The command's output is tetherd's (the control's log): the script
  // started the spare once, and found it running afterwards.
  control = d.log("control");
  EXPECT_EQ(count_of(control, "starting C1-spare for C1"), 1u) << control;
  EXPECT_GE(count_of(control, "C1-spare already runs"), 1u) << control;
}

} // namespace
