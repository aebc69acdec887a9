// tether-print-service: a small asynchronous HTTP/1.1 client (plain http), used
// to call Tether. The only file with client-side Beast code.
//
// One call = one connection (resolve, connect, one request with "Connection:
// close", one response, close): calls are few and short, and nothing idles
// between them. Each call has a deadline over the whole exchange and a limit on
// the response body. Errors come back in the result; nothing throws. `done`
// runs on the given executor, never inline.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace tether::print {

struct http_call {
  std::string method = "GET"; // GET, POST, PUT
  std::string url;            // absolute http:// URL
  std::string body;           // sent as application/json when non-empty
  std::chrono::milliseconds timeout{5000};
  std::uint64_t body_limit = 1 << 20;
  std::string bearer; // sent as "Authorization: Bearer <bearer>" when set
};

struct http_result {
  std::string error;   // empty when an answer was read; else what went wrong
  unsigned status = 0; // HTTP status, when error is empty
  std::string body;
  std::string retry_after; // Retry-After header, when present

  bool transport_failed() const { return !error.empty(); }
};

using http_result_handler = std::function<void(http_result)>;

void async_http(boost::asio::any_io_executor ex, http_call call,
                http_result_handler done);

} // namespace tether::print
