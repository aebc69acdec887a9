// tether-print-service: the HTTP/1.1 server (Boost.Beast), the only file with
// server-side Beast code.
//
// A listener accepts connections; each connection reads one request at a time
// (header first, so an oversized body is refused with 413 before it is sent),
// hands it to the http_handler and writes the answer, with keep-alive. Every
// read and write has a deadline. Malformed HTTP gets 400 in the contract's
// error format, then the connection is closed gracefully (what the client still
// sends is read and dropped for a moment, so it sees the answer instead of a
// reset); the server keeps serving.
//
// Threading: everything runs on the io_context passed to start(), which the
// program runs on one thread. The handler is therefore only ever called from
// that thread.
#pragma once

#include "remote-print/http_message.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace tether::print {

struct http_server_settings {
  std::uint32_t header_limit = 16 * 1024;
  std::uint64_t max_body = 1 << 20; // no route accepts more than this
  std::chrono::seconds idle_timeout{
    30}; // waiting for the next request's header
  std::chrono::seconds transfer_timeout{
    60}; // reading one body / writing one response
};

class http_server {
public:
  virtual ~http_server() = default;

  // Binds host:port (port 0: any free port) and starts accepting. On failure
  // returns nullptr and says why in `error`. `handler` must outlive the
  // io_context's run.
  static std::shared_ptr<http_server>
  start(boost::asio::io_context& io, const std::string& host,
        std::uint16_t port, http_handler& handler,
        http_server_settings settings, std::string& error);

  // The bound port (the real one when 0 was asked for).
  virtual std::uint16_t port() const = 0;

  // Stops accepting; connections in progress finish on their own.
  virtual void stop() = 0;
};

} // namespace tether::print
