#include "actors/http_gateway/metrics_text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/resource.h>
#include <unistd.h>

namespace tether::metrics {

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

histogram::histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), in_bucket_(bounds_.size() + 1, 0) {
  std::sort(bounds_.begin(), bounds_.end());
}

void histogram::observe(double v) {
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  ++in_bucket_[static_cast<size_t>(it - bounds_.begin())];
  ++count_;
  sum_ += v;
}

uint64_t histogram::cumulative(size_t i) const {
  uint64_t n = 0;
  for (size_t j = 0; j <= i && j < in_bucket_.size(); ++j)
    n += in_bucket_[j];
  return n;
}

std::vector<double> latency_bounds() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
          0.25,  0.5,    1,     2.5,  5,     10};
}

std::string format_value(double v) {
  if (std::isnan(v))
    return "NaN";
  if (std::isinf(v))
    return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    return std::to_string(static_cast<long long>(v));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

namespace {

std::string label_text(const labels& ls) {
  if (ls.empty())
    return {};
  std::string out = "{";
  for (size_t i = 0; i < ls.size(); ++i)
    out += (i == 0 ? "" : ",") + ls[i].first + "=\""
         + escape_label_value(ls[i].second) + "\"";
  return out + "}";
}

} // namespace

void exposition::family(std::string_view name, std::string_view type,
                        std::string_view help) {
  std::string h;
  for (char c : help)
    h += c == '\n' ? std::string{"\\n"}
                   : (c == '\\' ? std::string{"\\\\"} : std::string(1, c));
  out_ += "# HELP " + std::string{name} + " " + h + "\n";
  out_ += "# TYPE " + std::string{name} + " " + std::string{type} + "\n";
}

void exposition::sample(std::string_view name, const labels& ls, double value) {
  out_ += std::string{name} + label_text(ls) + " " + format_value(value) + "\n";
}

void exposition::observe(std::string_view name, const labels& ls,
                         const histogram& h) {
  auto bucket = std::string{name} + "_bucket";
  for (size_t i = 0; i < h.bounds().size(); ++i) {
    auto with_le = ls;
    with_le.emplace_back("le", format_value(h.bounds()[i]));
    sample(bucket, with_le, static_cast<double>(h.cumulative(i)));
  }
  auto with_inf = ls;
  with_inf.emplace_back("le", "+Inf");
  sample(bucket, with_inf, static_cast<double>(h.count()));
  sample(std::string{name} + "_sum", ls, h.sum());
  sample(std::string{name} + "_count", ls, static_cast<double>(h.count()));
}

void exposition::observe(const metric_series& h) {
  labels ls(h.labels.begin(), h.labels.end());
  auto bucket = h.name + "_bucket";
  uint64_t below = 0;
  for (size_t i = 0; i < h.bounds.size(); ++i) {
    below += i < h.buckets.size() ? h.buckets[i] : 0;
    auto with_le = ls;
    with_le.emplace_back("le", format_value(h.bounds[i]));
    sample(bucket, with_le, static_cast<double>(below));
  }
  auto with_inf = ls;
  with_inf.emplace_back("le", "+Inf");
  sample(bucket, with_inf, h.value);
  sample(h.name + "_sum", ls, h.sum);
  sample(h.name + "_count", ls, h.value);
}

namespace {

struct family_doc {
  std::string_view name;
  bool gauge;
  std::string_view help;
};

// Every family the roles send (docs/OPERATORS.md "Metrics").
constexpr family_doc gathered_families[] = {
  {"tether_connects_total", false,
   "Device connections whose first session started, by balancer."},
  {"tether_connect_duration_seconds", false,
   "Connect latency: a device's admission at the balancer to its session "
   "started on a node."},
  {"tether_disconnects_total", false,
   "Connections that ended, by reason (closed_by_device, reassigned, "
   "keepalive_lost, replaced, revoked, policy, no_node, session_failed, "
   "closed_by_server)."},
  {"tether_session_moves_total", false,
   "Sessions moved to another node while the device kept its WebSocket, by "
   "reason (drained, rebalanced, node_down)."},
  {"tether_balancer_connections", true, "Device connections of the balancer."},
  {"tether_balancer_ws_connections_live", true,
   "WebSocket connection objects that exist in the balancer's listener."},
  {"tether_balancer_ws_streams_held", true,
   "Beast WebSocket streams its connections hold: those busy in the last "
   "one to two [limits] ws_stream_rest (or closing); a quiet one holds "
   "none."},
  {"tether_balancer_nodes", true, "Nodes the balancer knows."},
  {"tether_push_delivered_seconds", false,
   "Push latency: a job accepted (stored, 202) to its first delivery to the "
   "device."},
  {"tether_push_acked_seconds", false,
   "Push latency: a job accepted (stored, 202) to the device's ack."},
  {"tether_job_redeliveries_total", false,
   "Jobs sent to a device again (not acknowledged in time)."},
  {"tether_jobs_finished_total", false,
   "Jobs that reached a final status, by status (done, failed, expired)."},
  {"tether_callback_attempts_total", false, "Job callback POSTs answered."},
  {"tether_callback_attempt_failures_total", false,
   "Job callback POSTs that failed (refused, error status, no answer)."},
  {"tether_callbacks_total", false,
   "Job callbacks by outcome (delivered, given_up)."},
  {"tether_store_write_duration_seconds", false,
   "Store write latency: one group-committed, synced RocksDB batch."},
  {"tether_store_writes_total", false, "Store batches written, by result."},
  {"tether_history_sweep_duration_seconds", false,
   "One step of the history records' retention sweep (run only when "
   "something may be due)."},
  {"tether_history_sweep_keys_total", false,
   "History records the retention sweep looked at."},
  {"tether_metrics_source_up", true,
   "1 if a part of the system answered this scrape in time (store, "
   "notifier, balancers, control), else 0."},
};

const family_doc* doc_of(std::string_view name) {
  for (const auto& d : gathered_families)
    if (d.name == name)
      return &d;
  return nullptr;
}

} // namespace

std::string_view help_of(std::string_view name) {
  const auto* d = doc_of(name);
  return d != nullptr ? d->help : std::string_view{"A Tether figure."};
}

bool is_gauge(std::string_view name) {
  const auto* d = doc_of(name);
  return d != nullptr && d->gauge;
}

void write_series(exposition& e, std::vector<metric_series> all) {
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.name < b.name;
  });
  for (size_t i = 0; i < all.size(); ++i) {
    const auto& s = all[i];
    if (i == 0 || all[i - 1].name != s.name)
      e.family(s.name,
               s.is_histogram() ? "histogram"
                                : (is_gauge(s.name) ? "gauge" : "counter"),
               help_of(s.name));
    if (s.is_histogram())
      e.observe(s);
    else
      e.sample(s.name, labels(s.labels.begin(), s.labels.end()), s.value);
  }
}

