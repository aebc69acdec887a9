// The dashboard (/ui/) in a real browser: starts tetherd and simulated
// devices, then runs dashboard.test.js (headless chromium driven by
// playwright-core, installed by `npm ci` in tests/ui) against them. The
// screenshots go to SCREENSHOTS (the build dir; docs/ui/ holds the
// committed ones: TETHER_UI_SCREENSHOTS=docs/ui to refresh them). Before
// the browser, 4 more devices on 4 addresses drop together: a GE class for
// the classes page and the terminal page's quality classes.
#include <csignal>
#include <cstdlib>
#include <filesystem>

#include "tests/e2e/simulator.hpp"
#include "tests/support/topology_builder.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

int connections(const tetherd_process& d) {
  auto v = json_of(http_call(d.http(), "GET", "/v1/admin/clusters").body);
  if (!v.is_object())
    return -1;
  int n = 0;
  for (auto& c : v.at("clusters").as_array())
    n += c.at("connections").to_number<int>();
  return n;
}

/// The first GE class GET /v1/admin/classes lists (empty: none); the
/// same drop also makes region GG1 a failing group (GF), listed too.
std::string first_class(const tetherd_process& d) {
  auto v = json_of(http_call(d.http(), "GET", "/v1/admin/classes").body);
  if (!v.is_object())
    return {};
  for (const auto& c : v.at("classes").as_array())
    if (str_at(c, "kind") == "disconnect")
      return str_at(c, "name");
  return {};
}

/// 4 devices on 4 addresses that drop together: a GE class (min 3
/// addresses) for the classes page; its name.
std::string form_class(tetherd_process& d, int base_connections) {
  auto sim = simulator(d,
                       {"--count", "4", "--id-prefix", "grp-", "--source-addrs",
                        "127.0.0.20-127.0.0.23", "--region", "GG1",
                        "--duration-s", "120"},
                       d.dir() + "/sim-grp.log");
  EXPECT_TRUE(
    eventually([&] { return connections(d) == base_connections + 4; }, 30s));
  sim->signal(SIGKILL);
  sim->wait(10s);
  std::string name;
  EXPECT_TRUE(
    eventually([&] { return !(name = first_class(d)).empty(); }, 15s));
  EXPECT_TRUE(
    eventually([&] { return connections(d) == base_connections; }, 15s));
  return name;
}

} // namespace

TEST(Dashboard, InChromium) {
  std::string dir = UI_TEST_DIR;
  if (!std::filesystem::exists(dir + "/node_modules/playwright-core"))
    GTEST_SKIP() << "playwright-core missing: run `npm ci` in tests/ui";
  tetherd_process d{topology_builder{}
                      .timers("keepalive = \"30s\"")
                      .section("labels.thresholds.disconnect_group",
                               "min_addresses = 3\nwindow = \"10m\"")
                      .toml()};
  d.start();
  constexpr int fleet = 6;
  auto sim
    = simulator(d,
                {"--count", std::to_string(fleet), "--id-prefix", "dev-",
                 "--region", "GG1", "--model", "GJ1", "--duration-s", "120"},
                d.dir() + "/sim.log");
  ASSERT_TRUE(eventually([&] { return connections(d) == fleet; }, 30s))
    << read_file(d.dir() + "/sim.log");
  auto ids
    = json_of(http_call(d.http(), "GET", "/v1/terminals?prefix=dev-").body);
  ASSERT_TRUE(ids.is_object());
  auto terminal = str_at(ids.at("terminals").as_array().at(0), "terminal_id");
  for (int i = 0; i < 3; ++i)
    http_call(d.http(), "POST", "/v1/terminals/" + terminal + "/jobs",
              R"({"service":"print","payload":{"n":)" + std::to_string(i)
                + "}}");
  auto ge = form_class(d, fleet);
  ASSERT_FALSE(ge.empty());
  const char* shots_env = std::getenv("TETHER_UI_SCREENSHOTS");
  std::string shots = shots_env != nullptr ? shots_env : SCREENSHOTS_DIR;
  std::filesystem::create_directories(shots);
  auto log = d.dir() + "/browser.log";
  auto browser = child_process::spawn(
    {"/usr/bin/env", "TETHER_URL=http://" + d.http(),
     "TETHER_KEY=" + d.admin_key(), "TETHER_TERMINAL=" + terminal,
     "TETHER_CONNECTIONS=" + std::to_string(fleet), "TETHER_CLASS=" + ge,
     "TETHER_CLASS_MEMBER=grp-0", "TETHER_CLASS_MEMBERS=4",
     "SCREENSHOTS=" + shots, "node", dir + "/dashboard.test.js"},
    log);
  auto status = browser->wait(120s);
  EXPECT_EQ(status, 0) << read_file(log);
  std::cout << read_file(log);
}
