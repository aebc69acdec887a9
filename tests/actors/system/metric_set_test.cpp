// metric_set: counters and latency histograms as the roles keep them for
// /metrics, and the series they hand the gateway.
#include "actors/system/metric_set.hpp"

#include <numeric>

#include <gtest/gtest.h>

namespace tether {
namespace {

const metric_series* find(const std::vector<metric_series>& all,
                          const std::string& name,
                          const metric_set::label_map& labels) {
  for (const auto& s : all)
    if (s.name == name && s.labels == labels)
      return &s;
  return nullptr;
}

TEST(MetricSet, CountersAddByNameAndLabels) {
  metric_set m;
  EXPECT_EQ(m.count("x_total"), 0u);
  m.add("x_total");
  m.add("x_total", {}, 4);
  m.add("x_total", {{"reason", "a"}});
  EXPECT_EQ(m.count("x_total"), 5u);
  EXPECT_EQ(m.count("x_total", {{"reason", "a"}}), 1u);
  EXPECT_EQ(m.count("x_total", {{"reason", "b"}}), 0u);
  auto all = m.series({{"balancer", "b1"}});
  ASSERT_EQ(all.size(), 2u);
  const auto* a = find(all, "x_total", {{"reason", "a"}, {"balancer", "b1"}});
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->value, 1);
  EXPECT_FALSE(a->is_histogram());
}

TEST(MetricSet, HistogramsCountIntoTheirBucket) {
  metric_set m;
  m.observe("d_seconds", {}, 0.0005); // first bucket (<= 1 ms)
  m.observe("d_seconds", {}, 0.001);  // on a bound: that bucket (le)
  m.observe("d_seconds", {}, 0.3);    // <= 0.5
  m.observe("d_seconds", {}, 99);     // above every bound
  m.observe("d_seconds", {}, -1);     // a clock step: counts as 0
  auto all = m.series();
  ASSERT_EQ(all.size(), 1u);
  const auto& h = all[0];
  ASSERT_TRUE(h.is_histogram());
  EXPECT_EQ(h.bounds, metric_latency_bounds());
  ASSERT_EQ(h.buckets.size(), h.bounds.size() + 1);
  EXPECT_EQ(h.buckets[0], 3u);
  auto half
    = std::find(h.bounds.begin(), h.bounds.end(), 0.5) - h.bounds.begin();
  EXPECT_EQ(h.buckets[static_cast<size_t>(half)], 1u);
  EXPECT_EQ(h.buckets.back(), 1u);
  EXPECT_EQ(h.value, 5);
  EXPECT_EQ(std::accumulate(h.buckets.begin(), h.buckets.end(), uint64_t{0}),
            5u);
  EXPECT_DOUBLE_EQ(h.sum, 0.0005 + 0.001 + 0.3 + 99);
}

TEST(MetricSet, BoundsAscend) {
  auto b = metric_latency_bounds();
  EXPECT_TRUE(std::is_sorted(b.begin(), b.end()));
  EXPECT_EQ(std::adjacent_find(b.begin(), b.end()), b.end());
}

} // namespace
} // namespace tether
