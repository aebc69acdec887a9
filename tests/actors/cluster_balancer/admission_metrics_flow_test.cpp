// The balancer's admission latency in /metrics: every answer of the cluster
// manager to an admission is counted by outcome (issue 12 item 3: how long
// a connection waits for the manager during a reconnect storm).
#include "tests/actors/support/balancer_fixture.hpp"

namespace tether::actor_test {
namespace {

class AdmissionMetrics : public BalancerOnTwoNodes {
protected:
  AdmissionMetrics() { start_balancer(balancer_settings{}); }

  /// The admission histogram's count for `outcome` (-1: no such series).
  double admissions(const std::vector<metric_series>& all,
                    const std::string& outcome) {
    for (const auto& s : all)
      if (s.name == "tether_admission_duration_seconds"
          && s.labels.at("outcome") == outcome) {
        EXPECT_TRUE(s.is_histogram());
        return s.value;
      }
    return -1;
  }
};

TEST_F(AdmissionMetrics, EveryAnswerIsCountedByOutcome) {
  mlog->clusters = {{"T1", "C1"}, {"T2", "C2"}, {"T4", "C1"}};
  connect(1, "T1");
  connect(2, "T2"); // another cluster's terminal: 409
  connect(3, "T3"); // unknown: 404
  connect(4, "T4");
  auto got = ask<std::vector<metric_series>>(balancer, get_atom::value,
                                             metrics_atom::value);
  sched.run();
  ASSERT_TRUE(got->value);
  EXPECT_EQ(admissions(*got->value, "admitted"), 2);
  EXPECT_EQ(admissions(*got->value, "refused"), 2);
  EXPECT_EQ(admissions(*got->value, "failed"), -1);
}

TEST_F(AdmissionMetrics, AManagerThatCannotAnswerCountsAsFailed) {
  mlog->clusters = {{"T1", "C1"}};
  mlog->unavailable = true;
  auto link = connect(1, "T1");
  ASSERT_EQ(link->admissions.size(), 1u);
  EXPECT_EQ(link->admissions[0].first, 503);
  auto got = ask<std::vector<metric_series>>(balancer, get_atom::value,
                                             metrics_atom::value);
  sched.run();
  ASSERT_TRUE(got->value);
  EXPECT_EQ(admissions(*got->value, "failed"), 1);
  EXPECT_EQ(admissions(*got->value, "admitted"), -1);
}

TEST_F(AdmissionMetrics, AdmissionsTheManagerNeverAnswersFailAtTheirDeadline) {
  mlog->clusters = {{"T1", "C1"}, {"T2", "C1"}};
  mlog->silent = true;
  auto timers = sched.clock().schedule().size();
  auto first = connect(1, "T1");
  auto second = connect(2, "T2");
  ASSERT_EQ(mlog->held.size(), 2u);
  EXPECT_TRUE(first->admissions.empty() && second->admissions.empty());
  // The deadlines are the balancer's own: one timer for both, none on
  // CAF's clock per admission (request_deadlines.hpp).
  EXPECT_EQ(sched.clock().schedule().size(), timers + 1);
  advance(balancer_settings{}.request_timeout);
  ASSERT_EQ(first->admissions.size(), 1u);
  EXPECT_EQ(first->admissions[0].first, 503);
  ASSERT_EQ(second->admissions.size(), 1u);
  EXPECT_EQ(second->admissions[0].first, 503);
  auto got = ask<std::vector<metric_series>>(balancer, get_atom::value,
                                             metrics_atom::value);
  sched.run();
  ASSERT_TRUE(got->value);
  EXPECT_EQ(admissions(*got->value, "failed"), 2);
  // A late answer changes nothing: each connection got its one answer.
  caf::anon_send(caf::actor_cast<caf::actor>(manager), release_atom::value);
  sched.run();
  EXPECT_TRUE(mlog->held.empty());
  EXPECT_EQ(first->admissions.size(), 1u);
  EXPECT_EQ(second->admissions.size(), 1u);
}

} // namespace
} // namespace tether::actor_test
