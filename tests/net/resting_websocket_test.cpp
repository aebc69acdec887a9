// resting_websocket (net/resting_websocket.hpp): a balancer connection
// frees Beast's stream between messages and makes it again on demand. On a
// loopback socket, after a rest: a message is read and one written, byte
// for byte (the replayed handshake writes nothing to the socket); a ping is
// answered; a close from either side goes through; the options hold again
// (an oversize frame refused); a message split across the rest boundary is
// not possible (the rest only comes between messages) but two frames in
// one segment are both read; synchronous writes outside the replay are
// refused.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include "net/resting_websocket.hpp"
#include "net/tls/edge_stream.hpp"
#include "tests/support/ws_frame.hpp"

using namespace tether;
namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;
using asio::ip::tcp;
using boost::system::error_code;
using test::ws_frame;
using namespace std::chrono_literals;

namespace {

using resting = net::resting_websocket<net::tls::socket_edge_stream>;

/// A server connection (the balancer's types, plain TCP) upgraded by a
/// raw client socket that writes frames byte for byte.
struct loopback {
  asio::io_context io;
  tcp::socket client{io};
  std::optional<resting> conn;
  resting::options opts;
  boost::beast::flat_buffer buffer;

  loopback() {
    opts.read_message_max = 1000;
    tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    net::tls::strand_socket accepted(asio::make_strand(io));
    client.connect(acceptor.local_endpoint());
    acceptor.accept(accepted);
    conn.emplace(std::move(accepted), nullptr);
    bool done = false;
    conn->for_upgrade(opts).async_accept([&](error_code ec) {
      EXPECT_FALSE(ec) << ec.message();
      conn->io().gate_frames();
      done = true;
    });
    asio::write(client, asio::buffer(std::string(
                          "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                          "Connection: Upgrade\r\nSec-WebSocket-Key: "
                          "AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: "
                          "13\r\n\r\n")));
    run_until([&] { return done; });
    std::string response;
    asio::read_until(client, asio::dynamic_buffer(response), "\r\n\r\n");
    EXPECT_NE(response.find("101"), std::string::npos) << response;
  }

  template <class Pred>
  void run_until(Pred pred) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!pred() && std::chrono::steady_clock::now() < deadline) {
      io.restart();
      io.run_one_for(10ms);
    }
    ASSERT_TRUE(pred()) << "timed out";
  }

  resting::stream_type& ws() {
    bool ok = false;
    auto& s = conn->open(opts, ok);
    EXPECT_TRUE(ok);
    return s;
  }

  /// Frees Beast's stream, as the balancer does between messages.
  void rest() {
    ASSERT_TRUE(conn->between_messages());
    conn->rest();
    ASSERT_TRUE(conn->resting());
    EXPECT_EQ(opts.held.value(), 0); // the stream's count went with it
  }

  std::pair<error_code, std::string> read_message() {
    std::optional<error_code> result;
    ws().async_read(buffer, [&](error_code ec, size_t) { result = ec; });
    run_until([&] { return result.has_value(); });
    auto text = boost::beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    return {*result, text};
  }

  error_code write_message(const std::string& text) {
    std::optional<error_code> result;
    ws().text(true);
    ws().async_write(asio::buffer(text),
                     [&](error_code ec, size_t) { result = ec; });
    run_until([&] { return result.has_value(); });
    return *result;
  }

  void send(const std::string& bytes) {
    asio::write(client, asio::buffer(bytes));
  }

  /// Reads `n` bytes the server wrote, then checks that no more came.
  std::string receive_exactly(size_t n) {
    std::string got(n, '\0');
    asio::read(client, asio::buffer(got));
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(client.available(), 0u) << "the server wrote more";
    return got;
  }
};

TEST(RestingWebsocket, AMessageIsReadAfterEveryRest) {
  loopback l;
  for (int i = 0; i < 3; ++i) {
    l.rest();
    l.send(ws_frame(0x1, "m" + std::to_string(i)));
    auto [ec, m] = l.read_message();
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(m, "m" + std::to_string(i));
    EXPECT_TRUE(l.conn->between_messages());
    EXPECT_EQ(l.opts.held.value(), 1);
  }
}

