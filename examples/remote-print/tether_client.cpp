#include "remote-print/tether_client.hpp"

#include "remote-print/http_client.hpp"
#include "remote-print/url.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>

namespace tether::print {

namespace json = boost::json;

namespace {

// `cancelled`: what servers of earlier releases answer for `canceled`.
constexpr std::array<std::string_view, 8> job_statuses
  = {"queued", "delivered", "acked",    "done",
     "failed", "expired",   "canceled", "cancelled"};

// Parses `body` as a JSON object; an empty object for anything else.
json::object parse_object(std::string_view body) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 32;
  auto v = json::parse(body, ec, {}, opts);
  if (ec || !v.is_object())
    return {};
  return std::move(v.get_object());
}

// The string at `key`, or "" when absent, null or not a string.
std::string string_at(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string())
    return {};
  return std::string(v->get_string());
}

bool is_success(const http_result& r) {
  return !r.transport_failed() && r.status >= 200 && r.status < 300;
}

tether_failure failure_of(const http_result& r) {
  tether_failure f;
  if (r.transport_failed()) {
    f.message = r.error;
    return f;
  }
  f.status = r.status;
  f.retry_after = r.retry_after;
  auto o = parse_object(r.body);
  if (auto* e = o.if_contains("error"); e != nullptr && e->is_object()) {
    f.code = string_at(e->get_object(), "code");
    f.message = string_at(e->get_object(), "message");
  } else {
    // Not the contract's error shape (a proxy in between?): keep the start of
    // it.
    f.message = r.body.substr(0, 200);
  }
  return f;
}

tether_failure bad_answer(const http_result& r, std::string problem) {
  tether_failure f;
  f.status = r.status;
  f.code = "bad_answer";
  f.message = std::move(problem);
  return f;
}

} // namespace

std::string tether_failure::describe() const {
  if (unreachable())
    return "no answer (" + message + ")";
  std::string out = "HTTP " + std::to_string(status);
  if (!code.empty())
    out += " " + code;
  if (!message.empty())
    out += ": " + message;
  return out;
}

bool is_job_status(std::string_view status) {
  return std::find(job_statuses.begin(), job_statuses.end(), status)
      != job_statuses.end();
}

bool is_final_status(std::string_view status) {
  return status == "done" || status == "failed" || status == "expired"
      || status == "canceled" || status == "cancelled";
}

std::optional<job_view> parse_job(std::string_view body, std::string& problem) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 32;
  auto v = json::parse(body, ec, {}, opts);
  if (ec) {
    problem = "body is not valid JSON (" + ec.message() + ")";
    return std::nullopt;
  }
  if (!v.is_object()) {
    problem = "body must be a JSON object";
    return std::nullopt;
  }
  const auto& o = v.get_object();
  job_view job;
  job.job_id = string_at(o, "job_id");
  if (job.job_id.empty()) {
    problem = "field \"job_id\" must be a non-empty string";
    return std::nullopt;
  }
  job.status = string_at(o, "status");
  if (!is_job_status(job.status)) {
    problem
      = "field \"status\" must be one of queued, delivered, acked, done, failed, expired";
    return std::nullopt;
  }
  job.terminal_id = string_at(o, "terminal_id");
  job.service = string_at(o, "service");
  job.detail = string_at(o, "detail");
  job.created_at = string_at(o, "created_at");
  job.updated_at = string_at(o, "updated_at");
  job.delivered_at = string_at(o, "delivered_at");
  job.acked_at = string_at(o, "acked_at");
  job.finished_at = string_at(o, "finished_at");
  if (auto* p = o.if_contains("payload"); p != nullptr && p->is_object())
    job.document_id = string_at(p->get_object(), "document_id");
  return job;
}

tether_client::tether_client(boost::asio::any_io_executor ex,
                             std::string base_url,
                             std::chrono::milliseconds timeout,
                             std::string api_key)
    : ex_(std::move(ex)), base_url_(trim_base_url(std::move(base_url))),
      timeout_(timeout), api_key_(std::move(api_key)) {}

void tether_client::push_job(
  const job_request& job,
  std::function<void(tether_result<std::string>)> done) {
  json::object body{
    {"service", job.service}, {"payload", job.payload}, {"ttl_s", job.ttl_s}};
  if (!job.callback_url.empty())
    body["callback_url"] = job.callback_url;
  http_call call;
  call.method = "POST";
  call.url = base_url_ + "/v1/terminals/" + job.terminal_id + "/jobs";
  call.body = json::serialize(body);
  call.timeout = timeout_;
  call.bearer = api_key_;
  async_http(ex_, std::move(call), [done = std::move(done)](http_result r) {
    tether_result<std::string> out;
    if (!is_success(r)) {
      out.failure = failure_of(r);
    } else if (auto id = string_at(parse_object(r.body), "job_id");
               !id.empty()) {
      out.value = std::move(id);
    } else {
      out.failure = bad_answer(r, "the answer to POST jobs has no \"job_id\"");
    }
    done(std::move(out));
  });
}

void tether_client::get_job(const std::string& job_id,
                            std::function<void(tether_result<job_view>)> done) {
  http_call call;
  call.url = base_url_ + "/v1/jobs/" + job_id;
  call.timeout = timeout_;
  call.bearer = api_key_;
  async_http(ex_, std::move(call), [done = std::move(done)](http_result r) {
    tether_result<job_view> out;
    std::string problem;
    if (!is_success(r))
      out.failure = failure_of(r);
    else if (auto job = parse_job(r.body, problem))
      out.value = std::move(*job);
    else
      out.failure = bad_answer(r, "the answer to GET job: " + problem);
    done(std::move(out));
  });
}

void tether_client::link_user(const std::string& user_id,
                              const std::string& terminal_id,
                              std::function<void(tether_result<bool>)> done) {
  http_call call;
  call.method = "PUT";
  call.url = base_url_ + "/v1/users/" + user_id + "/terminals/" + terminal_id;
  call.timeout = timeout_;
  call.bearer = api_key_;
  async_http(ex_, std::move(call), [done = std::move(done)](http_result r) {
    tether_result<bool> out;
    if (is_success(r))
      out.value = true;
    else
      out.failure = failure_of(r);
    done(std::move(out));
  });
}

} // namespace tether::print
