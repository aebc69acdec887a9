// The simulator's latency histogram and the phase fields of its stats
// output (examples/bench/idle-connections.sh reads them from --stats-json).
#include "tether-terminal/latency_histogram.hpp"
#include "tether-terminal/stats.hpp"

#include <gtest/gtest.h>

namespace tether::terminal {
namespace {

TEST(LatencyHistogram, MeanIsExactAndPercentilesBoundTheValues) {
  latency_histogram h;
  for (std::uint64_t us : {1000, 2000, 3000, 10000})
    h.record_us(us);
  auto s = h.summary();
  EXPECT_EQ(s.count, 4u);
  EXPECT_DOUBLE_EQ(s.mean_ms, 4.0);
  EXPECT_DOUBLE_EQ(s.max_ms, 10.0);
  // A percentile is its bucket's upper bound: at most 6.25 % above.
  EXPECT_GE(s.p50_ms, 2.0);
  EXPECT_LE(s.p50_ms, 2.0 * 1.0625);
  EXPECT_DOUBLE_EQ(s.p99_ms, 10.0);
}

TEST(LatencyHistogram, EmptyHasNoMean) {
  latency_histogram h;
  auto s = h.summary();
  EXPECT_EQ(s.count, 0u);
  EXPECT_DOUBLE_EQ(s.mean_ms, 0.0);
}

TEST(FleetStats, JsonNamesEveryConnectPhase) {
  fleet_stats stats;
  stats.register_rtt.record_us(50000);
  stats.upgrade_rtt.record_us(40000);
  stats.hello_wait.record_us(9000);
  stats.first_hello.record_us(110000);
  auto json = to_json(stats.snapshot());
  EXPECT_NE(json.find("\"register_rtt_count\":1"), std::string::npos) << json;
  EXPECT_NE(json.find("\"register_rtt_mean_ms\":50.000"), std::string::npos);
  EXPECT_NE(json.find("\"upgrade_rtt_max_ms\":40.000"), std::string::npos);
  EXPECT_NE(json.find("\"hello_wait_p50_ms\":9.000"), std::string::npos);
  EXPECT_NE(json.find("\"first_hello_p99_ms\":110.000"), std::string::npos);
  EXPECT_NE(json.find("\"start_lag_count\":0"), std::string::npos);
}

TEST(FleetStats, LineAndJsonNameTheSpanFromALossToTheNextHello) {
  fleet_stats stats;
  stats.lost_to_hello.record_us(2500000);
  auto s = stats.snapshot();
  EXPECT_NE(to_json(s).find("\"lost_to_hello_count\":1"), std::string::npos);
  EXPECT_NE(to_line(s).find("lost_to_hello_mean_ms=2500.000"),
            std::string::npos)
    << to_line(s);
}

} // namespace
} // namespace tether::terminal
