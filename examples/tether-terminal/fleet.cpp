#include "tether-terminal/fleet.hpp"
#include "tether-terminal/start_gate.hpp"

#include "tether-terminal/device.hpp"
#include "tether-terminal/http_client.hpp"
#include "tether-terminal/stats.hpp"
#include "tether-terminal/ws_session.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <random>
#include <thread>

namespace tether::terminal {

namespace net = boost::asio;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

// Ramp granularity: devices due are started in batches this far apart.
constexpr auto ramp_tick = 10ms;
// After a stop, how long sessions get to finish their close handshakes.
constexpr auto stop_grace = 3s;
constexpr auto drain_poll = 20ms;

enum class stop_reason { none, signal, duration, jobs_done };

const char* to_string(stop_reason r) {
  switch (r) {
  case stop_reason::signal:
    return "signal";
  case stop_reason::duration:
    return "duration elapsed";
  case stop_reason::jobs_done:
    return "--exit-after-jobs reached";
  case stop_reason::none:
    break;
  }
  return "none";
}

} // namespace

// All members except the counters are touched only on `strand` (fleet-level
// work) or before/after the io_context runs.
struct fleet::impl {
  impl(terminal_options o, std::vector<net::ip::address> s,
       std::shared_ptr<spdlog::logger> l)
      : options(std::move(o)), sources(std::move(s)),
        log(std::move(l)), ctx{options, stats, log, spdlog::level::info, {}, 0},
        ioc(static_cast<int>(options.threads)), strand(net::make_strand(ioc)),
        ramp_timer(strand), stats_timer(strand), duration_timer(strand),
        drain_timer(strand), signals(strand, SIGINT, SIGTERM) {}

  terminal_options options;
  std::vector<net::ip::address> sources;
  std::shared_ptr<spdlog::logger> log;
  fleet_stats stats;
  fleet_context ctx;

  // Declared before everything that holds handlers or sockets, so destroyed
  // last.
  net::io_context ioc;
  net::strand<net::io_context::executor_type> strand;
  net::steady_timer ramp_timer, stats_timer, duration_timer, drain_timer;
  // Watches the connected count until every device is connected (said
  // once), so that "started" is never mistaken for "connected".
  net::steady_timer watch_timer{strand};
  std::int64_t peak_connected = 0;
  bool all_connected_said = false;
  net::signal_set signals;

  std::vector<std::shared_ptr<device>> devices;
  std::size_t started = 0;
  clock_type::time_point start_time;
  clock_type::time_point drain_deadline;
  stop_reason reason = stop_reason::none;
  int signal_count = 0;

  std::size_t devices_count() const {
    return options.id.empty() ? options.count : 1;
  }
  void create_devices();
  void on_ramp_tick();
  void arm_stats();
  void watch_connected();
  bool note_all_connected(); // says so once; true once every one is
  std::int64_t connected_now();
  void print_stats(const char* tag);
  void arm_signals();
  void stop(stop_reason why);
  void on_drain_tick();
  int finish();
};

void fleet::impl::create_devices() {
  ctx.event_level
    = devices_count() == 1 ? spdlog::level::info : spdlog::level::debug;
  ctx.seed = std::random_device{}();
  // --exit-after-jobs: the device that completes the N-th job asks the fleet to
  // stop.
  if (options.exit_after_jobs > 0)
    ctx.on_job_done = [this] {
      if (stats.done.load(std::memory_order_relaxed) >= options.exit_after_jobs)
        net::post(strand, [this] { stop(stop_reason::jobs_done); });
    };

  auto ids = device_ids(options);
  devices.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    // One thread: the io_context itself serializes everything; strands would
    // only cost.
    net::any_io_executor ex = options.threads > 1
                              ? net::any_io_executor(net::make_strand(ioc))
                              : net::any_io_executor(ioc.get_executor());
    // Device i always uses source address i mod n: a device keeps "its"
    // address, and the connections spread evenly over the addresses.
    std::optional<net::ip::address> source;
    if (!sources.empty())
      source = sources[i % sources.size()];
    devices.push_back(
      std::make_shared<device>(ex, ctx, std::move(ids[i]), source));
  }
}

// Starts the devices that are due: R per second since the start, the first at
// once.
void fleet::impl::on_ramp_tick() {
  if (reason != stop_reason::none)
    return;
  double elapsed
    = std::chrono::duration<double>(clock_type::now() - start_time).count();
  auto connected = static_cast<std::size_t>(
    std::max<std::int64_t>(0, stats.connected.load(std::memory_order_relaxed)));
  std::size_t due = due_starts(devices.size(), elapsed, options.ramp_per_s,
                               started, connected, options.max_connecting);
  while (started < due)
    devices[started++]->start();
  if (started < devices.size()) {
    ramp_timer.expires_after(ramp_tick);
    ramp_timer.async_wait([this](boost::system::error_code ec) {
      if (!ec)
        on_ramp_tick();
    });
  } else {
    log->info("all {} devices started ({} connected so far)", devices.size(),
              connected_now());
  }
}

std::int64_t fleet::impl::connected_now() {
  auto n = stats.connected.load(std::memory_order_relaxed);
  peak_connected = std::max(peak_connected, n);
  return n;
}

bool fleet::impl::note_all_connected() {
  if (!all_connected_said
      && connected_now() >= static_cast<std::int64_t>(devices.size())) {
    all_connected_said = true;
    log->info(
      "all {} devices connected after {:.1f} s", devices.size(),
      std::chrono::duration<double>(clock_type::now() - start_time).count());
  }
  return all_connected_said;
}

