// Fault injection with jobs flowing (issue 15, item 4): the shipped
// multiprocess.toml plus a second gateway, each process its own OS process;
// two simulator fleets; a pusher that sends jobs to random devices through
// either gateway; and random faults on every process (kill -9 and a restart
// after a pause, or SIGSTOP and SIGCONT after a pause; up to two at once, so
// a node can be frozen while the control restarts).
//
// After the last fault ended, within `bound` (below):
// - every job answered 202 exists (nothing acknowledged is lost) and has
//   reached its device (delivered, acked or done); a job still queued while
//   its device is connected is reported as stuck;
// - every device is connected again, and the clusters count each once;
// - every such job is done (the simulator acks and finishes every job).
//
// The run is seeded (the seed is printed): a failure repeats with
//   TETHER_CHAOS_SEED=<seed> build/tests/e2e/e2e_chaos_test
// Other knobs (environment): TETHER_CHAOS_DURATION_S (fault phase, default
// 35), TETHER_CHAOS_DEVICES (per cluster, default 25), TETHER_CHAOS_RATE
// (jobs per second, default 10). examples/bench/chaos.sh runs long versions.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include "tests/e2e/simulator.hpp"
#include "tests/support/multiprocess.hpp"

using namespace tether::test;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

/// After the last fault ended, every 202'd job reaches its device within
/// this bound: devices reconnect (backoff ≤ 1 s), a restarted control
/// learns the sessions again, and the control's sweep hands over queued jobs
/// of connected terminals after min(job_redelivery, 5 s) (docs/API.md).
constexpr auto bound = 30s;

long env_or(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtol(v, nullptr, 10) : fallback;
}

double secs_since(steady::time_point t0) {
  return std::chrono::duration<double>(steady::now() - t0).count();
}

/// The shipped file with a short keepalive and job resend (so both run
/// through every fault) and a second gateway process.
std::string chaos_file() {
  return multiprocess_test_topology(
    "keepalive = \"2s\"\njob_redelivery = \"5s\"");
}

struct accepted_job {
  std::string id, terminal;
  double at_s; // since the start of the fault phase
};

/// Pushes jobs to random devices of both fleets through random gateways
/// until stopped; keeps the ones answered 202.
class pusher {
public:
  pusher(std::vector<std::string> gateways, int devices, long rate,
         uint32_t seed)
      : gateways_(std::move(gateways)), devices_(devices), rate_(rate),
        rng_(seed) {}
  void start() {
    t0_ = steady::now();
    thread_ = std::thread{[this] {
      run();
    }};
  }
  void stop() {
    stop_ = true;
    if (thread_.joinable())
      thread_.join();
  }
  std::vector<accepted_job> accepted() {
    std::lock_guard guard{mtx_};
    return accepted_;
  }
  std::map<int, int> answers() {
    std::lock_guard guard{mtx_};
    return answers_;
  }

private:
  void run() {
    auto period = std::chrono::milliseconds{1000 / std::max(1L, rate_)};
    auto next = steady::now();
    for (int n = 0; !stop_; ++n) {
      next += period;
      push_one(n);
      std::this_thread::sleep_until(std::max(next, steady::now()));
    }
  }
  void push_one(int n) {
    auto& gw = gateways_[rng_() % gateways_.size()];
    auto terminal = std::string{rng_() % 2 == 0 ? "A" : "B"}
                  + std::to_string(rng_() % devices_);
    auto r = http_call(
      gw, "POST", "/v1/terminals/" + terminal + "/jobs",
      R"({"service":"print","payload":{"n":)" + std::to_string(n) + "}}", 3s);
    std::lock_guard guard{mtx_};
    ++answers_[r.status];
    if (r.status == 202)
      accepted_.push_back(
        {str_at(json_of(r.body), "job_id"), terminal, secs_since(t0_)});
  }
  std::vector<std::string> gateways_;
  int devices_;
  long rate_;
  std::mt19937 rng_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mtx_;
  steady::time_point t0_;
  std::vector<accepted_job> accepted_;
  std::map<int, int> answers_;
};

struct fault {
  std::string process;
  bool kill = false; // kill -9 (else SIGSTOP)
  steady::time_point until;
};

