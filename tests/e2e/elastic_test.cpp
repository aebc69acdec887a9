// Elastic fleet across processes (issue 14, items 5-7), on the shipped
// multiprocess.toml (two balancer and two node processes per cluster):
//   - tier caps: C1 takes at most 4 devices with plan=free across both its
//     balancers; the others are closed 1013 naming the cap, paid devices
//     are all served, a register over the cap answers 503, and the cap
//     still holds (recounted, not drifted) after a balancer is killed;
//   - balancer health: the killed balancer shows in balancers_down and is
//     listed last in destinations until it is back;
//   - load ÷ capacity: with least_load and C1-n1 three times C1-n2's
//     capacity, n1 takes at least twice n2's sessions (3:1 per balancer,
//     rounded).
#include <regex>

#include "tests/e2e/simulator.hpp"
#include "tests/support/multiprocess.hpp"

using namespace tether::test;
using namespace std::chrono_literals;

namespace {

std::string topology(const std::string& cluster_extra,
                     const std::string& top = {}) {
  return shipped_multiprocess_topology_with(cluster_extra, top);
}

int number_at(const boost::json::value& v,
              std::initializer_list<const char*> path) {
  const boost::json::value* at = &v;
  for (auto key : path) {
    if (!at->is_object() || !at->as_object().contains(key))
      return -1;
    at = &at->at(key);
  }
  return at->to_number<int>();
}

int free_connections(const std::string& http) {
  auto c = cluster_view(http, "C1");
  return c.is_object() ? number_at(c, {"tier_caps", "plan=free", "connections"})
                       : -1;
}

std::unique_ptr<child_process> fleet(multiprocess_deployment& d,
                                     const std::string& prefix, int count,
                                     std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"--data",           d.dir() + "/data-control",
                                "--count",          std::to_string(count),
                                "--id-prefix",      prefix,
                                "--region",         "GG1",
                                "--backoff-min-ms", "100",
                                "--backoff-max-ms", "500",
                                "--duration-s",     "120"};
  args.insert(args.end(), extra.begin(), extra.end());
  return simulator(d.http(), args, d.dir() + "/" + prefix + ".log");
}

