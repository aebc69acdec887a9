// Load as utilisation (actors/node/utilisation.hpp): the /proc and cgroup
// parsers, the meter's shares between two readings, and one reading per
// period for every node of a process.
#include <gtest/gtest.h>

#include "actors/node/utilisation.hpp"

namespace tether {
namespace {

TEST(Utilisation, ProcStatFirstLine) {
  auto t = parse_proc_stat("cpu  100 5 50 800 40 3 2 0 0 0\n"
                           "cpu0 50 2 25 400 20 1 1 0 0 0\n");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->total, 1000u);
  EXPECT_EQ(t->busy, 160u); // all but idle (800) and iowait (40)
  // An old kernel's four fields.
  t = parse_proc_stat("cpu 10 0 10 80\n");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->total, 100u);
  EXPECT_EQ(t->busy, 20u);
  EXPECT_FALSE(parse_proc_stat("cpu0 1 2 3 4\n"));
  EXPECT_FALSE(parse_proc_stat("cpu 1 2\n"));
  EXPECT_FALSE(parse_proc_stat("cpu 1 x 3 4\n"));
  EXPECT_FALSE(parse_proc_stat(""));
}

TEST(Utilisation, MeminfoTotalAndAvailable) {
  auto m = parse_meminfo("MemTotal:        8000000 kB\n"
                         "MemFree:          100000 kB\n"
                         "MemAvailable:    2000000 kB\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->total, uint64_t{8'000'000} * 1024);
  EXPECT_EQ(m->available, uint64_t{2'000'000} * 1024);
  // MemAvailable missing (kernels before 3.14), or a zero total.
  EXPECT_FALSE(parse_meminfo("MemTotal: 8000000 kB\nMemFree: 1 kB\n"));
  EXPECT_FALSE(parse_meminfo("MemTotal: 0 kB\nMemAvailable: 0 kB\n"));
  // A key that only starts like one does not count.
  EXPECT_FALSE(parse_meminfo("MemTotalX: 5 kB\nMemAvailable: 1 kB\n"));
}

TEST(Utilisation, CgroupLimits) {
  EXPECT_EQ(parse_cgroup_cpu_max("150000 100000\n"), 1.5);
  EXPECT_FALSE(parse_cgroup_cpu_max("max 100000\n"));
  EXPECT_FALSE(parse_cgroup_cpu_max(""));
  EXPECT_EQ(parse_cgroup_memory_max("536870912\n"), 536870912u);
  EXPECT_FALSE(parse_cgroup_memory_max("max\n"));
  EXPECT_FALSE(parse_cgroup_memory_max(""));
}

load_sample sample(int64_t at_ms, uint64_t ticks, uint64_t rss,
                   uint64_t host_busy, uint64_t host_total) {
  load_sample s;
  s.at_ms = at_ms;
  s.process_ticks = ticks;
  s.rss = rss;
  s.host = {host_busy, host_total};
  s.memory = {1000, 250}; // 75 % of the host's memory in use
  return s;
}

TEST(Utilisation, MeterSharesBetweenTwoReadings) {
  // 4 CPUs, 1,000 bytes of memory, 100 ticks a second.
  utilisation_meter meter{host_capacity{4, 1000}, 100};
  auto first = meter.take(sample(0, 0, 100, 0, 0));
  EXPECT_EQ(first.cpu, 0); // nothing to compare with yet
  EXPECT_EQ(first.host_cpu, 0);
  EXPECT_DOUBLE_EQ(first.memory, 0.1);
  EXPECT_DOUBLE_EQ(first.host_memory, 0.75);
  // Two seconds later the process used 300 ticks: 1.5 cores of 4.
  auto u = meter.take(sample(2000, 300, 400, 600, 800));
  EXPECT_DOUBLE_EQ(u.cores, 1.5);
  EXPECT_DOUBLE_EQ(u.cpu, 0.375);
  EXPECT_DOUBLE_EQ(u.memory, 0.4);
  EXPECT_DOUBLE_EQ(u.host_cpu, 0.75);
  // Shares never leave 0-1 (a resident size over the limit, a clock that
  // did not move).
  u = meter.take(sample(2000, 900, 5000, 600, 800));
  EXPECT_EQ(u.cpu, 0);
  EXPECT_EQ(u.memory, 1);
}

TEST(Utilisation, OneReadingPerPeriodForEveryNodeOfAProcess) {
  int reads = 0;
  shared_load load{1000, host_capacity{2, 1000}, 100, [&](int64_t now) {
                     ++reads;
                     return sample(now, static_cast<uint64_t>(now / 10),
                                   static_cast<uint64_t>(100 + reads), 0, 0);
                   }};
  auto a = load.at(1000);
  auto b = load.at(1999); // another node, the same second
  EXPECT_EQ(reads, 1);
  EXPECT_EQ(a.rss, b.rss);
  EXPECT_EQ(a.load.memory, b.load.memory);
  auto c = load.at(2000); // the next second: measured again
  EXPECT_EQ(reads, 2);
  EXPECT_NE(c.rss, a.rss);
  EXPECT_DOUBLE_EQ(c.load.cores, 1.0); // 100 ticks in one second
  EXPECT_DOUBLE_EQ(c.load.cpu, 0.5);   // of two CPUs
}

TEST(Utilisation, TheLiveReadingsAreShares) {
  auto cap = read_host_capacity();
  EXPECT_GE(cap.cpus, 0.01);
  EXPECT_GT(cap.memory, 0u);
  auto s = read_load_sample(0);
  EXPECT_GT(s.rss, 0u);
  EXPECT_GT(s.host.total, 0u);
  EXPECT_GT(s.memory.total, 0u);
  utilisation_meter meter{cap, 100};
  auto u = meter.take(s);
  EXPECT_GT(u.memory, 0);
  EXPECT_LE(u.memory, 1);
  EXPECT_GT(u.host_memory, 0);
  EXPECT_LE(u.host_memory, 1);
}

} // namespace
} // namespace tether
