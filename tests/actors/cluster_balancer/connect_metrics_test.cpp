// connect_metrics: the balancer's connects, connect latency, disconnects by
// reason and session moves.
#include "actors/cluster_balancer/connect_metrics.hpp"

#include <gtest/gtest.h>

#include "actors/system/close_codes.hpp"

namespace tether {
namespace {

using namespace std::chrono_literals;

TEST(ConnectMetrics, ConnectsCountWithTheirLatency) {
  connect_metrics m;
  auto t0 = connect_metrics::clock::now();
  m.connected(t0, t0 + 20ms);
  m.connected(t0, t0 + 2s);
  EXPECT_EQ(m.connects(), 2u);
  auto all = m.series({{"balancer", "C1-b1"}});
  const metric_series* h = nullptr;
  for (const auto& s : all)
    if (s.name == "tether_connect_duration_seconds")
      h = &s;
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->value, 2);
  EXPECT_NEAR(h->sum, 2.02, 1e-9);
  EXPECT_EQ(h->labels.at("balancer"), "C1-b1");
}

TEST(ConnectMetrics, AdmissionsCountByOutcomeWithTheirLatency) {
  connect_metrics m;
  auto t0 = connect_metrics::clock::now();
  m.admission(t0, t0 + 3ms, "admitted");
  m.admission(t0, t0 + 7ms, "admitted");
  m.admission(t0, t0 + 5s, "failed");
  std::map<std::string, const metric_series*> by_outcome;
  auto all = m.series({});
  for (const auto& s : all)
    if (s.name == "tether_admission_duration_seconds")
      by_outcome[s.labels.at("outcome")] = &s;
  ASSERT_EQ(by_outcome.size(), 2u);
  EXPECT_EQ(by_outcome.at("admitted")->value, 2);
  EXPECT_NEAR(by_outcome.at("admitted")->sum, 0.010, 1e-9);
  EXPECT_EQ(by_outcome.at("failed")->value, 1);
  EXPECT_EQ(m.connects(), 0u); // an admission is not a connect
}

TEST(ConnectMetrics, DisconnectsByReason) {
  connect_metrics m;
  m.disconnected(disconnect_reason::by_device);
  m.disconnected(disconnect_reason::keepalive_lost);
  m.disconnected(disconnect_reason::keepalive_lost);
  EXPECT_EQ(m.disconnects(disconnect_reason::by_device), 1u);
  EXPECT_EQ(m.disconnects(disconnect_reason::keepalive_lost), 2u);
  EXPECT_EQ(m.disconnects(disconnect_reason::replaced), 0u);
}

TEST(ConnectMetrics, CloseCodesNameTheirReason) {
  using namespace disconnect_reason;
  EXPECT_EQ(of_close_code(close_code::keepalive_lost), keepalive_lost);
  EXPECT_EQ(of_close_code(close_code::replaced), replaced);
  EXPECT_EQ(of_close_code(close_code::revoked), revoked);
  EXPECT_EQ(of_close_code(close_code::policy), policy);
  EXPECT_EQ(of_close_code(close_code::normal), by_server);
}

// Tester finding (session 26): the counters appeared only after their
// first event, so a rate or an alert on them saw nothing until then.
TEST(ConnectMetrics, MovesByReasonAndConnectsStartAtZero) {
  connect_metrics m;
  auto value_of = [&](const std::string& name, const std::string& reason) {
    for (const auto& s : m.series({}))
      if (s.name == name && (reason.empty() || s.labels.count("reason") > 0)
          && (reason.empty() || s.labels.at("reason") == reason))
        return static_cast<int64_t>(s.value);
    return int64_t{-1}; // no such series
  };
  EXPECT_EQ(value_of("tether_connects_total", ""), 0);
  for (const char* reason : {"drained", "rebalanced", "node_down"})
    EXPECT_EQ(value_of("tether_session_moves_total", reason), 0) << reason;
  m.moved("drained");
  EXPECT_EQ(value_of("tether_session_moves_total", "drained"), 1);
  EXPECT_EQ(value_of("tether_session_moves_total", "node_down"), 0);
}

} // namespace
} // namespace tether
