#include "tether-terminal/device.hpp"

#include "tether-terminal/device_proof.hpp"
#include "tether-terminal/http_client.hpp"
#include "tether-terminal/url.hpp"

#include <boost/asio/post.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <exception>

namespace tether::terminal {

namespace net = boost::asio;
namespace json = boost::json;
namespace http = boost::beast::http;
using namespace std::chrono_literals;

namespace {

using steady = std::chrono::steady_clock;

void record_span(latency_histogram& h, steady::duration span) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(span).count();
  h.record_us(static_cast<std::uint64_t>(std::max<std::int64_t>(0, us)));
}

void record_since(latency_histogram& h, steady::time_point since) {
  record_span(h, steady::now() - since);
}

// Longest excerpt of a bad frame quoted in a log line.
constexpr std::size_t log_excerpt = 200;
// Upper bound for a reassign delay: a garbage value must not park a device for
// days.
constexpr std::int64_t max_reassign_ms = 10 * 60 * 1000;

const json::string* string_field(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v ? v->if_string() : nullptr;
}

// A JSON number as a whole count of something, if it is one (ints, or doubles
// like 1e3).
std::optional<std::int64_t> integer_field(const json::object& o,
                                          std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v)
    return std::nullopt;
  if (auto* i = v->if_int64())
    return *i;
  if (auto* u = v->if_uint64())
    return static_cast<std::int64_t>(std::min<std::uint64_t>(*u, INT64_MAX));
  if (auto* d = v->if_double()) {
    if (*d >= 0 && *d < 9e18)
      return static_cast<std::int64_t>(*d);
  }
  return std::nullopt;
}

std::string excerpt(std::string_view text) {
  if (text.size() <= log_excerpt)
    return std::string(text);
  return std::string(text.substr(0, log_excerpt)) + "...";
}

} // namespace

device::device(net::any_io_executor ex, const fleet_context& ctx,
               std::string id, std::optional<net::ip::address> source)
    : ex_(ex), ctx_(ctx), id_(std::move(id)), source_(source), timer_(ex),
      rng_(static_cast<std::minstd_rand::result_type>(
        ctx.seed ^ std::hash<std::string>{}(id_))),
      backoff_(ctx.options.backoff_min, ctx.options.backoff_max),
      failover_(ctx.options.failover_hop), jobs_(ctx.options.dedupe_window) {}

void device::start() {
  net::post(ex_, [self = shared_from_this(), called = steady::now()] {
    if (self->stopped_)
      return;
    self->started_at_ = called;
    record_since(self->ctx_.stats.start_lag, called);
    bump(self->ctx_.stats.devices);
    self->do_register();
  });
}

void device::stop() {
  net::post(ex_, [self = shared_from_this()] {
    self->stopped_ = true;
    ++self->timer_seq_;
    self->timer_.cancel();
    // Stay attached: the session's final callback still keeps the counters
    // right.
    if (self->session_)
      self->session_->close();
  });
}

void device::release() {
  session_.reset();
}

// ---------------------------------------------------------------- register /
// destination

http_request::authorizer device::proof() const {
  const auto& o = ctx_.options;
  if (o.group_key.empty() || !o.client_cert_file.empty())
    return {}; // no key, or the certificate proves who the device is
  return [&o, id = id_](std::string_view method, std::string_view target,
                        std::string_view body) {
    return device_proof(o.group, o.group_key, id, method, target, body);
  };
}

void device::do_register() {
  json::object body;
  body["terminal_id"] = id_;
  const auto& o = ctx_.options;
  if (!o.model.empty())
    body["model"] = o.model;
  if (!o.firmware.empty())
    body["firmware"] = o.firmware;
  if (!o.region.empty())
    body["region"] = o.region;
  if (!o.attributes.empty()) {
    json::object attrs;
    for (const auto& [k, v] : o.attributes)
      attrs[k] = v;
    body["attributes"] = std::move(attrs);
  }
  if (!o.services.empty()) {
    json::array services;
    for (const auto& s : o.services)
      services.emplace_back(s);
    body["services"] = std::move(services);
  }
  http_request req;
  req.method = http::verb::post;
  req.url = join_path(o.server, "/v1/terminals/register");
  req.body = json::serialize(body);
  req.authorize = proof();
  req.source = source_;
  req.timeout = o.http_timeout;
  ctx_.log->log(ctx_.event_level, "[{}] registering at {}", id_, o.server);
  phase_at_ = steady::now();
  async_http(
    ex_, std::move(req),
    [self = shared_from_this()](http_response res) { self->on_register(res); });
}

