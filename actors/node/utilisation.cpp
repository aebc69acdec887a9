#include "actors/node/utilisation.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <unistd.h>

namespace tether {

namespace {

/// The next whitespace-separated word of `text` from `pos`.
std::string_view next_word(std::string_view text, size_t& pos) {
  while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t'))
    ++pos;
  auto start = pos;
  while (pos < text.size() && text[pos] != ' ' && text[pos] != '\t'
         && text[pos] != '\n')
    ++pos;
  return text.substr(start, pos - start);
}

std::optional<uint64_t> to_u64(std::string_view word) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), v);
  if (ec != std::errc{} || end != word.data() + word.size() || word.empty())
    return std::nullopt;
  return v;
}

/// The value in kB of a "/proc/meminfo" line named `key`, in bytes.
std::optional<uint64_t> meminfo_bytes(std::string_view text,
                                      std::string_view key) {
  for (size_t pos = 0; pos < text.size();) {
    auto eol = text.find('\n', pos);
    auto line
      = text.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    if (line.size() <= key.size() || line.substr(0, key.size()) != key
        || line[key.size()] != ':')
      continue;
    size_t at = key.size() + 1;
    if (auto kb = to_u64(next_word(line, at)))
      return *kb * 1024;
    return std::nullopt;
  }
  return std::nullopt;
}

std::string slurp(const char* path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

double share(double part, double whole) {
  if (whole <= 0)
    return 0;
  return std::clamp(part / whole, 0.0, 1.0);
}

uint64_t process_ticks() {
  // Fields 14 and 15 (utime, stime); field 2 may contain spaces but is
  // parenthesised, so skip up to the last ')'.
  auto text = slurp("/proc/self/stat");
  auto paren = text.rfind(')');
  if (paren == std::string::npos)
    return 0;
  unsigned long long utime = 0, stime = 0;
  std::sscanf(text.c_str() + paren + 2,
              "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
              &stime);
  return utime + stime;
}

uint64_t resident_bytes() {
  unsigned long long total = 0, resident = 0;
  if (auto* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%llu %llu", &total, &resident) != 2)
      resident = 0;
    std::fclose(f);
  }
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

} // namespace

std::optional<host_cpu_times> parse_proc_stat(std::string_view text) {
  size_t pos = 0;
  if (next_word(text, pos) != "cpu")
    return std::nullopt;
  // user nice system idle iowait irq softirq steal (guest time is already
  // in user and nice).
  uint64_t fields[8] = {};
  size_t n = 0;
  for (; n < 8; ++n) {
    auto word = next_word(text, pos);
    if (word.empty())
      break;
    auto v = to_u64(word);
    if (!v)
      return std::nullopt;
    fields[n] = *v;
  }
  if (n < 4)
    return std::nullopt;
  host_cpu_times t;
  for (size_t i = 0; i < n; ++i)
    t.total += fields[i];
  t.busy = t.total - fields[3] - fields[4];
  return t;
}

std::optional<host_memory> parse_meminfo(std::string_view text) {
  auto total = meminfo_bytes(text, "MemTotal");
  auto available = meminfo_bytes(text, "MemAvailable");
  if (!total || *total == 0 || !available)
    return std::nullopt;
  return host_memory{*total, std::min(*available, *total)};
}

std::optional<double> parse_cgroup_cpu_max(std::string_view text) {
  size_t pos = 0;
  auto quota = to_u64(next_word(text, pos));
  auto period = to_u64(next_word(text, pos));
  if (!quota || !period || *period == 0 || *quota == 0)
    return std::nullopt;
  return static_cast<double>(*quota) / static_cast<double>(*period);
}

std::optional<uint64_t> parse_cgroup_memory_max(std::string_view text) {
  size_t pos = 0;
  auto bytes = to_u64(next_word(text, pos));
  if (!bytes || *bytes == 0)
    return std::nullopt;
  return bytes;
}

utilisation_meter::utilisation_meter(host_capacity cap, double ticks_per_second)
    : cap_(cap), ticks_per_second_(ticks_per_second) {}

utilisation utilisation_meter::take(const load_sample& now) {
  utilisation u;
  u.memory
    = share(static_cast<double>(now.rss), static_cast<double>(cap_.memory));
  if (now.memory.total > 0)
    u.host_memory = 1.0
                  - share(static_cast<double>(now.memory.available),
                          static_cast<double>(now.memory.total));
  if (last_ && now.at_ms > last_->at_ms
      && now.process_ticks >= last_->process_ticks) {
    auto seconds = static_cast<double>(now.at_ms - last_->at_ms) / 1000.0;
    u.cores = static_cast<double>(now.process_ticks - last_->process_ticks)
            / ticks_per_second_ / seconds;
    u.cpu = share(u.cores, cap_.cpus);
    if (now.host.total > last_->host.total && now.host.busy >= last_->host.busy)
      u.host_cpu
        = share(static_cast<double>(now.host.busy - last_->host.busy),
                static_cast<double>(now.host.total - last_->host.total));
  }
  last_ = now;
  return u;
}

shared_load::shared_load(int64_t period_ms, host_capacity cap,
                         double ticks_per_second, reader read)
    : period_ms_(std::max<int64_t>(1, period_ms)), read_(std::move(read)),
      meter_(cap, ticks_per_second) {}

shared_load::reading shared_load::at(int64_t now_ms) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto period = now_ms / period_ms_;
  if (period != period_) {
    auto sample = read_(now_ms);
    last_ = reading{meter_.take(sample), sample.rss};
    period_ = period;
  }
  return last_;
}

shared_load& process_load() {
  static shared_load one{1000, read_host_capacity(),
                         static_cast<double>(sysconf(_SC_CLK_TCK)),
                         read_load_sample};
  return one;
}

host_capacity read_host_capacity() {
  host_capacity cap;
  cap.cpus = std::max<long>(1, sysconf(_SC_NPROCESSORS_ONLN));
  if (auto cg = parse_cgroup_cpu_max(slurp("/sys/fs/cgroup/cpu.max")))
    cap.cpus = std::min(cap.cpus, *cg);
  if (auto mem = parse_meminfo(slurp("/proc/meminfo")))
    cap.memory = mem->total;
  if (auto cg = parse_cgroup_memory_max(slurp("/sys/fs/cgroup/memory.max")))
    cap.memory = cap.memory == 0 ? *cg : std::min(cap.memory, *cg);
  return cap;
}

load_sample read_load_sample(int64_t now_ms) {
  load_sample s;
  s.at_ms = now_ms;
  s.process_ticks = process_ticks();
  s.rss = resident_bytes();
  if (auto t = parse_proc_stat(slurp("/proc/stat")))
    s.host = *t;
  if (auto m = parse_meminfo(slurp("/proc/meminfo")))
    s.memory = *m;
  return s;
}

} // namespace tether
