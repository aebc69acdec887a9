// tether-terminal: a tiny asynchronous HTTP/1.1 client (plain http only).
//
// One call = one connection: connect (from an optional source address), send
// one request with "Connection: close", read one response, close. That is all a
// device needs for register, destination and print fetches, and it keeps no
// idle sockets around. Every call has a deadline covering the whole exchange.
// Errors are reported in the response value; nothing throws. The completion
// handler runs on the executor passed in (a device's strand).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/verb.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace tether::terminal {

struct http_request {
  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string url;  // absolute http:// URL
  std::string body; // sent as application/json when non-empty
  std::optional<boost::asio::ip::address>
    source;                                 // local address to bind, if any
  std::chrono::milliseconds timeout{10000}; // whole exchange
  std::size_t body_limit = 64 * 1024; // bigger bodies fail (kept bodies only)
  bool discard_body
    = false; // count the body's bytes but keep none (print fetches)
  // When set: the Authorization header for (method, target, body).
  using authorizer = std::function<std::string(
    std::string_view, std::string_view, std::string_view)>;
  authorizer authorize;
};

struct http_response {
  std::string error;   // empty on a complete exchange; else what went wrong
  unsigned status = 0; // HTTP status when error is empty
  std::string body;    // response body (empty when discard_body)
  std::uint64_t body_bytes = 0;        // body size in bytes (both modes)
  std::chrono::seconds retry_after{0}; // Retry-After in seconds, when present

  bool ok() const { return error.empty() && status >= 200 && status < 300; }
  // "HTTP 503" or the transport error, for logs and job details.
  std::string describe() const;
};

using http_handler = std::function<void(http_response)>;

// Starts one exchange; `done` is called exactly once, on `ex`, never inline.
void async_http(boost::asio::any_io_executor ex, http_request request,
                http_handler done);

// Exchanges started and not yet finished, process-wide (the fleet waits for 0
// at exit).
std::int64_t http_exchanges_in_flight();

} // namespace tether::terminal