TEST(elastic, tier_cap_refuses_the_capped_tier_only_across_balancers) {
  // The refused devices retry every 0.1-0.5 s here: more often than the
  // listener's flap limit (15 a minute) allows.
  auto text = topology("caps = { plan = { free = 4 } }",
                       "[limits]\nflap_limit = 100000\n");
  auto d = multiprocess_deployment::start_retrying(text);
  // debug: the simulator logs each close (code and reason) at debug.
  auto free
    = fleet(*d, "F", 7, {"--attr", "plan=free", "--log-level", "debug"});
  auto paid = fleet(*d, "P", 6, {"--attr", "plan=paid"});
  auto both = [&] {
    auto c = cluster_view(d->http(), "C1");
    return c.is_object() && number_at(c, {"connections"}) == 10
        && free_connections(d->http()) == 4;
  };
  ASSERT_TRUE(eventually(both, 30s))
    << boost::json::serialize(cluster_view(d->http(), "C1")) << d->logs();
  auto flog = read_file(d->dir() + "/F.log");
  EXPECT_NE(flog.find("close code 1013"), std::string::npos) << flog;
  EXPECT_NE(flog.find("cap for plan=free (4 connections); retry after"),
            std::string::npos)
    << flog;
  EXPECT_EQ(read_file(d->dir() + "/P.log").find("close code 1013"),
            std::string::npos);
  auto c = cluster_view(d->http(), "C1");
  EXPECT_EQ(number_at(c, {"tier_caps", "plan=free", "max"}), 4);

  // Over the cap, a register answers 503 with Retry-After naming the cap;
  // a paid device registers.
  auto key = enrollment_key(d->dir() + "/data-control");
  auto reg = [&](const std::string& id, const std::string& plan) {
    return device_call(
      d->http(), key, id, "POST", "/v1/terminals/register",
      R"({"terminal_id":")" + id
        + R"(","model":"GJ1","region":"GG1","attributes":{"plan":")" + plan
        + R"("}})");
  };
  auto refused = reg("FX", "free");
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("cap for plan=free"), std::string::npos)
    << refused.body;
  EXPECT_EQ(reg("PX", "paid").status, 200);

  // A balancer dies: its devices reconnect to the other one, the cap holds
  // (the count is the balancers' recount), and the dead balancer is listed
  // down, and last in destinations.
  d->kill9("C1-b1");
  ASSERT_TRUE(eventually(
    [&] {
      auto v = cluster_view(d->http(), "C1");
      return v.is_object() && v.at("balancers_down").as_array().size() == 1;
    },
    20s))
    << d->logs();
  ASSERT_TRUE(eventually(both, 30s))
    << boost::json::serialize(cluster_view(d->http(), "C1")) << d->logs();
  auto down = std::string{cluster_view(d->http(), "C1")
                            .at("balancers_down")
                            .as_array()
                            .at(0)
                            .as_string()};
  EXPECT_NE(down.find(":"), std::string::npos);
  for (auto id : {"P0", "P1", "P2"}) {
    auto dest = json_of(destination_of(d->http(), key, id).body);
    auto urls = dest.at("cluster_urls").as_array();
    ASSERT_EQ(urls.size(), 2u) << dest;
    EXPECT_EQ(std::string{urls.at(1).as_string()}, down) << dest;
  }
  // Still 4 free after the refused ones retried once more (a positive
  // event: the free fleet's log grew by another refusal).
  auto refusals = [&] {
    auto log = read_file(d->dir() + "/F.log");
    size_t n = 0;
    for (auto at = log.find("close code 1013"); at != std::string::npos;
         at = log.find("close code 1013", at + 1))
      ++n;
    return n;
  };
  auto seen = refusals();
  ASSERT_TRUE(eventually([&] { return refusals() > seen + 3; }, 20s));
  EXPECT_EQ(free_connections(d->http()), 4);
  // Back: no longer down.
  d->start_process("C1-b1");
  EXPECT_TRUE(eventually(
    [&] {
      auto v = cluster_view(d->http(), "C1");
      return v.is_object() && v.at("balancers_down").as_array().empty()
          && v.at("balancers").as_array().size() == 2;
    },
    20s))
    << d->logs();
}

TEST(elastic, least_load_divides_by_node_capacity) {
  auto text = std::regex_replace(
    topology("node_capacity = { C1-n1 = 3, C1-n2 = 1 }"),
    std::regex{R"(cluster_strategy = "fewest_connections")"},
    "cluster_strategy = \"fewest_connections\"\nnode_strategy = \"least_load\"");
  auto d = multiprocess_deployment::start_retrying(text);
  auto devices = fleet(*d, "L", 24);
  auto sessions = [&](const char* node) {
    auto c = cluster_view(d->http(), "C1");
    if (c.is_object())
      for (auto& n : c.at("nodes").as_array())
        if (str_at(n, "node_id") == node)
          return n.at("sessions").to_number<int>();
    return -1;
  };
  ASSERT_TRUE(eventually(
    [&] { return sessions("C1-n1") + sessions("C1-n2") == 24; }, 30s))
    << boost::json::serialize(cluster_view(d->http(), "C1")) << d->logs();
  // Each of the two balancers splits its own share 3:1 (before the nodes'
  // memory is reported; after, n1's memory ÷ 3 is the lighter): rounded per
  // balancer, n1 holds at least twice n2's sessions.
  EXPECT_GE(sessions("C1-n1"), 2 * sessions("C1-n2"))
    << boost::json::serialize(cluster_view(d->http(), "C1"));
  auto c = cluster_view(d->http(), "C1");
  for (auto& n : c.at("nodes").as_array())
    EXPECT_EQ(n.at("capacity").to_number<int>(),
              str_at(n, "node_id") == "C1-n1" ? 3 : 1);
}

} // namespace
