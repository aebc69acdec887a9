// job_metrics: push latency to delivery and ack, redeliveries, jobs by
// final status.
#include "actors/control/job_metrics.hpp"

#include <gtest/gtest.h>

namespace tether {
namespace {

const metric_series* find(const std::vector<metric_series>& all,
                          const std::string& name) {
  for (const auto& s : all)
    if (s.name == name)
      return &s;
  return nullptr;
}

storage::job_record job_at(int64_t created) {
  storage::job_record j;
  j.job_id = "J1";
  j.created_at_ms = created;
  j.status = "queued";
  return j;
}

TEST(JobMetrics, FirstDeliveryAndAckObserveTheirLatency) {
  job_metrics m;
  // Redeliveries start at 0 (exported before the first one).
  auto before = m.series();
  const auto* r0 = find(before, "tether_job_redeliveries_total");
  ASSERT_NE(r0, nullptr);
  EXPECT_EQ(r0->value, 0);
  auto j = job_at(1'000);
  j.deliveries = 1;
  j.delivered_at_ms = 1'040;
  j.status = "delivered";
  m.applied("delivered", j, 1'040);
  j.deliveries = 2; // sent again: counted, not observed again
  m.applied("delivered", j, 2'000);
  j.acked_at_ms = 2'100;
  j.status = "acked";
  m.applied("acked", j, 2'100);
  auto all = m.series();
  const auto* d = find(all, "tether_push_delivered_seconds");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->value, 1);
  EXPECT_DOUBLE_EQ(d->sum, 0.04);
  const auto* a = find(all, "tether_push_acked_seconds");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->value, 1);
  EXPECT_DOUBLE_EQ(a->sum, 1.1);
  const auto* r = find(all, "tether_job_redeliveries_total");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->value, 1);
}

TEST(JobMetrics, FinalStatusesCountOnce) {
  job_metrics m;
  auto j = job_at(0);
  j.status = "done";
  m.applied("done", j, 10);
  j.status = "failed";
  m.applied("failed", j, 10);
  auto e = job_at(0);
  e.status = "expired";
  m.finished(e);
  // A report that did not change the job (its status stays) is not final.
  auto k = job_at(0);
  k.status = "acked";
  m.applied("done", k, 10);
  EXPECT_EQ(m.finished_count("done"), 1u);
  EXPECT_EQ(m.finished_count("failed"), 1u);
  EXPECT_EQ(m.finished_count("expired"), 1u);
  EXPECT_EQ(find(m.series(), "tether_push_acked_seconds"), nullptr);
}

} // namespace
} // namespace tether
