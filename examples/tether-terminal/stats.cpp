#include "tether-terminal/stats.hpp"

#include <cstdio>
#include <utility>

namespace tether::terminal {

namespace {

// The one list of (name, value) pairs both renderings use, so they never drift
// apart.
template <class F>
void for_each_field(const stats_snapshot& s, F&& f) {
  f("devices", s.devices);
  f("registered", s.registered);
  f("registrations", s.registrations);
  f("register_failures", s.register_failures);
  f("connected", s.connected);
  f("connect_failures", s.connect_failures);
  f("reconnects", s.reconnects);
  f("disconnects", s.disconnects);
  f("pings", s.pings);
  f("jobs", s.jobs);
  f("duplicates", s.duplicates);
  f("done", s.done);
  f("failed", s.failed);
  f("reassigns", s.reassigns);
  f("bad_frames", s.bad_frames);
  f("latency_count", s.latency.count);
  f("latency_p50_ms", s.latency.p50_ms);
  f("latency_p90_ms", s.latency.p90_ms);
  f("latency_p99_ms", s.latency.p99_ms);
  f("latency_max_ms", s.latency.max_ms);
  f("latency_negative", s.latency_negative);
  f("hellos", s.hellos);
  f("last_hello_ms", s.last_hello_ms);
  f("connect_refused", s.connect_refused);
  f("connect_busy", s.connect_busy);
  f("connect_closed", s.connect_closed);
  f("connect_timeouts", s.connect_timeouts);
  f("connect_not_here", s.connect_not_here);
  f("connect_other", s.connect_other);
  auto phase = [&f](const char* name, const latency_summary& l) {
    std::string n(name);
    f((n + "_count").c_str(), l.count);
    f((n + "_mean_ms").c_str(), l.mean_ms);
    f((n + "_p50_ms").c_str(), l.p50_ms);
    f((n + "_p99_ms").c_str(), l.p99_ms);
    f((n + "_max_ms").c_str(), l.max_ms);
  };
  phase("start_lag", s.start_lag);
  phase("register_rtt", s.register_rtt);
  phase("upgrade_rtt", s.upgrade_rtt);
  phase("hello_wait", s.hello_wait);
  phase("first_hello", s.first_hello);
  phase("lost_to_hello", s.lost_to_hello);
}

std::string format_value(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}
template <class T>
std::string format_value(T v) {
  return std::to_string(v);
}

} // namespace

stats_snapshot fleet_stats::snapshot() const {
  constexpr auto r = std::memory_order_relaxed;
  stats_snapshot s;
  s.devices = devices.load(r);
  s.registered = registered.load(r);
  s.registrations = registrations.load(r);
  s.register_failures = register_failures.load(r);
  s.connected = connected.load(r);
  s.connect_failures = connect_failures.load(r);
  s.reconnects = reconnects.load(r);
  s.disconnects = disconnects.load(r);
  s.pings = pings.load(r);
  s.jobs = jobs.load(r);
  s.duplicates = duplicates.load(r);
  s.done = done.load(r);
  s.failed = failed.load(r);
  s.reassigns = reassigns.load(r);
  s.bad_frames = bad_frames.load(r);
  s.latency = push_latency.summary();
  s.latency_negative = latency_negative.load(r);
  s.hellos = hellos.load(r);
  s.last_hello_ms = last_hello_ms.load(r);
  s.connect_refused = connect_refused.load(r);
  s.connect_busy = connect_busy.load(r);
  s.connect_closed = connect_closed.load(r);
  s.connect_timeouts = connect_timeouts.load(r);
  s.connect_not_here = connect_not_here.load(r);
  s.connect_other = connect_other.load(r);
  s.start_lag = start_lag.summary();
  s.register_rtt = register_rtt.summary();
  s.upgrade_rtt = upgrade_rtt.summary();
  s.hello_wait = hello_wait.summary();
  s.first_hello = first_hello.summary();
  s.lost_to_hello = lost_to_hello.summary();
  return s;
}

void fleet_stats::connect_failed(connect_failure why) {
  // In the order of connect_failure's values.
  static constexpr std::atomic<std::uint64_t> fleet_stats::*by_cause[]
    = {&fleet_stats::connect_refused,  &fleet_stats::connect_busy,
       &fleet_stats::connect_closed,   &fleet_stats::connect_timeouts,
       &fleet_stats::connect_not_here, &fleet_stats::connect_other};
  bump(connect_failures);
  bump(this->*by_cause[static_cast<std::size_t>(why)]);
}

void fleet_stats::hello_at(std::int64_t now_ms) {
  constexpr auto r = std::memory_order_relaxed;
  hellos.fetch_add(1, r);
  auto last = last_hello_ms.load(r);
  while (last < now_ms && !last_hello_ms.compare_exchange_weak(last, now_ms, r))
    ;
}

std::string to_line(const stats_snapshot& s) {
  std::string line;
  for_each_field(s, [&](const char* name, auto value) {
    if (!line.empty())
      line += ' ';
    line += name;
    line += '=';
    line += format_value(value);
  });
  return line;
}

std::string to_json(const stats_snapshot& s) {
  // Written by hand: the object is flat, the names are plain identifiers, and
  // Boost.JSON would print the millisecond values as "1.151E0".
  std::string out = "{";
  for_each_field(s, [&](const char* name, auto value) {
    if (out.size() > 1)
      out += ',';
    out += '"';
    out += name;
    out += "\":";
    out += format_value(value);
  });
  out += '}';
  return out;
}

} // namespace tether::terminal