/// Injects random faults for `duration`; returns when every fault ended
/// (killed processes restarted, frozen ones thawed).
class fault_injector {
public:
  fault_injector(multiprocess_deployment& d, uint32_t seed)
      : d_(d), rng_(seed) {}
  void run(std::chrono::seconds duration) {
    auto t0 = steady::now();
    auto next = t0 + pause(500, 3000);
    while (steady::now() < t0 + duration) {
      end_due(false);
      if (steady::now() >= next && active_.size() < 2) {
        begin(t0);
        next = steady::now() + pause(500, 3000);
      }
      std::this_thread::sleep_for(50ms);
    }
    end_due(true);
  }
  std::map<std::string, int> counts() const { return counts_; }

private:
  std::chrono::milliseconds pause(int lo, int hi) {
    return std::chrono::milliseconds{lo + static_cast<int>(rng_() % (hi - lo))};
  }
  void begin(steady::time_point t0) {
    std::vector<std::string> free;
    for (const auto& n : d_.names())
      if (active_.count(n) == 0)
        free.push_back(n);
    fault f{free[rng_() % free.size()], rng_() % 2 == 0, {}};
    auto p = f.kill ? pause(500, 4000) : pause(1000, 6000);
    f.until = steady::now() + p;
    std::printf("[chaos] t=%.1fs %s %s for %.1f s\n", secs_since(t0),
                f.kill ? "kill -9" : "SIGSTOP", f.process.c_str(),
                static_cast<double>(p.count()) / 1000);
    std::fflush(stdout);
    if (f.kill)
      d_.kill9(f.process);
    else
      d_.freeze(f.process);
    ++counts_[f.kill ? "kill -9" : "SIGSTOP"];
    active_[f.process] = f;
  }
  void end_due(bool all) {
    for (auto i = active_.begin(); i != active_.end();) {
      if (!all && steady::now() < i->second.until) {
        ++i;
        continue;
      }
      if (i->second.kill)
        d_.start_process(i->first);
      else
        d_.thaw(i->first);
      i = active_.erase(i);
    }
  }
  multiprocess_deployment& d_;
  std::mt19937 rng_;
  std::map<std::string, fault> active_;
  std::map<std::string, int> counts_;
};

/// One simulator process: `count` devices `prefix`0.. of `region`.
std::unique_ptr<child_process> fleet(multiprocess_deployment& d,
                                     const std::string& prefix,
                                     const std::string& region, int count) {
  return simulator(d.http(),
                   {"--data", d.dir() + "/data-control", "--count",
                    std::to_string(count), "--id-prefix", prefix, "--region",
                    region, "--backoff-min-ms", "100", "--backoff-max-ms",
                    "1000", "--duration-s", "100000", "--stats-interval-s",
                    "5"},
                   d.dir() + "/fleet-" + prefix + ".log");
}

/// The sessions the nodes of `cluster` report (each live session once).
int sessions(const std::string& http, const std::string& cluster) {
  auto cs = json_of(http_call(http, "GET", "/v1/admin/clusters", {}, 2s).body);
  if (!cs.is_object())
    return -1;
  int n = 0;
  for (auto& c : cs.at("clusters").as_array())
    if (str_at(c, "cluster_id") == cluster)
      for (auto& node : c.at("nodes").as_array())
        n += node.at("sessions").to_number<int>();
  return n;
}

int connections(const std::string& http, const std::string& cluster) {
  auto cs = json_of(http_call(http, "GET", "/v1/admin/clusters", {}, 2s).body);
  if (!cs.is_object())
    return -1;
  for (auto& c : cs.at("clusters").as_array())
    if (str_at(c, "cluster_id") == cluster)
      return c.at("connections").to_number<int>();
  return -1;
}

/// Asks for the jobs of `pending` and keeps there only the ones not yet in
/// one of `wanted` (statuses only move forward); returns their statuses
/// ("lost" for a 404).
std::map<std::string, std::string> not_in(const std::string& http,
                                          std::vector<accepted_job>& pending,
                                          const std::set<std::string>& wanted) {
  std::map<std::string, std::string> out;
  std::vector<accepted_job> still;
  for (const auto& j : pending) {
    auto r = http_call(http, "GET", "/v1/jobs/" + j.id, {}, 3s);
    auto status = r.status == 404 ? "lost" : str_at(json_of(r.body), "status");
    if (wanted.count(status) == 0) {
      out[j.id] = status.empty() ? "no answer" : status;
      still.push_back(j);
    }
  }
  pending = std::move(still);
  return out;
}

