#include "tests/support/metrics_text.hpp"

#include <regex>

namespace tether::test {

int64_t gauge_sum(const std::string& metrics, const std::string& name) {
  std::regex sample{"(^|\n)" + name + R"((\{[^}]*\})? (-?\d+))"};
  int64_t sum = -1;
  for (auto i = std::sregex_iterator(metrics.begin(), metrics.end(), sample);
       i != std::sregex_iterator(); ++i)
    sum = (sum < 0 ? 0 : sum) + std::stoll((*i)[3].str());
  return sum;
}

} // namespace tether::test
