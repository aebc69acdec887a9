// metric_set: the counters and latency histograms a role keeps for
// /metrics, and the plain series they travel in (metric_series, in the
// type-ID block) when the gateway gathers them through the actor system
// (control → store, notifier, cluster manager → balancers; docs/OPERATORS.md
// "Metrics"). A role increments where the event happens (no message, no
// lock: the actor owns its set) and answers `get_atom, metrics_atom` with
// series(); the gateway writes them as Prometheus text.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace tether {

/// One counter or one histogram with its labels. A histogram has bounds
/// (seconds, ascending) and buckets (non-cumulative, bounds.size() + 1, the
/// last one above every bound); a counter has neither.
struct metric_series {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0; // counter value; a histogram's count
  std::vector<double> bounds;
  std::vector<uint64_t> buckets;
  double sum = 0; // a histogram's sum of observations
  bool is_histogram() const { return !bounds.empty(); }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, metric_series& x) {
  return f(caf::meta::type_name("metric_series"), x.name, x.labels, x.value,
           x.bounds, x.buckets, x.sum);
}

/// Latency bounds in seconds, 1 ms to 10 s (every Tether histogram).
std::vector<double> metric_latency_bounds();

/// Counters and histograms by (name, labels), each created at its first
/// use. Plain C++, owned by one actor.
class metric_set {
public:
  using label_map = std::map<std::string, std::string>;
  /// Adds `n` to a counter.
  void add(const std::string& name, const label_map& labels = {},
           uint64_t n = 1);
  /// Counts one observation (seconds; negative counts as 0) into a
  /// histogram with metric_latency_bounds().
  void observe(const std::string& name, const label_map& labels,
               double seconds);
  /// A counter's value (0 if never added).
  uint64_t count(const std::string& name, const label_map& labels = {}) const;
  /// Every counter and histogram, each with `extra` labels added.
  std::vector<metric_series> series(const label_map& extra = {}) const;

private:
  std::map<std::pair<std::string, label_map>, uint64_t> counters_;
  std::map<std::pair<std::string, label_map>, metric_series> histograms_;
};

} // namespace tether
