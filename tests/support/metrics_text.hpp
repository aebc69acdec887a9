// Reading a /metrics text (Prometheus) in tests.
#pragma once

#include <cstdint>
#include <string>

namespace tether::test {

/// The sum of every sample of a gauge in a /metrics text (-1: no sample).
int64_t gauge_sum(const std::string& metrics, const std::string& name);

} // namespace tether::test