void device::on_register(const http_response& res) {
  if (stopped_)
    return;
  if (!take_destination(res)) {
    bump(ctx_.stats.register_failures);
    ctx_.log->log(ctx_.event_level, "[{}] register failed: {}", id_,
                  res.describe());
    return retry_later(step::register_again, res.retry_after);
  }
  record_since(ctx_.stats.register_rtt, phase_at_);
  if (!registered_once_)
    bump(ctx_.stats.registered);
  registered_once_ = true;
  bump(ctx_.stats.registrations);
  walk_.reset(urls_.size());
  do_connect();
}

void device::do_fetch_destination() {
  http_request req;
  req.url
    = join_path(ctx_.options.server, "/v1/terminals/" + id_ + "/destination");
  req.authorize = proof();
  req.source = source_;
  req.timeout = ctx_.options.http_timeout;
  async_http(ex_, std::move(req),
             [self = shared_from_this()](http_response res) {
               self->on_destination(res);
             });
}

void device::on_destination(const http_response& res) {
  reassign_pending_ = false;
  if (stopped_)
    return;
  if (take_destination(res)) {
    bump(ctx_.stats.registrations);
    ctx_.log->log(ctx_.event_level, "[{}] new destination {}", id_,
                  urls_.front());
    // Move over: the old session is closed politely, the new one opened right
    // away.
    drop_session();
    walk_.reset(urls_.size());
    return do_connect();
  }
  bump(ctx_.stats.register_failures);
  if (res.error.empty() && res.status == 404) {
    // The server forgot us: start over.
    ctx_.log->log(ctx_.event_level,
                  "[{}] destination: not registered, registering", id_);
    drop_session();
    return do_register();
  }
  if (session_ && session_->is_open()) {
    // Still connected where we are: stay (the server may send another
    // reassign).
    ctx_.log->log(ctx_.event_level, "[{}] destination failed ({}), staying",
                  id_, res.describe());
    return;
  }
  ctx_.log->log(ctx_.event_level, "[{}] destination failed: {}", id_,
                res.describe());
  retry_later(step::register_again, res.retry_after);
}

// Takes cluster_urls / token / keepalive_s from a 200 answer. False (and
// nothing changed) for any failure or malformed body.
bool device::take_destination(const http_response& res) {
  if (!res.ok())
    return false;
  json::error_code ec;
  auto v = json::parse(res.body, ec);
  auto* o = ec ? nullptr : v.if_object();
  const json::array* list = nullptr;
  if (o)
    if (auto* u = o->if_contains("cluster_urls"))
      list = u->if_array();
  std::vector<std::string> urls;
  if (list)
    for (const auto& u : *list)
      if (auto* s = u.if_string())
        urls.emplace_back(s->c_str(), s->size());
  if (urls.empty()) {
    ctx_.log->warn("[{}] destination answer without usable cluster_urls: {}",
                   id_, excerpt(res.body));
    return false;
  }
  urls_ = std::move(urls);
  auto* token = string_field(*o, "token");
  token_ = token ? std::string(token->c_str(), token->size()) : std::string();
  if (auto k = integer_field(*o, "keepalive_s"); k && *k > 0 && *k <= 3600)
    keepalive_s_ = static_cast<unsigned>(*k);
  return true;
}

// ---------------------------------------------------------------- the
// WebSocket session