void fleet::impl::watch_connected() {
  if (reason != stop_reason::none || note_all_connected())
    return;
  watch_timer.expires_after(std::chrono::milliseconds(200));
  watch_timer.async_wait([this](boost::system::error_code ec) {
    if (!ec)
      watch_connected();
  });
}

void fleet::impl::arm_stats() {
  stats_timer.expires_after(options.stats_interval);
  stats_timer.async_wait([this](boost::system::error_code ec) {
    if (ec || reason != stop_reason::none)
      return;
    print_stats("stats");
    arm_stats();
  });
}

void fleet::impl::print_stats(const char* tag) {
  double t
    = std::chrono::duration<double>(clock_type::now() - start_time).count();
  // stdout, one line, flushed: scripts and humans follow it with tail -f /
  // grep.
  std::printf("%s t=%.1fs %s\n", tag, t, to_line(stats.snapshot()).c_str());
  std::fflush(stdout);
}

void fleet::impl::arm_signals() {
  signals.async_wait([this](boost::system::error_code ec, int signo) {
    if (ec)
      return; // cancelled at the end of a graceful stop
    if (++signal_count == 1) {
      log->info("signal {}: stopping (again to force)", signo);
      // Armed again before stopping: a stop with nothing to drain (no
      // connection, as while the server is down) cancels the wait at once,
      // and a wait armed after that kept the process alive until a second
      // signal.
      arm_signals();
      stop(stop_reason::signal);
    } else {
      log->warn("signal {} again: forcing exit", signo);
      ioc.stop();
    }
  });
}

void fleet::impl::stop(stop_reason why) {
  if (reason != stop_reason::none)
    return;
  note_all_connected();
  reason = why;
  log->info("stopping: {}; {} of {} devices connected (peak {})",
            to_string(why), connected_now(), devices.size(), peak_connected);
  watch_timer.cancel();
  ramp_timer.cancel();
  stats_timer.cancel();
  duration_timer.cancel();
  for (std::size_t i = 0; i < started; ++i)
    devices[i]->stop();
  drain_deadline = clock_type::now() + stop_grace;
  on_drain_tick();
}

// Waits until every session and HTTP exchange has ended; then nothing is left
// to run and io_context::run() returns by itself. Past the grace period, stop
// the io_context.
void fleet::impl::on_drain_tick() {
  if (ws_connections_alive() == 0 && http_exchanges_in_flight() == 0) {
    signals.cancel();
    return;
  }
  if (clock_type::now() >= drain_deadline) {
    log->warn(
      "{} sessions and {} HTTP exchanges still open after {} s: forcing exit",
      ws_connections_alive(), http_exchanges_in_flight(),
      std::chrono::duration_cast<std::chrono::seconds>(stop_grace).count());
    ioc.stop();
    return;
  }
  drain_timer.expires_after(drain_poll);
  drain_timer.async_wait([this](boost::system::error_code ec) {
    if (!ec)
      on_drain_tick();
  });
}

int fleet::impl::finish() {
  // The io_context is stopped: no handler runs any more, so this is safe from
  // here.
  for (auto& d : devices)
    d->release();
  print_stats("final");
  log->info("summary: {} devices, at most {} connected at once, {} registered",
            devices.size(), peak_connected,
            stats.registered.load(std::memory_order_relaxed));
  int code = 0;
  if (options.exit_after_jobs > 0
      && stats.done.load(std::memory_order_relaxed) < options.exit_after_jobs) {
    log->warn("--exit-after-jobs {}: only {} jobs done",
              options.exit_after_jobs,
              stats.done.load(std::memory_order_relaxed));
    code = 1;
  }
  if (!options.stats_json.empty()) {
    std::ofstream out(options.stats_json, std::ios::trunc);
    out << to_json(stats.snapshot()) << '\n';
    out.close();
    if (!out) {
      log->error("cannot write --stats-json {}", options.stats_json);
      code = 1;
    }
  }
  return code;
}

fleet::fleet(terminal_options options, std::vector<net::ip::address> sources,
             std::shared_ptr<spdlog::logger> log)
    : impl_(std::make_unique<impl>(std::move(options), std::move(sources),
                                   std::move(log))) {}

fleet::~fleet() = default;

int fleet::run() {
  auto& f = *impl_;
  f.create_devices();
  f.start_time = clock_type::now();
  f.log->info(
    "{} device(s), server {}, {} source address(es), ramp {}/s, {} thread(s)",
    f.devices.size(), f.options.server, f.sources.size(), f.options.ramp_per_s,
    f.options.threads);

  net::post(f.strand, [&f] {
    f.arm_signals();
    f.watch_connected();
    if (f.options.duration.count() > 0) {
      f.duration_timer.expires_after(f.options.duration);
      f.duration_timer.async_wait([&f](boost::system::error_code ec) {
        if (!ec)
          f.stop(stop_reason::duration);
      });
    }
    if (f.options.stats_interval.count() > 0)
      f.arm_stats();
    f.on_ramp_tick();
  });

  std::vector<std::thread> extra;
  for (unsigned i = 1; i < f.options.threads; ++i)
    extra.emplace_back([&f] { f.ioc.run(); });
  f.ioc.run();
  for (auto& t : extra)
    t.join();
  return f.finish();
}

} // namespace tether::terminal
