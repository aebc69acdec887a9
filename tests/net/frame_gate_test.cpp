// frame_gate (where WebSocket frames end) and frame_gated_stream (the
// balancer's stream under Beast that hands Beast no byte past a frame's
// end): frames split at every byte and at random, several frames in one
// read, control frames between fragments, lengths of every encoding and
// hostile ones; then Beast over the gated stream on a loopback socket: two
// messages in one segment, a ping between fragments split at every byte,
// the idle wait for readability, an oversize frame and a bad length
// refused, a close answered.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include "net/frame_gate.hpp"
#include "net/frame_gated_stream.hpp"
#include "net/tls/edge_stream.hpp"
#include "tests/support/ws_frame.hpp"

using namespace tether;
namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;
using asio::ip::tcp;
using boost::system::error_code;
using namespace std::chrono_literals;

namespace {

using test::ws_frame;

/// Feeds `bytes` to a gate in pieces of the given sizes (the last piece
/// takes the rest) and returns the offsets where it saw frames end.
std::vector<size_t> ends_seen(const std::string& bytes,
                              const std::vector<size_t>& pieces) {
  net::frame_gate gate;
  std::vector<size_t> ends;
  size_t pos = 0;
  for (size_t k = 0; pos < bytes.size(); ++k) {
    auto piece_end = k < pieces.size() ? std::min(bytes.size(), pos + pieces[k])
                                       : bytes.size();
    while (pos < piece_end) {
      auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + pos);
      auto took = gate.take(p, piece_end - pos);
      EXPECT_GT(took, 0u);
      pos += took;
      if (gate.at_boundary())
        ends.push_back(pos);
    }
  }
  return ends;
}

/// Frames of every length encoding and both mask settings, and where they end.
struct sample {
  std::string bytes;
  std::vector<size_t> ends;

  void add(const std::string& f) {
    bytes += f;
    ends.push_back(bytes.size());
  }
};

sample mixed_frames() {
  sample s;
  s.add(ws_frame(0x1, "hel", false));    // a fragment
  s.add(ws_frame(0x9, "p"));             // a ping between fragments
  s.add(ws_frame(0x0, "lo"));            // the last fragment
  s.add(ws_frame(0x1, ""));              // an empty message
  s.add(ws_frame(0xA, "", true, false)); // an unmasked empty pong
  s.add(ws_frame(0x1, std::string(125, 'a')));
  s.add(ws_frame(0x2, std::string(126, 'b')));
  s.add(ws_frame(0x1, std::string(300, 'c'), true, false));
  s.add(ws_frame(0x1, std::string(70000, 'd')));
  s.add(ws_frame(0x8, std::string("\x03\xe8", 2)));
  return s;
}

TEST(FrameGate, FindsEveryFrameEndInOneRead) {
  auto s = mixed_frames();
  EXPECT_EQ(ends_seen(s.bytes, {s.bytes.size()}), s.ends);
}

TEST(FrameGate, FindsEveryFrameEndWhenSplitAtAnyByte) {
  auto s = mixed_frames();
  // Every split point in the first frames (headers of every size), then
  // around the long frame's header.
  for (size_t at = 1; at < 700; ++at)
    EXPECT_EQ(ends_seen(s.bytes, {at}), s.ends) << "split at " << at;
}

TEST(FrameGate, FindsEveryFrameEndByteByByte) {
  auto s = mixed_frames();
  std::vector<size_t> ones(s.bytes.size(), 1);
  EXPECT_EQ(ends_seen(s.bytes, ones), s.ends);
}

TEST(FrameGate, FindsEveryFrameEndInRandomPieces) {
  std::mt19937 rng(12345);
  for (int round = 0; round < 200; ++round) {
    sample s;
    for (int k = 0; k < 20; ++k) {
      auto len = std::uniform_int_distribution<size_t>(0, 300)(rng);
      bool masked = rng() % 2 == 0;
      s.add(ws_frame(static_cast<uint8_t>(rng() % 3), std::string(len, 'x'),
                     rng() % 2 == 0, masked));
    }
    std::vector<size_t> pieces;
    for (size_t sum = 0; sum < s.bytes.size();) {
      pieces.push_back(std::uniform_int_distribution<size_t>(1, 40)(rng));
      sum += pieces.back();
    }
    ASSERT_EQ(ends_seen(s.bytes, pieces), s.ends) << "round " << round;
  }
}

