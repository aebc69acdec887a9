// Shared by the tests of the balancer's stream under Beast
// (frame_gate_test, write_rider_test): WebSocket frames as bytes, and a
// server WebSocket over frame_gated_stream on loopback with a raw client.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include "net/frame_gated_stream.hpp"
#include "net/tls/edge_stream.hpp"

namespace tether::test {

namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;
using asio::ip::tcp;
using boost::system::error_code;
using namespace std::chrono_literals;

/// One frame as a client sends it (masked) or a server (not).
inline std::string frame(uint8_t opcode, const std::string& payload,
                         bool fin = true, bool masked = true) {
  std::string f;
  f += static_cast<char>((fin ? 0x80 : 0) | opcode);
  uint8_t mask_bit = masked ? 0x80 : 0;
  auto n = payload.size();
  if (n < 126) {
    f += static_cast<char>(mask_bit | n);
  } else if (n <= 0xffff) {
    f += static_cast<char>(mask_bit | 126);
    f += static_cast<char>(n >> 8);
    f += static_cast<char>(n & 0xff);
  } else {
    f += static_cast<char>(mask_bit | 127);
    for (int i = 7; i >= 0; --i)
      f += static_cast<char>((static_cast<uint64_t>(n) >> (8 * i)) & 0xff);
  }
  const char key[4] = {0x12, 0x34, 0x56, 0x78};
  if (masked)
    f.append(key, 4);
  for (size_t i = 0; i < n; ++i)
    f += masked ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i];
  return f;
}

using gated_ws
  = websocket::stream<net::frame_gated_stream<net::tls::socket_edge_stream>,
                      false>;

/// A server WebSocket over the gated stream (plain TCP, the balancer's
/// types) and a raw client socket that writes frames byte for byte.
struct loopback {
  asio::io_context io;
  tcp::socket client{io};
  std::optional<gated_ws> ws;
  boost::beast::flat_buffer buffer;

  loopback() {
    tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    net::tls::strand_socket accepted(asio::make_strand(io));
    client.connect(acceptor.local_endpoint());
    acceptor.accept(accepted);
    ws.emplace(std::move(accepted), nullptr);
    upgrade();
  }

  void upgrade() {
    bool done = false;
    ws->read_message_max(100000);
    // This accept reads the request itself (the balancer's is handed the
    // parsed one): frames begin once it is done.
    ws->async_accept([&](error_code ec) {
      EXPECT_FALSE(ec) << ec.message();
      ws->next_layer().gate_frames();
      done = true;
    });
    asio::write(client, asio::buffer(std::string(
                          "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                          "Connection: Upgrade\r\nSec-WebSocket-Key: "
                          "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: "
                          "13\r\n\r\n")));
    run_until([&] { return done; });
    std::string response;
    asio::read_until(client, asio::dynamic_buffer(response), "\r\n\r\n");
    ASSERT_NE(response.find("101"), std::string::npos) << response;
  }

  template <class Pred>
  void run_until(Pred pred) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!pred() && std::chrono::steady_clock::now() < deadline) {
      io.restart(); // run out of work before: stopped until restarted
      io.run_one_for(10ms);
    }
    ASSERT_TRUE(pred()) << "timed out";
  }

  /// One whole message (or the read's error); `meanwhile` runs once the
  /// read has started.
  template <class F = void (*)()>
  std::pair<error_code, std::string> read_message(F meanwhile = [] {}) {
    std::optional<error_code> result;
    ws->async_read(buffer, [&](error_code ec, size_t) { result = ec; });
    meanwhile();
    run_until([&] { return result.has_value(); });
    auto text = boost::beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    return {*result, text};
  }

  void send(const std::string& bytes) {
    asio::write(client, asio::buffer(bytes));
  }

  /// Reads `n` bytes the server wrote to the client.
  std::string receive(size_t n) {
    std::string got(n, '\0');
    asio::read(client, asio::buffer(got));
    return got;
  }
};

} // namespace tether::test