namespace {

/// Fields 14 (utime), 15 (stime) and 22 (starttime) of /proc/self/stat, in
/// clock ticks; the command name (field 2) may hold spaces, so fields are
/// counted after its closing parenthesis.
void read_stat(process_figures& p) {
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line))
    return;
  auto close = line.rfind(')');
  if (close == std::string::npos)
    return;
  std::istringstream rest(line.substr(close + 2));
  std::vector<std::string> f;
  for (std::string s; rest >> s;)
    f.push_back(s);
  // rest starts at field 3: field n is f[n - 3].
  if (f.size() < 20)
    return;
  double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  p.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / tick;
  std::ifstream up("/proc/uptime");
  double uptime = 0;
  if (up >> uptime) {
    double started_ago = uptime - std::stod(f[19]) / tick;
    p.start_time_seconds
      = std::floor(static_cast<double>(std::time(nullptr)) - started_ago);
  }
}

} // namespace

process_figures read_process_figures() {
  process_figures p;
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0)
      p.resident_bytes = std::stod(line.substr(6)) * 1024; // in kB
  read_stat(p);
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator{}; it.increment(ec))
    ++p.open_fds;
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0)
    p.max_fds = static_cast<double>(lim.rlim_cur);
  return p;
}

void write_process_figures(exposition& e, const process_figures& p) {
  struct figure {
    const char* name;
    const char* type;
    const char* help;
    double value;
  };
  const figure figures[] = {
    {"process_resident_memory_bytes", "gauge",
     "Resident memory of this tetherd process in bytes.", p.resident_bytes},
    {"process_cpu_seconds_total", "counter",
     "User and system CPU time of this tetherd process in seconds.",
     p.cpu_seconds},
    {"process_open_fds", "gauge",
     "Open file descriptors of this tetherd process.", p.open_fds},
    {"process_max_fds", "gauge",
     "The file descriptor limit (RLIMIT_NOFILE) of this process.", p.max_fds},
    {"process_start_time_seconds", "gauge",
     "Start time of this process since the Unix epoch in seconds.",
     p.start_time_seconds},
  };
  for (const auto& f : figures) {
    e.family(f.name, f.type, f.help);
    e.sample(f.name, {}, f.value);
  }
}

} // namespace tether::metrics