TEST(RestingWebsocket, AMessageWrittenAfterARestIsTheOnlyBytesSent) {
  loopback l;
  l.rest();
  ASSERT_FALSE(l.write_message("job"));
  // The replayed handshake's 101 went nowhere: the frame alone arrived.
  EXPECT_EQ(l.receive_exactly(5), ws_frame(0x1, "job", true, false));
  l.rest();
  ASSERT_FALSE(l.write_message("next"));
  EXPECT_EQ(l.receive_exactly(6), ws_frame(0x1, "next", true, false));
}

TEST(RestingWebsocket, TwoFramesInOneSegmentAreBothReadAcrossARest) {
  loopback l;
  l.rest();
  l.send(ws_frame(0x1, "first") + ws_frame(0x1, "second"));
  EXPECT_EQ(l.read_message().second, "first");
  // The second is held by the gated stream (the connection's), not by
  // Beast's stream: resting now loses nothing.
  EXPECT_TRUE(l.conn->io().holds_input());
  l.rest();
  EXPECT_EQ(l.read_message().second, "second");
}

TEST(RestingWebsocket, APingAfterARestIsAnswered) {
  loopback l;
  l.rest();
  l.send(ws_frame(0x9, "p") + ws_frame(0x1, "after"));
  EXPECT_EQ(l.read_message().second, "after");
  EXPECT_EQ(l.receive_exactly(3), ws_frame(0xA, "p", true, false));
}

TEST(RestingWebsocket, TheOptionsHoldAfterARest) {
  loopback l;
  l.rest();
  l.send(ws_frame(0x1, std::string(2000, 'x'))); // over 1000
  l.client.shutdown(tcp::socket::shutdown_send);
  EXPECT_EQ(l.read_message().first, websocket::error::message_too_big);
}

TEST(RestingWebsocket, TheDevicesCloseAfterARestIsAnswered) {
  loopback l;
  l.rest();
  l.send(ws_frame(0x8, std::string("\x03\xe8", 2)));
  l.client.shutdown(tcp::socket::shutdown_send); // the teardown's end
  EXPECT_EQ(l.read_message().first, websocket::error::closed);
  EXPECT_EQ(l.receive_exactly(4),
            ws_frame(0x8, std::string("\x03\xe8", 2), true, false));
}

TEST(RestingWebsocket, TheServersCloseAfterARestIsSent) {
  loopback l;
  l.rest();
  std::optional<error_code> closed;
  l.ws().async_close(websocket::close_code::going_away,
                     [&](error_code ec) { closed = ec; });
  std::string got(4, '\0');
  l.run_until([&] { return l.client.available() >= 4; });
  asio::read(l.client, asio::buffer(got));
  EXPECT_EQ(got, ws_frame(0x8, std::string("\x03\xe9", 2), true, false));
  l.send(ws_frame(0x8, std::string("\x03\xe9", 2))); // the device answers
  l.client.shutdown(tcp::socket::shutdown_send);
  l.run_until([&] { return closed.has_value(); });
  EXPECT_FALSE(*closed) << closed->message();
}

TEST(RestingWebsocket, SynchronousWritesOutsideTheReplayAreRefused) {
  loopback l;
  net::gated_ref<net::tls::socket_edge_stream> ref{l.conn->io()};
  error_code ec;
  EXPECT_EQ(ref.write_some(asio::buffer(std::string("x")), ec), 0u);
  EXPECT_EQ(ec, asio::error::operation_not_supported);
  char b[4];
  EXPECT_EQ(ref.read_some(asio::buffer(b), ec), 0u);
  EXPECT_EQ(ec, asio::error::operation_not_supported);
  ref.replaying = true;
  EXPECT_EQ(ref.write_some(asio::buffer(std::string("xy")), ec), 2u);
  EXPECT_FALSE(ec);
  EXPECT_EQ(l.client.available(), 0u); // dropped, never on the socket
}

} // namespace
