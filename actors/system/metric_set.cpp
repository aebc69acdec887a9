#include "actors/system/metric_set.hpp"

#include <algorithm>

namespace tether {

std::vector<double> metric_latency_bounds() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
          0.25,  0.5,    1,     2.5,  5,     10};
}

void metric_set::add(const std::string& name, const label_map& labels,
                     uint64_t n) {
  counters_[{name, labels}] += n;
}

void metric_set::observe(const std::string& name, const label_map& labels,
                         double seconds) {
  auto [it, fresh] = histograms_.try_emplace({name, labels});
  auto& h = it->second;
  if (fresh) {
    h.name = name;
    h.labels = labels;
    h.bounds = metric_latency_bounds();
    h.buckets.assign(h.bounds.size() + 1, 0);
  }
  seconds = std::max(0.0, seconds);
  auto at = std::lower_bound(h.bounds.begin(), h.bounds.end(), seconds);
  ++h.buckets[static_cast<size_t>(at - h.bounds.begin())];
  h.value += 1;
  h.sum += seconds;
}

uint64_t metric_set::count(const std::string& name,
                           const label_map& labels) const {
  auto i = counters_.find({name, labels});
  return i == counters_.end() ? 0 : i->second;
}

std::vector<metric_series> metric_set::series(const label_map& extra) const {
  std::vector<metric_series> out;
  out.reserve(counters_.size() + histograms_.size());
  for (const auto& [key, n] : counters_) {
    metric_series s;
    s.name = key.first;
    s.labels = key.second;
    s.value = static_cast<double>(n);
    out.push_back(std::move(s));
  }
  for (const auto& [key, h] : histograms_)
    out.push_back(h);
  for (auto& s : out)
    for (const auto& [k, v] : extra)
      s.labels.emplace(k, v);
  return out;
}

} // namespace tether
