// Load as utilisation (issue 17; the source's S230 and S670: "the node with
// the lowest CPU usage rate and the lowest memory usage rate; if they
// differ, the lowest memory usage rate"). A node measures its process's
// share of the host's CPUs and memory, and the host's own, from /proc and
// the cgroup v2 limits (a container's limits count as its host). The
// parsers take text so that they are tested without the files; the meter
// turns two readings into shares. Plain C++, owned by the node.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>

namespace tether {

/// The host's CPU time from the first line of /proc/stat, in ticks: busy
/// is everything but idle and iowait.
struct host_cpu_times {
  uint64_t busy = 0;
  uint64_t total = 0;
};
std::optional<host_cpu_times> parse_proc_stat(std::string_view text);

/// MemTotal and MemAvailable of /proc/meminfo, in bytes.
struct host_memory {
  uint64_t total = 0;
  uint64_t available = 0;
};
std::optional<host_memory> parse_meminfo(std::string_view text);

/// cgroup v2 `cpu.max` ("QUOTA PERIOD", or "max PERIOD" for no limit) as a
/// number of CPUs; nothing when there is no limit or the text is not that.
std::optional<double> parse_cgroup_cpu_max(std::string_view text);
/// cgroup v2 `memory.max` (bytes, or "max" for no limit).
std::optional<uint64_t> parse_cgroup_memory_max(std::string_view text);

/// What the process may use: the host's online CPUs and memory, each
/// lowered to its cgroup's limit where one is set.
struct host_capacity {
  double cpus = 1;
  uint64_t memory = 0;
};

/// One reading of the counters.
struct load_sample {
  int64_t at_ms = 0;
  uint64_t process_ticks = 0; // user + system CPU ticks of this process
  uint64_t rss = 0;           // resident bytes of this process
  host_cpu_times host;
  host_memory memory;
};

/// Shares from 0 to 1, except `cores` (CPU seconds per second of this
/// process: 1.5 is one and a half cores busy).
struct utilisation {
  double cores = 0;
  double cpu = 0;         // cores ÷ the CPUs the process may use
  double memory = 0;      // rss ÷ the memory the process may use
  double host_cpu = 0;    // the host's busy share since the last reading
  double host_memory = 0; // 1 − available ÷ total
};

class utilisation_meter {
public:
  utilisation_meter() = default;
  utilisation_meter(host_capacity cap, double ticks_per_second);

  /// The shares since the previous reading (the CPU ones are 0 on the
  /// first), memory from this one.
  utilisation take(const load_sample& now);

private:
  host_capacity cap_;
  double ticks_per_second_ = 100;
  std::optional<load_sample> last_;
};

/// One measure per process and period for all the nodes it hosts: nodes
/// that share a process report the same figures within a period (so their
/// sessions decide between them, not the moment each was asked). Thread
/// safe: nodes run on any scheduler thread.
class shared_load {
public:
  struct reading {
    utilisation load;
    uint64_t rss = 0;
  };
  using reader = std::function<load_sample(int64_t now_ms)>;

  shared_load(int64_t period_ms, host_capacity cap, double ticks_per_second,
              reader read);

  /// The reading of the period `now_ms` falls in (measured by the first
  /// call in it).
  reading at(int64_t now_ms);

private:
  std::mutex mutex_;
  int64_t period_ms_;
  reader read_;
  utilisation_meter meter_;
  int64_t period_ = -1;
  reading last_;
};

/// This process's: periods of a second, the live readings.
shared_load& process_load();

/// The live readings, from /proc/self, /proc/stat, /proc/meminfo and
/// /sys/fs/cgroup (missing files count as no limit and zero use).
host_capacity read_host_capacity();
load_sample read_load_sample(int64_t now_ms);

} // namespace tether
