// The writes a real store (store_service) reports for /metrics: the tests
// that check a change costs no write count them (tests/actors/store/,
// tests/actors/control/reregister_flow_test.cpp).
#pragma once

#include <vector>

#include "actors/system/metric_set.hpp"
#include "tests/actors/support/actor_fixture.hpp"

namespace tether::actor_test {

/// Batches written so far: the sum of tether_store_writes_total's series
/// in the store's answer to `get metrics` (-1 without an answer).
inline double
store_writes_in(const outcome<std::vector<metric_series>>& figures) {
  EXPECT_TRUE(figures.value) << "the store did not say its writes";
  if (!figures.value)
    return -1;
  double n = 0;
  for (const auto& m : *figures.value)
    if (m.name == "tether_store_writes_total")
      n += m.value;
  return n;
}

} // namespace tether::actor_test