void device::do_connect() {
  drop_session();
  std::vector<std::pair<std::string_view, std::string_view>> query{
    {"terminal_id", id_}};
  if (!token_.empty())
    query.emplace_back("token", token_);

  ws_params p;
  p.url = append_query(urls_[walk_.current()], query);
  if (p.url.empty())
    p.url = urls_[walk_.current()]; // unparsable: the session reports why
  p.source = source_;
  p.connect_timeout = ctx_.options.connect_timeout;
  // The server pings every keepalive_s; two missed pings and some slack mean it
  // is gone.
  p.idle_timeout = std::chrono::seconds(2 * keepalive_s_ + 5);
  p.read_message_max = ctx_.options.read_message_max;
  p.send_queue_max = ctx_.options.send_queue_max;
  ctx_.log->log(ctx_.event_level, "[{}] connecting to {}", id_,
                urls_[walk_.current()]);
  phase_at_ = steady::now();
  session_ = start_ws_connection(ex_, std::move(p), shared_from_this(),
                                 ctx_.stats.connected);
}

// Leaves the current session, if any: it is closed and will not call back.
void device::drop_session() {
  if (!session_)
    return;
  if (session_->is_open())
    bump(ctx_.stats.disconnects);
  session_->detach();
  session_->close();
  session_.reset();
}

void device::on_ws_open(ws_connection& c) {
  if (&c != session_.get())
    return;
  if (sessions_opened_++ > 0)
    bump(ctx_.stats.reconnects);
  opened_at_ = steady::now();
  record_since(ctx_.stats.upgrade_rtt, phase_at_);
  phase_at_ = opened_at_;
  hello_due_ = true;
  ctx_.log->log(ctx_.event_level, "[{}] connected to {}", id_,
                urls_[walk_.current()]);
  // Results finished while we were offline go out now (the server may also
  // resend the job; then the duplicate path answers it again, which is
  // harmless).
  jobs_.for_each_unreported([this](const std::string& job_id, job_record& rec) {
    send_result(job_id, rec);
  });
}

void device::on_ws_failed(ws_connection& c, const ws_failure& f) {
  if (&c != session_.get())
    return;
  session_.reset();
  if (stopped_)
    return; // our own close() aborted it: not a failure
  ctx_.log->log(ctx_.event_level, "[{}] connect to {} failed: {}", id_,
                urls_[walk_.current()], f.error);
  fail_over(f);
}

// The next URL or a new registration (409 / 404: not assigned to this
// cluster; or none of the URLs took us), after the wait failover.hpp says.
void device::fail_over(const ws_failure& f) {
  auto why = classify_failure(f.ec, f.http_status);
  ctx_.stats.connect_failed(why);
  auto s = failover_.after(why, walk_.last(), f.retry_after, backoff_, rng_);
  ctx_.log->log(ctx_.event_level, "[{}] {} in {} ms", id_,
                s.next == failover_step::go::next_url ? "next balancer"
                                                      : "registering again",
                s.delay.count());
  schedule(s.next == failover_step::go::next_url ? step::next_url
                                                 : step::register_again,
           s.delay);
}

void device::on_ws_closed(ws_connection& c, const ws_ended& e) {
  if (&c != session_.get())
    return;
  session_.reset();
  bump(ctx_.stats.disconnects);
  if (std::chrono::steady_clock::now() - opened_at_
      >= ctx_.options.backoff_reset)
    backoff_.reset();
  if (stopped_)
    return;
  ctx_.log->log(ctx_.event_level, "[{}] disconnected: {} (close code {} '{}')",
                id_, e.error, e.code, e.reason);
  if (reassign_pending_)
    return; // the reassign timer brings us to the new destination
  // No close frame: that balancer is most likely gone; 1001: its process
  // is stopping (url_walk.hpp).
  if (balancer_lost(e.code))
    walk_.after_lost();
  else
    walk_.from_first();
  loss_.lost(steady::now(), !hello_due_);
  retry_later(step::connect);
}

