#include "push_bench.hpp"

#include "tether-terminal/url.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

namespace tether::push_bench {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// After a failed connect, a connection waits this long before it takes the next
// job, so a server that is down costs a few attempts per second and not a busy
// loop.
constexpr auto connect_retry_pause = 100ms;
// Answers are small ({"job_id":..,"status":"queued"} or an error object);
// a bulk answer holds one result (~100 bytes) per job.
constexpr std::uint64_t body_limit = 64 * 1024;
constexpr std::uint64_t bulk_body_limit = 64 * 1024 * 1024;

std::int64_t unix_us_now() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::uint64_t micros(steady::duration d) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  return us < 0 ? 0 : static_cast<std::uint64_t>(us);
}

// Unix time in milliseconds with microsecond fraction ("1763900000123.456").
std::string unix_ms_now() {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%lld.%03lld",
                static_cast<long long>(us / 1000),
                static_cast<long long>(us % 1000));
  return buf;
}

// The number after `key` in a JSON text (0 when absent).
std::uint64_t count_of(const std::string& text, const char* key) {
  auto at = text.find(key);
  if (at == std::string::npos)
    return 0;
  return std::strtoull(text.c_str() + at + std::strlen(key), nullptr, 10);
}

class connection;

// Everything below runs on the one io_context thread: no locks.
struct runner {
  runner(const bench_options& o, const terminal::parsed_url& url,
         tcp::resolver::results_type eps)
      : opts(o), host_header(url.host_header), endpoints(std::move(eps)),
        signals(ioc, SIGINT, SIGTERM) {}

  const bench_options& opts;
  std::string host_header;
  net::io_context ioc{1};
  tcp::resolver::results_type endpoints;
  net::signal_set signals;
  std::vector<std::weak_ptr<connection>> connections;
  std::size_t active = 0; // connections that have not finished

  steady::time_point start, stop_at;
  std::optional<steady::time_point> first_send;
  steady::time_point last_answer;
  std::uint64_t claimed = 0;
  bool stopping = false;
  std::string stop_reason;
  int signal_count = 0;

  bench_result result;
  terminal::latency_histogram api_latency, schedule_lag;

  // The next job for a connection (--bulk: the first of up to K, their
  // number in `n`), with its due time; nullopt once the run is over.
  std::optional<std::uint64_t> claim(steady::time_point& due,
                                     std::uint64_t& n) {
    if (stopping)
      return std::nullopt;
    if (claimed >= opts.jobs) {
      stopping = true;
      stop_reason = "jobs";
      return std::nullopt;
    }
    due = opts.rate > 0 ? start
                            + std::chrono::duration_cast<steady::duration>(
                              std::chrono::duration<double>(
                                static_cast<double>(claimed) / opts.rate))
                        : steady::now();
    if (due >= stop_at || steady::now() >= stop_at) {
      stopping = true;
      stop_reason = "duration";
      return std::nullopt;
    }
    n = std::min<std::uint64_t>(std::max<std::size_t>(opts.bulk, 1),
                                opts.jobs - claimed);
    auto first = claimed;
    claimed += n;
    return first;
  }

  void arm_signals();
  void on_signal();
  void connection_done() {
    if (--active == 0)
      signals.cancel();
  }
};

class connection : public std::enable_shared_from_this<connection> {
public:
  explicit connection(runner& r) : r_(r), stream_(r.ioc), timer_(r.ioc) {}

  void next() {
    steady::time_point due;
    auto seq = r_.claim(due, n_);
    if (!seq)
      return finish();
    seq_ = *seq;
    due_ = due;
    if (r_.opts.rate > 0 && due > steady::now()) {
      timer_.expires_at(due);
      timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (ec || self->r_.signal_count > 0)
          return self->finish();
        self->send();
      });
      return;
    }
    send();
  }

  // Wakes a connection waiting for its due time (on a signal).
  void cancel_wait() { timer_.cancel(); }

