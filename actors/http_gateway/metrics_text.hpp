// Prometheus text exposition (format 0.0.4) as plain C++: metric families
// with # HELP and # TYPE, label values escaped, histograms with cumulative
// buckets ending in +Inf, _sum and _count; and this process's own figures
// (RSS, CPU seconds, open fds) from /proc/self. The gateway's GET /metrics
// (http_routes.cpp) writes through it; tests/actors/http_gateway/
// metrics_text_test.cpp parses what it writes. Every metric is documented
// in docs/OPERATORS.md ("Metrics").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/system/metric_set.hpp"

namespace tether::metrics {

using labels = std::vector<std::pair<std::string, std::string>>;

/// A label value as the text format wants it: \ " and newline escaped.
std::string escape_label_value(std::string_view v);

/// Observations counted into fixed upper bounds (seconds), kept
/// non-cumulative; written cumulative with +Inf.
class histogram {
public:
  explicit histogram(std::vector<double> bounds);
  void observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  /// Observations <= bounds()[i] (cumulative), i < bounds().size().
  uint64_t cumulative(size_t i) const;
  uint64_t count() const { return count_; }
  double sum() const { return sum_; }

private:
  std::vector<double> bounds_;
  std::vector<uint64_t> in_bucket_; // bounds_.size() + 1 (the last: +Inf)
  uint64_t count_ = 0;
  double sum_ = 0;
};

/// Latency bounds in seconds, 1 ms to 10 s.
std::vector<double> latency_bounds();

/// One exposition: families in the order written, each family once.
class exposition {
public:
  /// Starts a family: # HELP and # TYPE (counter, gauge, histogram).
  void family(std::string_view name, std::string_view type,
              std::string_view help);
  void sample(std::string_view name, const labels& ls, double value);
  /// name_bucket{...,le="..."} for each bound and +Inf, name_sum,
  /// name_count.
  void observe(std::string_view name, const labels& ls, const histogram& h);
  /// The same for a gathered histogram (metric_series with bounds).
  void observe(const metric_series& h);
  const std::string& text() const { return out_; }

private:
  std::string out_;
};

/// A number as the text format writes it (integers without a fraction).
std::string format_value(double v);

/// Series gathered from the roles (metric_set.hpp), one family per name
/// (# HELP from the table of known names in metrics_text.cpp, # TYPE
/// histogram, gauge or counter), families in name order.
void write_series(exposition& e, std::vector<metric_series> all);

/// The # HELP text of a gathered family, and whether it is a gauge.
std::string_view help_of(std::string_view name);
bool is_gauge(std::string_view name);

/// This process as /proc/self shows it (zeros where it cannot be read).
/// procfs is memory-backed: reading it does not block on a disk.
struct process_figures {
  double resident_bytes = 0;
  double cpu_seconds = 0;
  double open_fds = 0;
  double max_fds = 0;
  double start_time_seconds = 0; // unix time
};
process_figures read_process_figures();

/// process_* families (the names client libraries use) into `e`.
void write_process_figures(exposition& e, const process_figures& p);

} // namespace tether::metrics