void device::on_ws_message(ws_connection& c, std::string_view text) {
  if (&c != session_.get() || stopped_)
    return;
  // Taken before parsing: the push latency ends when the frame is here, not
  // when it is read.
  const auto received = std::chrono::system_clock::now();
  // Everything below works on error codes and if_* accessors; the catch is the
  // last line of defence (allocation failure) so that nothing escapes into
  // Asio.
  try {
    json::error_code ec;
    auto v = json::parse(text, ec);
    auto* frame = ec ? nullptr : v.if_object();
    auto* type = frame ? string_field(*frame, "type") : nullptr;
    if (!type) {
      bump(ctx_.stats.bad_frames);
      ctx_.log->warn("[{}] ignoring malformed frame: {}", id_, excerpt(text));
      return;
    }
    if (*type == "ping")
      on_ping(*frame);
    else if (*type == "job")
      on_job(*frame, received);
    else if (*type == "hello") {
      ctx_.stats.hello_at(std::chrono::duration_cast<std::chrono::milliseconds>(
                            received.time_since_epoch())
                            .count());
      on_hello(*frame);
    } else if (*type == "reassign")
      on_reassign(*frame);
    else
      ctx_.log->debug("[{}] ignoring frame of type '{}'", id_,
                      std::string_view(*type));
  } catch (const std::exception& ex) {
    ctx_.log->error("[{}] frame handling failed: {}", id_, ex.what());
  }
}

// ---------------------------------------------------------------- retries

void device::retry_later(step next, std::chrono::milliseconds at_least) {
  auto delay = std::max(backoff_.next(rng_), at_least);
  ctx_.log->log(ctx_.event_level, "[{}] retrying in {} ms", id_, delay.count());
  schedule(next, delay);
}

void device::schedule(step next, std::chrono::milliseconds delay) {
  auto seq = ++timer_seq_;
  timer_.expires_after(delay);
  timer_.async_wait(
    [self = shared_from_this(), seq, next](boost::system::error_code ec) {
      if (!ec)
        self->on_timer(seq, next);
    });
}

void device::on_timer(std::uint64_t seq, step next) {
  if (seq != timer_seq_ || stopped_)
    return;
  switch (next) {
  case step::connect:
    return do_connect();
  case step::next_url:
    walk_.next();
    return do_connect();
  case step::register_again:
    return do_register();
  case step::fetch_destination:
    return do_fetch_destination();
  }
}

// ---------------------------------------------------------------- server
// frames

void device::on_hello(const json::object& frame) {
  if (hello_due_) {
    hello_due_ = false;
    record_since(ctx_.stats.hello_wait, phase_at_);
  }
  if (!hello_seen_) {
    hello_seen_ = true;
    record_since(ctx_.stats.first_hello, started_at_);
  }
  if (auto span = loss_.hello(steady::now()))
    record_span(ctx_.stats.lost_to_hello, *span);
  auto* node = string_field(frame, "node_id");
  std::string ids; // service=connection id, ...
  if (auto* sc = frame.if_contains("service_connections");
      sc && sc->is_object())
    for (const auto& [service, id] : sc->get_object())
      if (id.is_string())
        ids += (ids.empty() ? " services " : ", ") + std::string{service} + "="
             + std::string{id.get_string()};
  ctx_.log->log(ctx_.event_level, "[{}] hello from node {}{}", id_,
                node ? std::string_view(*node) : std::string_view("?"), ids);
}

void device::on_ping(const json::object& frame) {
  auto* seq = frame.if_contains("seq");
  if (!seq || !seq->is_number()) {
    bump(ctx_.stats.bad_frames);
    ctx_.log->warn("[{}] ignoring ping without a numeric seq", id_);
    return;
  }
  if (ctx_.options.no_pong)
    return;
  json::object pong;
  pong["type"] = "pong";
  pong["seq"] = *seq; // echoed as received
  if (send_frame(pong))
    bump(ctx_.stats.pings);
}