/// A line per job left: its status, terminal and whether that terminal is
/// connected (a queued job behind a connected device is stuck).
std::string describe(const std::string& http,
                     const std::vector<accepted_job>& jobs,
                     const std::map<std::string, std::string>& left) {
  std::string out;
  for (const auto& j : jobs) {
    auto i = left.find(j.id);
    if (i == left.end())
      continue;
    auto t = json_of(
      http_call(http, "GET", "/v1/terminals/" + j.terminal, {}, 3s).body);
    bool connected = t.is_object() && t.as_object().contains("connected")
                  && t.at("connected").as_bool();
    char line[256];
    std::snprintf(line, sizeof line, "  %s %s (pushed t=%.1fs) to %s%s\n",
                  j.id.c_str(), i->second.c_str(), j.at_s, j.terminal.c_str(),
                  connected ? ", connected: STUCK" : "");
    out += line;
  }
  return out;
}

/// The run of one seed (see the top of this file).
void run_chaos(uint32_t seed) {
  auto duration = std::chrono::seconds{env_or("TETHER_CHAOS_DURATION_S", 35)};
  int devices = static_cast<int>(env_or("TETHER_CHAOS_DEVICES", 25));
  std::printf("[chaos] seed %u, %ld s of faults, %d devices per cluster\n",
              seed, static_cast<long>(duration.count()), devices);
  std::fflush(stdout);
  multiprocess_deployment d{chaos_file()};
  d.start();
  auto a = fleet(d, "A", "GG1", devices);
  auto b = fleet(d, "B", "GG2", devices);
  auto all_connected = [&] {
    return connections(d.http(), "C1") == devices
        && connections(d.http(), "C2") == devices;
  };
  ASSERT_TRUE(eventually(all_connected, 30s)) << d.logs();
  pusher p{{d.http(), d.http("gateway-2")},
           devices,
           env_or("TETHER_CHAOS_RATE", 10),
           seed};
  p.start();
  fault_injector faults{d, seed + 1};
  faults.run(duration);
  p.stop();
  auto last_fault = steady::now();
  auto jobs = p.accepted();
  for (auto& [kind, n] : faults.counts())
    std::printf("[chaos] faults %s: %d\n", kind.c_str(), n);
  for (auto& [status, n] : p.answers())
    std::printf("[chaos] push answers %d: %d\n", status, n);
  ASSERT_GT(jobs.size(), 0u) << d.logs();

  std::map<std::string, std::string> left;
  auto pending = jobs;
  bool reached = eventually(
    [&] {
      left = not_in(d.http(), pending, {"delivered", "acked", "done"});
      return left.empty();
    },
    bound);
  std::printf("[chaos] jobs accepted %zu, every one reached its device %.1f s "
              "after the last fault\n",
              jobs.size(), secs_since(last_fault));
  EXPECT_TRUE(reached) << left.size() << " jobs not reached:\n"
                       << describe(d.http(), jobs, left) << d.logs();
  EXPECT_TRUE(eventually(all_connected, bound))
    << "C1 " << connections(d.http(), "C1") << ", C2 "
    << connections(d.http(), "C2") << " of " << devices << " each\n"
    << d.logs();
  // One live session per device: no stale session of a frozen node or a
  // replaced connection survives.
  EXPECT_TRUE(eventually(
    [&] {
      return sessions(d.http(), "C1") == devices
          && sessions(d.http(), "C2") == devices;
    },
    bound))
    << "sessions: C1 " << sessions(d.http(), "C1") << ", C2 "
    << sessions(d.http(), "C2") << " of " << devices << " each\n"
    << d.logs();
  // Delivered jobs whose session died are resent after job_redelivery (5 s).
  pending = jobs;
  bool done = eventually(
    [&] {
      left = not_in(d.http(), pending, {"done"});
      return left.empty();
    },
    bound);
  std::printf("[chaos] every job done %.1f s after the last fault\n",
              secs_since(last_fault));
  EXPECT_TRUE(done) << left.size() << " jobs not done:\n"
                    << describe(d.http(), jobs, left);
  std::fflush(stdout);
}

TEST(chaos, every_accepted_job_reaches_its_device_after_random_faults) {
  run_chaos(
    static_cast<uint32_t>(env_or("TETHER_CHAOS_SEED", std::random_device{}())));
}

// A seed CI once failed with: cluster C2 had no live node for seconds at a
// time, its devices retried (1013) and the balancer banned 13 of them for
// five minutes as flapping, while the control kept some "connected" through
// sessions that had ended; their jobs stayed queued. Connects the balancer
// refuses itself no longer count towards the ban, and a session gone unseen
// disconnects its terminal (docs/API.md, actors/control/session_probes.hpp).
TEST(chaos, seed_2918001849_no_node_for_seconds_bans_no_device) {
  run_chaos(2918001849u);
}

} // namespace
