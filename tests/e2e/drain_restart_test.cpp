// A drain interrupted by a control restart (issue 14): the shipped
// multiprocess.toml, each process its own OS process. Node C1-n1 is drained
// slowly ([reallocation] max_rate = 1: each balancer moves one session a
// second); once the first sessions have left it, the control process is
// killed (-9) and started again. The drain goes on and ends (the balancers
// hold the node's state; the restarted control reads it back from the
// store), the node is still listed as draining, no device was disconnected,
// and jobs pushed after the restart reach every device.
#include <cstdio>

#include "tests/e2e/simulator.hpp"
#include "tests/support/multiprocess.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

constexpr int devices = 12;

/// C1-n1's state and sessions as GET /v1/admin/clusters lists them.
std::pair<std::string, int> node_view(const std::string& http,
                                      const std::string& node) {
  auto c = cluster_view(http, "C1");
  if (c.is_object())
    for (auto& n : c.at("nodes").as_array())
      if (str_at(n, "node_id") == node)
        return {str_at(n, "state"), n.at("sessions").to_number<int>()};
  return {};
}

TEST(drain_restart, a_drain_goes_on_through_a_control_restart) {
  auto d = multiprocess_deployment::start_retrying(
    shipped_multiprocess_topology_with("", "[reallocation]\nmax_rate = 1\n"));
  auto sim = simulator(d->http(),
                       {"--data", d->dir() + "/data-control", "--count",
                        std::to_string(devices), "--id-prefix", "D", "--region",
                        "GG1", "--backoff-min-ms", "100", "--backoff-max-ms",
                        "500", "--duration-s", "150"},
                       d->dir() + "/D.log");
  int on_n1 = 0;
  ASSERT_TRUE(eventually(
    [&] {
      on_n1 = node_view(d->http(), "C1-n1").second;
      return on_n1 + node_view(d->http(), "C1-n2").second == devices;
    },
    40s))
    << boost::json::serialize(cluster_view(d->http(), "C1")) << d->logs();
  ASSERT_GE(on_n1, 3) << "too few sessions on C1-n1 to stop a drain midway";
  auto drained = http_call(d->http(), "PUT", "/v1/admin/nodes/C1-n1",
                           R"({"state":"draining"})", 5s);
  ASSERT_EQ(drained.status, 200) << drained.body;
  // The first sessions left, not all of them: kill the control now.
  ASSERT_TRUE(eventually(
    [&] { return node_view(d->http(), "C1-n1").second < on_n1; }, 20s))
    << boost::json::serialize(cluster_view(d->http(), "C1"));
  auto left_at_kill = node_view(d->http(), "C1-n1").second;
  std::printf("[drain] %d of %d sessions on C1-n1 at the kill\n", left_at_kill,
              on_n1);
  d->kill9("control");
  d->start_process("control");
  // The drain ends; the node is still draining after the restart.
  std::pair<std::string, int> n1;
  ASSERT_TRUE(eventually(
    [&] {
      n1 = node_view(d->http(), "C1-n1");
      return n1.first == "draining" && n1.second == 0
          && node_view(d->http(), "C1-n2").second == devices;
    },
    60s))
    << "C1-n1 " << n1.first << " with " << n1.second << " sessions ("
    << left_at_kill << " at the kill)\n"
    << boost::json::serialize(cluster_view(d->http(), "C1")) << "\n"
    << d->log("control");
  EXPECT_GT(left_at_kill, 0) << "the drain was over before the kill: the "
                                "test did not interrupt it";
  // No device lost its socket, and each is reachable through the
  // restarted control.
  auto text = read_file(d->dir() + "/D.log");
  EXPECT_EQ(text.find("disconnected"), std::string::npos) << text;
  auto jobs = push_one_job_each(d->http(), "D", devices);
  EXPECT_TRUE(eventually([&] { return all_done(d->http(), jobs); }, 40s))
    << d->log("control");
}

} // namespace
