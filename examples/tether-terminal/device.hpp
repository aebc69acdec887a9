// tether-terminal: one simulated device and its state machine.
//
// A device registers over HTTP, keeps one WebSocket session to its cluster,
// answers pings, executes jobs (fetching the job's print_url) and follows
// reassign frames. It runs entirely on its executor (the io_context in
// single-threaded mode, a strand otherwise); start() and stop() may be called
// from anywhere, everything else runs there. No thread, no blocking: a fleet of
// tens of thousands shares one io_context.
//
// Transitions (the state is implied by the one operation pending: an HTTP call,
// a session connecting or open, or the timer):
//
//   registering   200 with cluster_urls          -> connecting(url 0)
//                 error, 4xx/5xx, bad body       -> backoff -> registering
//   connecting(i) upgrade ok                     -> online
//                 refused (nothing listens)      -> hop (<= 100 ms) ->
//                                                   connecting(i+1)
//                 503/429, closed, timeout, ...  -> backoff (>= Retry-After)
//                                                   -> connecting(i+1)
//                 last URL failed, or 409 / 404  -> backoff -> registering
//                 (failover.hpp)
//   online        connection lost                -> backoff -> connecting(url
//   0)
//                 reassign(after_ms)             -> after_ms -> GET
//                 destination:
//                                                     200: close session,
//                                                     connecting(new url 0)
//                                                     404: close session,
//                                                     registering other: stay
//                                                     (back off if lost
//                                                     meanwhile)
//   any           stop()                         -> stopped (session closed,
//   timer cancelled)
//
// Backoff is exponential with full jitter (backoff.hpp); a session that stayed
// up for
// --backoff-reset-s resets it.
#pragma once

#include "tether-terminal/backoff.hpp"
#include "tether-terminal/failover.hpp"
#include "tether-terminal/job_memory.hpp"
#include "tether-terminal/loss_clock.hpp"
#include "tether-terminal/options.hpp"
#include "tether-terminal/stats.hpp"
#include "tether-terminal/url_walk.hpp"
#include "tether-terminal/ws_session.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/fwd.hpp>
#include <spdlog/logger.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace tether::terminal {

struct http_response;

// What every device of a fleet shares. Built once by the fleet, read-only
// afterwards (except the counters, which are atomics).
struct fleet_context {
  const terminal_options& options;
  fleet_stats& stats;
  std::shared_ptr<spdlog::logger> log;
  // Level of per-device lifecycle lines: info for a single device (narrate what
  // happens), debug for a fleet (where the periodic counters tell the story).
  spdlog::level::level_enum event_level = spdlog::level::info;
  // Called on the device's executor after a job was reported done
  // (--exit-after-jobs).
  std::function<void()> on_job_done;
  std::uint64_t seed
    = 0; // mixed with the id into each device's jitter generator
};

class device final : public ws_events,
                     public std::enable_shared_from_this<device> {
public:
  device(boost::asio::any_io_executor ex, const fleet_context& ctx,
         std::string id, std::optional<boost::asio::ip::address> source);

  // Begins registering. Thread-safe (posts to the device's executor).
  void start();
  // Closes the session, cancels retries; no further activity starts.
  // Thread-safe.
  void stop();
  // Drops the reference to the current session (breaks the device <-> session
  // cycle). Only after the io_context has stopped running.
  void release();

  const std::string& id() const { return id_; }

private:
  enum class step { connect, next_url, register_again, fetch_destination };

  // --- register and destination (HTTP)
  // Signs register / destination when the group key is known (empty: not).
  std::function<std::string(std::string_view, std::string_view,
                            std::string_view)>
  proof() const;
  void do_register();
  void on_register(const http_response& res);
  void do_fetch_destination();
  void on_destination(const http_response& res);
  bool take_destination(const http_response& res);

  // --- the WebSocket session
  void do_connect();
  void drop_session();
  void on_ws_open(ws_connection& c) override;
  void on_ws_message(ws_connection& c, std::string_view text) override;
  void on_ws_failed(ws_connection& c, const ws_failure& f) override;
  void on_ws_closed(ws_connection& c, const ws_ended& e) override;

  // --- retries and delays (one timer: the states that need it exclude each
  // other)
  void retry_later(step next, std::chrono::milliseconds at_least = {});
  void fail_over(const ws_failure& f);
  void schedule(step next, std::chrono::milliseconds delay);
  void on_timer(std::uint64_t seq, step next);

  // --- server frames
  void on_hello(const boost::json::object& frame);
  void on_ping(const boost::json::object& frame);
  // `received`: when the frame came off the socket (system_clock, for push
  // latency).
  void on_job(const boost::json::object& frame,
              std::chrono::system_clock::time_point received);
  void record_push_latency(const boost::json::object& frame,
                           std::chrono::system_clock::time_point received);
  void on_reassign(const boost::json::object& frame);
  void on_print_fetched(const std::string& job_id, const http_response& res);
  void complete_job(const std::string& job_id, job_status status,
                    std::string detail);
  bool send_result(const std::string& job_id, job_record& record);
  bool send_frame(const boost::json::object& frame);

  boost::asio::any_io_executor ex_;
  const fleet_context& ctx_;
  std::string id_;
  std::optional<boost::asio::ip::address> source_;
  boost::asio::steady_timer timer_;
  std::uint64_t timer_seq_
    = 0; // a timer completion for an older schedule() is ignored
  std::minstd_rand rng_;
  backoff backoff_;
  failover failover_;

  // Destination from the last register / destination answer.
  std::vector<std::string> urls_;
  std::string token_;
  unsigned keepalive_s_ = 30;
  url_walk walk_; // where in urls_ the device is

  std::shared_ptr<ws_connection> session_;
  std::uint64_t sessions_opened_ = 0;
  std::chrono::steady_clock::time_point opened_at_{};
  // For fleet_stats' phase histograms: when start() was called, and when the
  // step under way (register, connect, waiting for the hello) began.
  std::chrono::steady_clock::time_point started_at_{}, phase_at_{};
  bool hello_due_ = false;  // the open session has not said hello yet
  bool hello_seen_ = false; // a hello came at least once
  loss_clock loss_;         // a lost session to the next hello
  job_memory jobs_;

  bool stopped_ = false;
  bool registered_once_ = false;
  bool reassign_pending_
    = false; // between a reassign frame and its destination answer
};

} // namespace tether::terminal
