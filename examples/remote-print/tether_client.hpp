// tether-print-service: the service side of Tether's v1 HTTP contract
// (docs/API.md), as asynchronous calls with typed answers.
//
//   push_job   POST /v1/terminals/{id}/jobs  -> the job id          (S350 of
//   the patent's flow) get_job    GET  /v1/jobs/{job_id}        -> the job's
//   state     (polling) link_user  PUT  /v1/users/{u}/terminals/{id} (S320)
//
// Every call ends in exactly one call of its handler, on the client's executor,
// with either a value or a tether_failure that says whether Tether answered
// (and how) or could not be reached. Ids passed in must already be valid
// contract ids ([A-Za-z0-9._:-], which needs no percent-encoding in a path). No
// Beast here: the HTTP exchange itself is http_client's.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace tether::print {

// Why a call did not succeed.
struct tether_failure {
  unsigned status = 0; // Tether's HTTP status; 0 when no answer came
                       // (unreachable, timed out, connection lost)
  std::string
    code; // Tether's error code ("not_found", "unavailable", ...), if any
  std::string message;     // Tether's error message, or the transport error
  std::string retry_after; // Retry-After as Tether sent it (empty if none)

  bool unreachable() const { return status == 0; }
  // For logs and error messages: "HTTP 404 not_found: terminal ..." or "no
  // answer (...)".
  std::string describe() const;
};

template <class T>
struct tether_result {
  std::optional<T> value; // set on success
  tether_failure failure; // meaningful when value is empty
  bool ok() const { return value.has_value(); }
};

// A job as GET /v1/jobs/{job_id} shows it, which is also the body of a job
// callback.
struct job_view {
  std::string job_id, terminal_id, service, status, detail;
  std::string created_at, updated_at, delivered_at, acked_at,
    finished_at;           // "" when null
  std::string document_id; // payload.document_id, when the payload carries one
};

// The job statuses of the contract.
bool is_job_status(std::string_view status);
// done, failed and expired: a job in one of these never changes again.
bool is_final_status(std::string_view status);

// Parses and checks a job body. std::nullopt and `problem` (naming the field)
// when it is not one: job_id must be a string, status one of the contract's
// statuses.
std::optional<job_view> parse_job(std::string_view body, std::string& problem);

struct job_request {
  std::string terminal_id;
  std::string service = "print";
  boost::json::object payload;
  std::int64_t ttl_s = 3600;
  std::string callback_url; // omitted when empty
};

class tether_client {
public:
  // `base_url` is Tether's HTTP gateway, e.g. "http://127.0.0.1:8080".
  // `api_key`: sent with every call (Authorization: Bearer); it needs the
  // scopes jobs:write, jobs:read and terminals:write.
  tether_client(boost::asio::any_io_executor ex, std::string base_url,
                std::chrono::milliseconds timeout, std::string api_key = {});

  const std::string& base_url() const { return base_url_; }

  void push_job(const job_request& job,
                std::function<void(tether_result<std::string>)> done);
  void get_job(const std::string& job_id,
               std::function<void(tether_result<job_view>)> done);
  void link_user(const std::string& user_id, const std::string& terminal_id,
                 std::function<void(tether_result<bool>)> done);

private:
  boost::asio::any_io_executor ex_;
  std::string base_url_; // without a trailing slash
  std::chrono::milliseconds timeout_;
  std::string api_key_;
};

} // namespace tether::print
