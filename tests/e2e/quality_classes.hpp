// A quality class formed for real, for the end-to-end tests of the class
// views (class_admin_test, events_class_test): a topology that forms GE
// classes of 6 addresses, and 8 simulated devices that drop together.
#pragma once

#include <csignal>
#include <string>

#include "tests/e2e/simulator.hpp"
#include "tests/support/topology_builder.hpp"

namespace tether::test {

/// 8 devices on 8 addresses that drop together: one GE class (min 6
/// addresses) of c-0..c-7; its name.
inline std::string form_class(tetherd_process& server) {
  using namespace std::chrono_literals;
  auto sim = simulator(server,
                       {"--count", "8", "--id-prefix", "c-", "--source-addrs",
                        "127.0.0.10-127.0.0.17", "--duration-s", "120",
                        "--stats-interval-s", "0", "--log-level", "warn"},
                       server.dir() + "/sim-c-log");
  EXPECT_TRUE(eventually([&] { return connected(server) == 8; }, 30s));
  sim->signal(SIGKILL);
  sim->wait(10s);
  EXPECT_TRUE(eventually(
    [&] { return disconnect_group_of(server, "c-0").rfind("ge-", 0) == 0; },
    15s));
  return disconnect_group_of(server, "c-0");
}

/// Placement by GE class: classes of 6 addresses within 10 minutes, kept
/// 720 h; CALM takes devices in none, S1 those in one.
inline std::string class_topology() {
  return topology_builder{}
    .label_table(R"(items = ["disconnect_group"])")
    .no_clusters()
    .section("labels.thresholds.disconnect_group",
             "min_addresses = 6\nwindow = \"10m\"")
    .section("placement", "class_ttl = \"720h\"")
    .add_cluster("CALM", R"({ disconnect_group = ["none"] })")
    .add_cluster("S1", R"({ disconnect_group = "*" })")
    .toml();
}

} // namespace tether::test