void device::on_job(const json::object& frame,
                    std::chrono::system_clock::time_point received) {
  auto* id = string_field(frame, "job_id");
  if (!id || id->empty()) {
    bump(ctx_.stats.bad_frames);
    ctx_.log->warn("[{}] ignoring job without job_id", id_);
    return;
  }
  std::string job_id(id->c_str(), id->size());
  json::object ack;
  ack["type"] = "ack";
  ack["job_id"] = job_id;

  if (auto* seen = jobs_.find(job_id)) {
    // A repeat: the server probably lost our ack or result. Answer again, do
    // not re-run.
    bump(ctx_.stats.duplicates);
    ctx_.log->log(ctx_.event_level, "[{}] duplicate job {}", id_, job_id);
    send_frame(ack);
    if (seen->status != job_status::running)
      send_result(job_id, *seen);
    return;
  }
  jobs_.insert(job_id);
  bump(ctx_.stats.jobs);
  record_push_latency(frame, received);
  send_frame(ack);

  const json::string* print_url = nullptr;
  if (auto* payload = frame.if_contains("payload"))
    if (auto* p = payload->if_object())
      print_url = string_field(*p, "print_url");
  auto* service = string_field(frame, "service");
  ctx_.log->log(ctx_.event_level, "[{}] job {} (service {})", id_, job_id,
                service ? std::string_view(*service) : std::string_view("?"));
  if (!print_url)
    return complete_job(
      job_id, job_status::done,
      "done: nothing to fetch (the payload has no print_url)");

  http_request req;
  req.url.assign(print_url->c_str(), print_url->size());
  req.source = source_;
  req.timeout = ctx_.options.http_timeout;
  req.discard_body = true;
  async_http(ex_, std::move(req),
             [self = shared_from_this(), job_id](http_response res) {
               self->on_print_fetched(job_id, res);
             });
}

// payload.sent_at_ms (Unix ms, set by the pusher just before its POST;
// fractions allowed)
// -> fleet push-latency histogram. Jobs without it are not sampled. Same
// machine, same system_clock: a negative difference (clock stepped) is counted
// and recorded as 0.
void device::record_push_latency(
  const json::object& frame, std::chrono::system_clock::time_point received) {
  auto* payload = frame.if_contains("payload");
  auto* p = payload ? payload->if_object() : nullptr;
  auto* sent = p ? p->if_contains("sent_at_ms") : nullptr;
  if (!sent || !sent->is_number())
    return;
  json::error_code ec;
  double sent_ms = sent->to_number<double>(ec);
  if (ec)
    return;
  double now_ms
    = std::chrono::duration<double, std::milli>(received.time_since_epoch())
        .count();
  double diff_us = (now_ms - sent_ms) * 1000.0;
  if (diff_us < 0) {
    bump(ctx_.stats.latency_negative);
    diff_us = 0;
  }
  ctx_.stats.push_latency.record_us(
    static_cast<std::uint64_t>(std::min(diff_us, 1e15) + 0.5));
}

void device::on_print_fetched(const std::string& job_id,
                              const http_response& res) {
  if (stopped_)
    return;
  if (res.ok())
    complete_job(job_id, job_status::done,
                 "fetched " + std::to_string(res.body_bytes) + " bytes");
  else
    complete_job(job_id, job_status::failed, res.describe());
}

void device::complete_job(const std::string& job_id, job_status status,
                          std::string detail) {
  ctx_.log->log(ctx_.event_level, "[{}] job {} {}: {}", id_, job_id,
                status == job_status::done ? "done" : "failed", detail);
  bump(status == job_status::done ? ctx_.stats.done : ctx_.stats.failed);
  if (auto* rec = jobs_.find(job_id)) {
    rec->status = status;
    rec->detail = std::move(detail);
    send_result(job_id, *rec);
  } else {
    // Forgotten while running (more than dedupe_window newer jobs): report
    // anyway.
    job_record forgotten{status, std::move(detail), false};
    send_result(job_id, forgotten);
  }
  if (status == job_status::done && ctx_.on_job_done)
    ctx_.on_job_done();
}

bool device::send_result(const std::string& job_id, job_record& rec) {
  json::object result;
  result["type"] = "result";
  result["job_id"] = job_id;
  result["status"] = rec.status == job_status::done ? "done" : "failed";
  result["detail"] = rec.detail;
  rec.reported = send_frame(result);
  return rec.reported;
}

void device::on_reassign(const json::object& frame) {
  if (reassign_pending_)
    return; // already on the way
  auto after = std::clamp<std::int64_t>(
    integer_field(frame, "after_ms").value_or(0), 0, max_reassign_ms);
  reassign_pending_ = true;
  bump(ctx_.stats.reassigns);
  ctx_.log->log(ctx_.event_level, "[{}] reassign in {} ms", id_, after);
  schedule(step::fetch_destination, std::chrono::milliseconds(after));
}

bool device::send_frame(const json::object& frame) {
  if (!session_ || !session_->is_open())
    return false;
  return session_->send(json::serialize(frame));
}

} // namespace tether::terminal