TEST(FrameGate, AHostileLengthIsOnlyCounted) {
  // 2^63 + 1 bytes announced: Beast refuses it; the gate neither wraps
  // nor ends the frame, whatever follows.
  std::string f = "\x81\xff\x80\x00\x00\x00\x00\x00\x00\x01";
  f += std::string(4, '\0') + std::string(5000, 'z');
  EXPECT_TRUE(ends_seen(f, {3, 7, 100}).empty());
  // The largest length: the same.
  std::string g = "\x81\x7f" + std::string(8, '\xff') + std::string(100, 'z');
  EXPECT_TRUE(ends_seen(g, {1}).empty());
  // A non-minimal length (126 announcing 5) is counted as 5.
  std::string h
    = std::string("\x81\x7e\x00\x05", 4) + "abcde" + std::string("\x81\x00", 2);
  EXPECT_EQ(ends_seen(h, {h.size()}), (std::vector<size_t>{9, 11}));
}

// -- Beast over the gated stream ----------------------------------------------

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

TEST(FrameGatedStream, TwoMessagesInOneSegmentLeaveTheSecondHere) {
  loopback l;
  l.send(ws_frame(0x1, "first") + ws_frame(0x1, "second"));
  auto [ec1, m1] = l.read_message();
  ASSERT_FALSE(ec1) << ec1.message();
  EXPECT_EQ(m1, "first");
  // The second frame came off the socket with the first: the gated stream
  // holds it, Beast does not (a socket wait now would never end).
  EXPECT_TRUE(l.ws->next_layer().holds_input());
  auto [ec2, m2] = l.read_message();
  ASSERT_FALSE(ec2) << ec2.message();
  EXPECT_EQ(m2, "second");
  EXPECT_FALSE(l.ws->next_layer().holds_input());
}

TEST(FrameGatedStream, APingBetweenFragmentsSplitAtEveryByte) {
  loopback l;
  auto bytes = ws_frame(0x1, "hel", false) + ws_frame(0x9, "p")
             + ws_frame(0x0, "lo") + ws_frame(0x1, "next");
  for (size_t at = 1; at < bytes.size(); ++at) {
    auto [ec, m] = l.read_message([&] {
      l.send(bytes.substr(0, at));
      for (int i = 0; i < 5; ++i) // the server reads the first part alone
        l.io.run_one_for(1ms);    // (the read keeps the context running)
      l.send(bytes.substr(at));
    });
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(m, "hello") << "split at " << at;
    EXPECT_EQ(l.receive(3), ws_frame(0xA, "p", true, false)); // the pong
    auto [ec2, m2] = l.read_message();
    ASSERT_FALSE(ec2) << ec2.message();
    EXPECT_EQ(m2, "next");
    EXPECT_FALSE(l.ws->next_layer().holds_input()) << "split at " << at;
  }
}

TEST(FrameGatedStream, AnIdleConnectionWaitsForReadabilityThenReads) {
  loopback l;
  l.send(ws_frame(0x1, "one"));
  EXPECT_EQ(l.read_message().second, "one");
  ASSERT_FALSE(l.ws->next_layer().holds_input());
  bool readable = false;
  boost::beast::get_lowest_layer(*l.ws).async_wait(
    tcp::socket::wait_read, [&](error_code ec) { readable = !ec; });
  l.io.restart();
  l.io.poll();
  EXPECT_FALSE(readable); // nothing sent: the wait is pending
  l.send(ws_frame(0x1, std::string(5000, 'x')) + ws_frame(0x1, "two"));
  l.run_until([&] { return readable; });
  EXPECT_EQ(l.read_message().second, std::string(5000, 'x'));
  EXPECT_EQ(l.read_message().second, "two");
}

TEST(FrameGatedStream, AnOversizeFrameIsRefused) {
  loopback l;
  l.ws->read_message_max(16);
  l.send(ws_frame(0x1, std::string(100, 'x')));
  l.client.shutdown(tcp::socket::shutdown_send); // Beast's close ends
  EXPECT_EQ(l.read_message().first, websocket::error::message_too_big);
}

TEST(FrameGatedStream, AHostileLengthIsRefusedByBeast) {
  loopback l;
  l.send(std::string("\x81\xff\x80\x00\x00\x00\x00\x00\x00\x01", 10)
         + std::string(4, '\0') + "zzzz");
  l.client.shutdown(tcp::socket::shutdown_send);
  auto [ec, m] = l.read_message();
  EXPECT_TRUE(ec);
  EXPECT_TRUE(m.empty());
}

TEST(FrameGatedStream, ACloseFrameIsAnswered) {
  loopback l;
  l.send(ws_frame(0x1, "bye") + ws_frame(0x8, std::string("\x03\xe8", 2)));
  l.client.shutdown(tcp::socket::shutdown_send); // the teardown's end
  EXPECT_EQ(l.read_message().second, "bye");
  EXPECT_EQ(l.read_message().first, websocket::error::closed);
  EXPECT_EQ(l.receive(4),
            ws_frame(0x8, std::string("\x03\xe8", 2), true, false));
}

} // namespace
