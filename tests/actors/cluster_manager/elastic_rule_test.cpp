// The elastic rule (actors/cluster_manager/elastic_rule.hpp) without
// actors: the figures taken from a cluster's merged status, waking above
// scale_out after the period, returning below scale_in, ties at both
// thresholds, the cooldown between changes, the replacement of a failed
// node at once, the command when no standby is left (once per interval),
// and a load flapping around a threshold that must not make nodes
// oscillate.
#include "actors/cluster_manager/elastic_rule.hpp"

#include <gtest/gtest.h>

namespace tether {
namespace {

config::cluster_elastic_config limits(double out, double in) {
  config::cluster_elastic_config c;
  c.scale_out = out;
  c.scale_in = in;
  c.standby = {"n3", "n4"};
  return c;
}

/// A cluster with `sessions` over the active nodes, `standby` live standby
/// nodes, and `woken` of the active nodes declared standby.
elastic_figures figures(uint64_t sessions, std::vector<std::string> active,
                        std::vector<std::string> standby = {"n3"},
                        std::vector<std::string> woken = {}) {
  elastic_figures f;
  f.cluster_id = "C1";
  f.sessions = sessions;
  for (auto& n : active)
    f.active.push_back({n, 0});
  f.standby = std::move(standby);
  for (auto& n : woken)
    f.woken.push_back({n, 0});
  return f;
}

elastic_rule rule_with(int period_ms, int cooldown_ms) {
  elastic_rule r;
  r.period = std::chrono::milliseconds{period_ms};
  r.cooldown = std::chrono::milliseconds{cooldown_ms};
  r.command_interval = std::chrono::milliseconds{5'000};
  return r;
}

TEST(ElasticRule, WakesTheFirstStandbyOnceAboveScaleOutForThePeriod) {
  auto rule = rule_with(1'000, 0);
  auto lim = limits(10, 2);
  auto f = figures(21, {"n1", "n2"}, {"n3", "n4"});           // 10.5 per node
  EXPECT_EQ(rule.decide(lim, f, 0).step, elastic_step::none); // starts
  EXPECT_EQ(rule.decide(lim, f, 999).step, elastic_step::none);
  auto d = rule.decide(lim, f, 1'000);
  EXPECT_EQ(d.step, elastic_step::wake);
  EXPECT_EQ(d.node, "n3");
  EXPECT_EQ(d.sessions, 21u);
  EXPECT_EQ(d.nodes, 2u);
  EXPECT_NE(d.reason.find("21 sessions on 2 active nodes (over scale_out 10)"),
            std::string::npos)
    << d.reason;
  // A change restarts the period: the next wake needs another full one.
  EXPECT_EQ(rule.decide(lim, f, 1'500).step, elastic_step::none);
  EXPECT_EQ(rule.decide(lim, f, 2'499).step, elastic_step::none);
  EXPECT_EQ(rule.decide(lim, f, 2'500).step, elastic_step::wake);
}

TEST(ElasticRule, ExactlyAtAThresholdIsNeitherAboveNorBelow) {
  auto rule = rule_with(0, 0);
  auto lim = limits(10, 2);
  // 20 on 2 nodes: at scale_out, not over it.
  EXPECT_EQ(rule.decide(lim, figures(20, {"n1", "n2"}), 0).step,
            elastic_step::none);
  EXPECT_EQ(rule.decide(lim, figures(20, {"n1", "n2"}), 5'000).step,
            elastic_step::none);
  // 4 on 2 nodes with a woken one: at scale_in, not under it.
  auto f = figures(4, {"n1", "n3"}, {}, {"n3"});
  EXPECT_EQ(rule.decide(lim, f, 10'000).step, elastic_step::none);
  f.sessions = 3;
  EXPECT_EQ(rule.decide(lim, f, 10'001).step, elastic_step::release);
}

TEST(ElasticRule, AnInterruptedPeriodStartsAgain) {
  auto rule = rule_with(1'000, 0);
  auto lim = limits(10, 2);
  auto high = figures(30, {"n1", "n2"});
  auto low = figures(18, {"n1", "n2"});
  EXPECT_EQ(rule.decide(lim, high, 0).step, elastic_step::none);
  EXPECT_EQ(rule.decide(lim, low, 900).step, elastic_step::none);
  EXPECT_EQ(rule.decide(lim, high, 1'000).step, elastic_step::none);
  EXPECT_EQ(rule.decide(lim, high, 1'999).step, elastic_step::none);
  EXPECT_EQ(rule.decide(lim, high, 2'000).step, elastic_step::wake);
}

TEST(ElasticRule, ReturnsTheEmptiestWokenNodeBelowScaleIn) {
  auto rule = rule_with(1'000, 0);
  auto lim = limits(10, 3);
  auto f = figures(5, {"n1", "n2", "n3", "n4"}, {}, {"n3", "n4"});
  f.woken[0].sessions = 2;
  f.woken[1].sessions = 1;
  EXPECT_EQ(rule.decide(lim, f, 0).step, elastic_step::none);
  auto d = rule.decide(lim, f, 1'000);
  EXPECT_EQ(d.step, elastic_step::release);
  EXPECT_EQ(d.node, "n4");
  EXPECT_NE(d.reason.find("under scale_in 3"), std::string::npos) << d.reason;
  // Ties: the first by id.
  auto rule2 = rule_with(0, 0);
  f.woken[0].sessions = 1;
  EXPECT_EQ(rule2.decide(lim, f, 0).node, "n3");
}

TEST(ElasticRule, NeverReturnsABaseNodeNorTheLastOne) {
  auto rule = rule_with(0, 0);
  auto lim = limits(10, 3);
  // Nothing woken: the topology's active nodes stay.
  EXPECT_EQ(rule.decide(lim, figures(0, {"n1", "n2"}), 0).step,
            elastic_step::none);
  // A woken node that is the only active one (its base node failed).
  EXPECT_EQ(rule.decide(lim, figures(0, {"n3"}, {}, {"n3"}), 1).step,
            elastic_step::none);
}

TEST(ElasticRule, DoesNotReturnANodeWhoseSessionsWouldPushTheRestOverScaleOut) {
  auto rule = rule_with(0, 0);
  // 2.5 per node is under scale_in 3, but 5 on one node would be over
  // scale_out 4: it stays.
  auto lim = limits(4, 3);
  auto f = figures(5, {"n1", "n3"}, {}, {"n3"});
  EXPECT_EQ(rule.decide(lim, f, 0).step, elastic_step::none);
  EXPECT_EQ(rule.decide(lim, f, 60'000).step, elastic_step::none);
  // At scale_out exactly on the rest it may go (4 is not over 4).
  f.sessions = 4;
  EXPECT_EQ(rule.decide(lim, f, 60'001).step, elastic_step::release);
}

TEST(ElasticRule, TheCooldownSeparatesTwoChanges) {
  auto rule = rule_with(0, 10'000);
  auto lim = limits(10, 3);
  auto f = figures(50, {"n1", "n2"}, {"n3", "n4"});
  EXPECT_EQ(rule.decide(lim, f, 0).step, elastic_step::wake);
  f = figures(50, {"n1", "n2", "n3"}, {"n4"}, {"n3"});
  EXPECT_EQ(rule.decide(lim, f, 9'999).step, elastic_step::none);
  EXPECT_EQ(rule.decide(lim, f, 10'000).step, elastic_step::wake);
}

TEST(ElasticRule, LoadFlappingAroundTheThresholdsDoesNotOscillate) {
  // scale_out 10, scale_in 4, period 3 s, cooldown 10 s: the load flips
  // each second between just over scale_out and just under scale_in.
  auto rule = rule_with(3'000, 10'000);
  auto lim = limits(10, 4);
  std::vector<std::string> active{"n1", "n2"};
  std::vector<std::string> standby{"n3", "n4"};
  std::vector<std::string> woken;
  int changes = 0;
  for (int s = 0; s < 600; ++s) {
    auto per = s % 2 == 0 ? 11 : 3;
    auto f = figures(per * active.size(), active, standby, woken);
    auto d = rule.decide(lim, f, s * 1'000);
    if (d.step == elastic_step::wake) {
      active.push_back(d.node);
      woken.push_back(d.node);
      standby.erase(standby.begin());
      ++changes;
    } else if (d.step == elastic_step::release) {
      ++changes;
    }
  }
  // Neither threshold ever holds for 3 s in a row.
  EXPECT_EQ(changes, 0);
  // A load that stays high wakes both standby nodes, 10 s apart at least,
  // and then nothing more.
  int64_t last = -1;
  for (int s = 0; s < 100; ++s) {
    auto f = figures(12 * active.size(), active, standby, woken);
    auto d = rule.decide(lim, f, 1'000'000 + s * 1'000);
    if (d.step == elastic_step::wake) {
      if (last >= 0) {
        EXPECT_GE(1'000'000 + s * 1'000 - last, 10'000);
      }
      last = 1'000'000 + s * 1'000;
      active.push_back(d.node);
      woken.push_back(d.node);
      standby.erase(standby.begin());
    }
  }
  EXPECT_EQ(active.size(), 4u);
  EXPECT_TRUE(standby.empty());
}

TEST(ElasticRule, AFailedNodeIsReplacedAtOnce) {
  auto rule = rule_with(60'000, 60'000);
  auto lim = limits(0, 0); // thresholds off: replacement still works
  auto f = figures(0, {"n2"}, {"n3"});
  f.lost = 1;
  auto d = rule.decide(lim, f, 0);
  EXPECT_EQ(d.step, elastic_step::wake);
  EXPECT_EQ(d.node, "n3");
  EXPECT_EQ(d.reason, "replaces a failed node");
  // Also within the cooldown of that change.
  f = figures(0, {"n3"}, {"n4"});
  f.lost = 1;
  EXPECT_EQ(rule.decide(lim, f, 1).step, elastic_step::wake);
  // No active node left at all: wake one, whatever the figures.
  auto none = figures(0, {}, {"n4"});
  d = rule.decide(lim, none, 2);
  EXPECT_EQ(d.step, elastic_step::wake);
  EXPECT_EQ(d.reason, "no active node is left");
  // Nothing to wake: nothing.
  auto empty = figures(0, {}, {});
  empty.lost = 1;
  EXPECT_EQ(rule.decide(lim, empty, 3).step, elastic_step::none);
}

TEST(ElasticRule, RunsTheCommandWhenNoStandbyIsLeftOncePerInterval) {
  auto rule = rule_with(1'000, 0);
  rule.has_command = true;
  auto lim = limits(10, 2);
  auto f = figures(40, {"n1", "n2"}, {});
  EXPECT_EQ(rule.decide(lim, f, 0).step, elastic_step::none);
  auto d = rule.decide(lim, f, 1'000);
  EXPECT_EQ(d.step, elastic_step::command);
  EXPECT_EQ(d.sessions, 40u);
  EXPECT_EQ(d.nodes, 2u);
  int runs = 1;
  for (int t = 1'001; t < 11'001; t += 100)
    runs += rule.decide(lim, f, t).step == elastic_step::command;
  // At 6 s and 11 s (not yet): 1 s, 6 s; the interval is 5 s.
  EXPECT_EQ(runs, 2);
  // Without a command: nothing.
  auto plain = rule_with(0, 0);
  EXPECT_EQ(plain.decide(lim, f, 0).step, elastic_step::none);
  // Below the threshold: no command either.
  auto quiet = rule_with(0, 0);
  quiet.has_command = true;
  EXPECT_EQ(quiet.decide(lim, figures(20, {"n1", "n2"}, {}), 0).step,
            elastic_step::none);
}

TEST(ElasticRule, ClustersAreTrackedApart) {
  auto rule = rule_with(1'000, 0);
  auto lim = limits(10, 2);
  auto a = figures(30, {"n1"});
  auto b = figures(30, {"m1"});
  b.cluster_id = "C2";
  EXPECT_EQ(rule.decide(lim, a, 0).step, elastic_step::none);
  EXPECT_EQ(rule.decide(lim, b, 900).step, elastic_step::none);
  EXPECT_EQ(rule.decide(lim, a, 1'000).step, elastic_step::wake);
  EXPECT_EQ(rule.decide(lim, b, 1'000).step, elastic_step::none);
  EXPECT_EQ(rule.decide(lim, b, 1'900).step, elastic_step::wake);
}

// -- CPU rules ---------------------------------------------------------------

config::cluster_elastic_config cpu_limits(double out, double in) {
  config::cluster_elastic_config c;
  c.scale_out_cpu = out;
  c.scale_in_cpu = in;
  c.standby = {"n3", "n4"};
  return c;
}

TEST(ElasticRuleCpu, WakesAStandbyAboveScaleOutCpuForThePeriod) {
  auto rule = rule_with(1'000, 0);
  auto lim = cpu_limits(0.8, 0.2);
  auto f = figures(4, {"n1", "n2"}, {"n3"});
  f.cpu = 0.81;
  EXPECT_EQ(rule.decide(lim, f, 0).step, elastic_step::none);
  auto d = rule.decide(lim, f, 1'000);
  EXPECT_EQ(d.step, elastic_step::wake);
  EXPECT_EQ(d.node, "n3");
  EXPECT_DOUBLE_EQ(d.cpu, 0.81);
  EXPECT_NE(d.reason.find("4 sessions on 2 active nodes, CPU 0.81 per node "
                          "(over scale_out_cpu 0.8)"),
            std::string::npos)
    << d.reason;
  // Exactly at it is not over it.
  auto at = rule_with(0, 0);
  f.cpu = 0.8;
  EXPECT_EQ(at.decide(lim, f, 0).step, elastic_step::none);
  EXPECT_EQ(at.decide(lim, f, 60'000).step, elastic_step::none);
}

TEST(ElasticRuleCpu, EitherScaleOutWakesAndTheCommandRunsWithNoStandby) {
  auto rule = rule_with(0, 0);
  rule.has_command = true;
  auto lim = cpu_limits(0.8, 0.2);
  lim.scale_out = 100;
  // 10 sessions per node (under 100) but CPU over: above.
  auto f = figures(20, {"n1", "n2"}, {});
  f.cpu = 0.9;
  auto d = rule.decide(lim, f, 0);
  EXPECT_EQ(d.step, elastic_step::command);
  EXPECT_NE(d.reason.find("over scale_out_cpu"), std::string::npos);
  // Sessions over, CPU under: above too, and the reason names sessions.
  auto rule2 = rule_with(0, 0);
  f = figures(300, {"n1", "n2"}, {"n3"});
  f.cpu = 0.1;
  d = rule2.decide(lim, f, 0);
  EXPECT_EQ(d.step, elastic_step::wake);
  EXPECT_NE(d.reason.find("(over scale_out 100)"), std::string::npos);
}

TEST(ElasticRuleCpu, ReturnsBelowScaleInCpuOnlyWhenEveryScaleInHolds) {
  auto lim = cpu_limits(0.8, 0.2);
  lim.scale_out = 100;
  lim.scale_in = 10;
  // CPU under 0.2 but 15 sessions per node (not under 10): stays.
  auto rule = rule_with(0, 0);
  auto f = figures(30, {"n1", "n3"}, {}, {"n3"});
  f.cpu = 0.1;
  EXPECT_EQ(rule.decide(lim, f, 0).step, elastic_step::none);
  EXPECT_EQ(rule.decide(lim, f, 60'000).step, elastic_step::none);
  // Sessions under too: it goes, after the period.
  auto rule2 = rule_with(1'000, 0);
  f.sessions = 10;
  EXPECT_EQ(rule2.decide(lim, f, 0).step, elastic_step::none);
  auto d = rule2.decide(lim, f, 1'000);
  EXPECT_EQ(d.step, elastic_step::release);
  EXPECT_EQ(d.node, "n3");
  // Sessions under, CPU not under 0.2: stays.
  auto rule3 = rule_with(0, 0);
  f.cpu = 0.2;
  EXPECT_EQ(rule3.decide(lim, f, 0).step, elastic_step::none);
}

TEST(ElasticRuleCpu,
     DoesNotReturnANodeWhoseLoadWouldPushTheRestOverScaleOutCpu) {
  // Under scale_in_cpu 0.5 at 0.45, but the same CPU on one node fewer
  // (0.9) would be over scale_out_cpu 0.8: it stays.
  auto lim = cpu_limits(0.8, 0.5);
  auto rule = rule_with(0, 0);
  auto f = figures(2, {"n1", "n3"}, {}, {"n3"});
  f.cpu = 0.45;
  EXPECT_EQ(rule.decide(lim, f, 0).step, elastic_step::none);
  EXPECT_EQ(rule.decide(lim, f, 60'000).step, elastic_step::none);
  f.cpu = 0.4; // 0.8 on one node: not over
  EXPECT_EQ(rule.decide(lim, f, 60'001).step, elastic_step::release);
}

TEST(ElasticRuleCpu, ACpuFlappingAroundScaleOutCpuDoesNotOscillate) {
  auto rule = rule_with(3'000, 0);
  auto lim = cpu_limits(0.8, 0.2);
  auto f = figures(4, {"n1", "n2"}, {"n3"});
  for (int64_t t = 0; t < 60'000; t += 1'000) {
    f.cpu = (t / 1'000) % 3 == 2 ? 0.5 : 0.9; // over 2 s, then under 1 s
    EXPECT_EQ(rule.decide(lim, f, t).step, elastic_step::none) << "at " << t;
  }
}

TEST(ElasticFigures, CpuIsTheMeanOfTheActiveNodes) {
  auto state_of = [](const std::string& n) {
    return n == "n3" ? std::string{"standby"} : std::string{"active"};
  };
  std::set<std::string> live;
  cluster_status s;
  s.cluster_id = "C1";
  s.nodes = {{"n1", "active", 1, 0.5},
             {"n2", "active", 1, 0.3},
             {"n3", "draining", 0, 0.9},
             {"n4", "failed", 0, 0.9}};
  auto f = elastic_figures_of(s, state_of, {"n3"}, live);
  EXPECT_DOUBLE_EQ(f.cpu, 0.4);
}

// -- the figures from a cluster's merged status ------------------------------

cluster_status status_of(std::vector<node_status> nodes, uint32_t conns) {
  cluster_status s;
  s.cluster_id = "C1";
  s.connections = conns;
  s.nodes = std::move(nodes);
  return s;
}

TEST(ElasticFigures, SortsNodesByTheirStateAndLiveness) {
  std::map<std::string, std::string> states{
    {"n2", "draining"}, {"n3", "standby"}, {"n4", "standby"}};
  auto state_of = [&](const std::string& n) {
    auto i = states.find(n);
    return i == states.end() ? std::string{"active"} : i->second;
  };
  std::set<std::string> live;
  auto s = status_of({{"n1", "active", 7},
                      {"n2", "draining", 3},
                      {"n4", "draining", 0},
                      {"n3", "draining", 0},
                      {"n5", "active", 1}},
                     11);
  auto f = elastic_figures_of(s, state_of, {"n3", "n4", "n5"}, live);
  EXPECT_EQ(f.sessions, 11u);
  ASSERT_EQ(f.active.size(), 2u);
  EXPECT_EQ(f.active[0].node_id, "n1");
  EXPECT_EQ(f.active[0].sessions, 7u);
  EXPECT_EQ(f.active[1].node_id, "n5");
  // In the topology's order, not the report's.
  EXPECT_EQ(f.standby, (std::vector<std::string>{"n3", "n4"}));
  ASSERT_EQ(f.woken.size(), 1u); // n5 was declared standby and is active
  EXPECT_EQ(f.woken[0].node_id, "n5");
  EXPECT_EQ(f.lost, 0u);
  EXPECT_EQ(live.size(), 5u);
}

TEST(ElasticFigures, ALostNodeIsOneThatWasLiveAndActive) {
  auto state_of = [](const std::string& n) {
    return n == "n3" ? std::string{"standby"} : std::string{"active"};
  };
  std::set<std::string> live;
  // A spare never seen live is not lost; a failed standby is not woken.
  auto f = elastic_figures_of(
    status_of({{"n1", "active", 2}, {"n2", "failed", 0}, {"n3", "failed", 0}},
              2),
    state_of, {"n3"}, live);
  EXPECT_EQ(f.lost, 0u);
  EXPECT_TRUE(f.standby.empty());
  EXPECT_EQ(f.active.size(), 1u);
  // n1 fails: lost once (the next report does not count it again).
  auto down = status_of({{"n1", "failed", 0}, {"n3", "draining", 0}}, 0);
  f = elastic_figures_of(down, state_of, {"n3"}, live);
  EXPECT_EQ(f.lost, 1u);
  EXPECT_EQ(f.standby, (std::vector<std::string>{"n3"}));
  f = elastic_figures_of(down, state_of, {"n3"}, live);
  EXPECT_EQ(f.lost, 0u);
}

} // namespace
} // namespace tether
