// tether-terminal: one WebSocket connection of one device.
//
// A ws_connection connects (TCP from an optional source address, then the
// WebSocket upgrade), reads text frames and hands each one to its ws_events
// owner (the device), and writes the frames the owner sends, one write in
// flight, through a bounded queue. It is a firewall for compile cost too: only
// ws_session.cpp includes Beast's WebSocket headers.
//
// Lifecycle, reported to the owner on the executor given at start:
//
//   connecting --(upgrade ok)--> open --(read error / close frame / idle
//   timeout)--> ended
//        |                                                        on_ws_closed
//        +--(TCP, upgrade refused, timeout, close())--> ended: on_ws_failed
//
// Exactly one of on_ws_failed / on_ws_closed is called, unless the owner
// detached first. The connection keeps itself alive (shared_ptr in its
// handlers) until it has ended, so the owner may drop its pointer at any time.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/system/error_code.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tether::terminal {

class ws_connection;

struct ws_failure {
  std::string error; // what failed, for logs
  unsigned http_status
    = 0; // the server's status when it declined the upgrade (409, 404)
  boost::system::error_code ec;        // the failed operation's code
  std::chrono::seconds retry_after{0}; // a declined upgrade's Retry-After
};

struct ws_ended {
  std::string error;      // why the read loop ended, for logs
  std::uint16_t code = 0; // close code the server sent, 0 if none
  std::string reason;     // close reason the server sent
};

// Implemented by the owner (a device). Called on the connection's executor.
class ws_events {
public:
  virtual void on_ws_open(ws_connection& c) = 0;
  virtual void on_ws_message(ws_connection& c, std::string_view text) = 0;
  virtual void on_ws_failed(ws_connection& c, const ws_failure& f) = 0;
  virtual void on_ws_closed(ws_connection& c, const ws_ended& e) = 0;

protected:
  ~ws_events() = default;
};

struct ws_params {
  std::string url; // ws:// URL including the query (terminal_id, token)
  std::optional<boost::asio::ip::address> source; // local address to bind
  std::chrono::milliseconds connect_timeout{
    10000};                              // TCP connect, and upgrade, each
  std::chrono::seconds idle_timeout{65}; // no frame for this long: drop
  std::size_t read_message_max = 64 * 1024;
  std::size_t send_queue_max = 64;
};

class ws_connection {
public:
  virtual ~ws_connection() = default;
  // Queues one text frame. False when not open, closing, or the queue is full
  // (then the connection is being dropped: a server that does not read is not
  // buffered forever).
  virtual bool send(std::string text) = 0;
  // Ends the connection: a close handshake (code 1000) when open, else aborts
  // connecting. Idempotent. The owner still gets its final callback unless it
  // detached.
  virtual void close() = 0;
  // The owner will not be called again (used when it moves on to another
  // connection).
  virtual void detach() = 0;
  virtual bool is_open() const = 0;
};

// Creates a connection and starts connecting. `open_gauge` is incremented while
// the connection is open (the fleet's "connected" counter). All calls on the
// returned object must be made on `ex`.
std::shared_ptr<ws_connection>
start_ws_connection(boost::asio::any_io_executor ex, ws_params params,
                    std::shared_ptr<ws_events> owner,
                    std::atomic<std::int64_t>& open_gauge);

// Connections created and not yet destroyed, process-wide (the fleet waits for
// 0 at exit).
std::int64_t ws_connections_alive();

} // namespace tether::terminal
