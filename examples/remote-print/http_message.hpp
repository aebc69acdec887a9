// tether-print-service: the plain request and response values that cross
// between the Beast server (http_server.cpp) and the service logic
// (print_service.cpp).
//
// Nothing here includes Beast, so the service logic compiles without it. A
// response carries either a string body or the path of a file to stream (print
// data is served from disk without being copied into memory).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tether::print {

struct http_request {
  std::string method;       // "GET", "POST", ...
  std::string target;       // origin-form: path[?query], as received
  std::string content_type; // Content-Type header, empty when absent
  std::string body;
  std::string peer; // remote IP address, for logs
};

struct http_response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string
    file; // when non-empty, the body is this file's content instead of `body`
  std::vector<std::pair<std::string, std::string>> headers; // extra headers
  bool close = false; // close the connection after this response
};

// Completes one request. The server hands one to the service with every
// request; the service calls it exactly once, on the io_context's thread,
// possibly after asynchronous work. Dropping it uncalled closes the connection.
using http_responder = std::function<void(http_response)>;

// What the server needs from the application.
class http_handler {
public:
  virtual ~http_handler() = default;

  // The largest body accepted for this request line; larger ones get 413 before
  // the body is read (so a client waiting for "100 Continue" never sends it).
  virtual std::uint64_t body_limit(std::string_view method,
                                   std::string_view target) const = 0;

  virtual void handle(http_request request, http_responder respond) = 0;
};

// {"error":{"code":..,"message":..}} with the given status (the contract's
// error shape).
http_response error_response(unsigned status, std::string_view code,
                             std::string_view message);

// A JSON body (already serialized) with the given status.
http_response json_response(unsigned status, std::string body);

} // namespace tether::print