private:
  void send() {
    if (connected_)
      return write();
    stream_.expires_after(r_.opts.request_timeout);
    stream_.async_connect(r_.endpoints, [self = shared_from_this()](
                                          beast::error_code ec,
                                          const tcp::endpoint&) {
      if (ec) {
        ++self->r_.result.transport_errors;
        ++self->r_.result.issued; // the claimed job is lost: count it as tried
        if (self->r_.result.transport_errors <= 5)
          std::fprintf(stderr, "tether-push-bench: connect failed: %s\n",
                       ec.message().c_str());
        self->stream_.close();
        self->timer_.expires_after(connect_retry_pause);
        self->timer_.async_wait([self](beast::error_code) { self->next(); });
        return;
      }
      self->connected_ = true;
      ++self->r_.result.connects;
      beast::error_code ignored;
      self->stream_.socket().set_option(tcp::no_delay(true), ignored);
      self->write();
    });
  }

  // One job's payload; sent_at_ms taken now.
  std::string payload(std::uint64_t seq) const {
    return "{\"sent_at_ms\":" + unix_ms_now()
         + ",\"seq\":" + std::to_string(seq) + "}";
  }

  // {"jobs":[...]} of jobs seq_ .. seq_+n_-1.
  std::string bulk_body() const {
    std::string body = "{\"jobs\":[";
    for (std::uint64_t k = seq_; k < seq_ + n_; ++k)
      body += (k == seq_ ? "" : ",") + std::string{"{\"terminal_id\":\""}
            + r_.opts.id_prefix + std::to_string(k % r_.opts.count)
            + "\",\"service\":\"" + r_.opts.service
            + "\",\"payload\":" + payload(k) + "}";
    return body + "]}";
  }

  void write() {
    auto terminal = r_.opts.id_prefix + std::to_string(seq_ % r_.opts.count);
    req_ = {};
    req_.method(http::verb::post);
    req_.target(r_.opts.bulk > 0 ? std::string{"/v1/jobs/bulk"}
                                 : "/v1/terminals/" + terminal + "/jobs");
    req_.version(11);
    req_.set(http::field::host, r_.host_header);
    req_.set(http::field::user_agent, "tether-push-bench/0.1");
    req_.set(http::field::content_type, "application/json");
    if (!r_.opts.api_key.empty())
      req_.set(http::field::authorization, "Bearer " + r_.opts.api_key);
    req_.keep_alive(true);
    // sent_at_ms last of all, just before the write.
    auto now = steady::now();
    req_.body() = r_.opts.bulk > 0
                  ? bulk_body()
                  : "{\"service\":\"" + r_.opts.service
                      + "\",\"payload\":" + payload(seq_) + "}";
    req_.prepare_payload();
    if (r_.opts.rate > 0)
      r_.schedule_lag.record_us(micros(now - due_));
    if (!r_.first_send)
      r_.first_send = now;
    r_.result.issued += n_;
    sent_ = now;
    if (r_.opts.trace)
      sent_unix_us_ = unix_us_now();
    stream_.expires_after(r_.opts.request_timeout);
    http::async_write(
      stream_, req_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec)
          return self->fail("write", ec);
        self->read();
      });
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(r_.opts.bulk > 0 ? bulk_body_limit : body_limit);
    http::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec)
          return self->fail("read", ec);
        self->on_answer();
      });
  }

  void on_answer() {
    auto now = steady::now();
    stream_.expires_never();
    r_.last_answer = now;
    auto& res = parser_->get();
    auto status = res.result_int();
    if (r_.opts.trace && (status == 202 || status == 200))
      r_.result.trace.push_back({sent_unix_us_, micros(now - sent_)});
    if (status == 202) {
      ++r_.result.accepted;
      r_.api_latency.record_us(micros(now - sent_));
    } else if (status == 200 && r_.opts.bulk > 0) {
      auto accepted = count_of(res.body(), "\"accepted\":");
      r_.result.accepted += accepted;
      r_.result.refused_items += n_ - std::min(n_, accepted);
      r_.api_latency.record_us(micros(now - sent_));
    } else {
      if (r_.result.other_statuses[status]++ == 0)
        std::fprintf(stderr, "tether-push-bench: first HTTP %u: %.200s\n",
                     status, res.body().c_str());
    }
    if (!res.keep_alive())
      close();
    next();
  }

  void fail(const char* what, beast::error_code ec) {
    ++r_.result.transport_errors;
    r_.last_answer = steady::now();
    if (r_.result.transport_errors <= 5)
      std::fprintf(stderr, "tether-push-bench: %s failed: %s\n", what,
                   ec.message().c_str());
    close();
    next();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    buffer_.clear();
    connected_ = false;
  }

  void finish() {
    if (finished_)
      return;
    finished_ = true;
    if (connected_)
      close();
    r_.connection_done();
  }

  runner& r_;
  beast::tcp_stream stream_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  std::optional<http::response_parser<http::string_body>> parser_;
  bool connected_ = false;
  bool finished_ = false;
  std::uint64_t seq_ = 0;
  std::uint64_t n_ = 1; // jobs in the request (--bulk)
  steady::time_point due_, sent_;
  std::int64_t sent_unix_us_ = 0; // --trace only
};

void runner::arm_signals() {
  signals.async_wait([this](beast::error_code ec, int) {
    if (ec)
      return;
    on_signal();
  });
}

void runner::on_signal() {
  if (++signal_count > 1) {
    std::fprintf(stderr, "tether-push-bench: second signal: exiting now\n");
    ioc.stop();
    return;
  }
  std::fprintf(stderr,
               "tether-push-bench: signal: finishing requests in flight\n");
  result.interrupted = true;
  if (!stopping) {
    stopping = true;
    stop_reason = "signal";
  }
  for (auto& w : connections)
    if (auto c = w.lock())
      c->cancel_wait();
  arm_signals();
}

} // namespace

bool run_bench(const bench_options& o, bench_result& result,
               std::string& error) {
  auto url = terminal::parse_url(o.server, {"http"}, error);
  if (!url)
    return false;
  tcp::resolver::results_type endpoints;
  {
    net::io_context resolve_ctx;
    tcp::resolver resolver(resolve_ctx);
    beast::error_code ec;
    endpoints = resolver.resolve(url->host, std::to_string(url->port), ec);
    if (ec) {
      error = "cannot resolve " + url->host + ": " + ec.message();
      return false;
    }
  }

  runner r(o, *url, endpoints);
  r.start = steady::now();
  r.stop_at = r.start + o.duration;
  r.arm_signals();
  std::vector<std::shared_ptr<connection>> conns;
  for (std::size_t i = 0; i < o.concurrency; ++i) {
    conns.push_back(std::make_shared<connection>(r));
    r.connections.push_back(conns.back());
  }
  r.active = conns.size();
  for (auto& c : conns)
    c->next();
  conns.clear(); // the connections live in their handlers from here on
  r.ioc.run();

  result = std::move(r.result);
  result.stop_reason = r.stop_reason;
  if (r.first_send) {
    result.elapsed_s
      = std::chrono::duration<double>(r.last_answer - *r.first_send).count();
    if (result.elapsed_s > 0)
      result.accepted_per_s
        = static_cast<double>(result.accepted) / result.elapsed_s;
  }
  result.api_latency = r.api_latency.summary();
  result.schedule_lag = r.schedule_lag.summary();
  return true;
}

} // namespace tether::push_bench
