// write_rider (several queued messages of one connection in one send, on
// Beast's write of the first; net/write_rider.hpp) over the balancer's
// stream under Beast, against a raw client on loopback: the riders follow
// the first message as whole frames in order; a rider is left when Beast's
// write lock is held (a pong already under way), and when the
// first message does not fit one write; pings answered while batched
// messages go out get whole pongs between whole messages; a close from the
// client while they go out is answered after them.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <string>
#include <thread>
#include <vector>

#include "net/write_rider.hpp"
#include "tests/net/ws_loopback.hpp"

using namespace tether;
using namespace tether::net;
using namespace tether::test;

namespace {

/// One frame the server wrote (unmasked): its opcode and payload.
struct server_frame {
  uint8_t opcode;
  std::string payload;
  bool operator==(const server_frame& o) const {
    return opcode == o.opcode && payload == o.payload;
  }
};

/// Reads one whole server frame off the client socket.
server_frame read_frame(tcp::socket& client) {
  unsigned char h[2];
  asio::read(client, asio::buffer(h));
  EXPECT_EQ(h[1] & 0x80, 0) << "a server frame is never masked";
  uint64_t n = h[1] & 0x7f;
  if (n >= 126) {
    unsigned char ext[8];
    size_t k = n == 126 ? 2 : 8;
    asio::read(client, asio::buffer(ext, k));
    n = 0;
    for (size_t i = 0; i < k; ++i)
      n = (n << 8) | ext[i];
  }
  std::string payload(n, '\0');
  asio::read(client, asio::buffer(payload));
  EXPECT_TRUE(h[0] & 0x80) << "FIN";
  return {static_cast<uint8_t>(h[0] & 0x0f), payload};
}

std::string message(int i) {
  return "{\"type\":\"job\",\"n\":" + std::to_string(i) + "}";
}

/// A write queue as the balancer's (ws_server.cpp): the first message by
/// Beast, the others offered as its rider; pops what went when done.
struct queue_writer {
  explicit queue_writer(loopback& to) : l(to) {
    l.ws->auto_fragment(false); // as the balancer writes: a message a frame
  }

  loopback& l;
  std::list<std::string> queue;
  size_t in_flight = 0;
  size_t writes = 0;
  size_t rode = 0;

  void write_next() {
    if (queue.empty() || in_flight > 0)
      return;
    write_rider rider;
    rider.first = queue.front().data();
    rider.first_size = queue.front().size();
    for (auto it = std::next(queue.begin()); it != queue.end(); ++it)
      rider.add_text(*it);
    in_flight = 1;
    ++writes;
    {
      rider_offer offer(&rider);
      l.ws->text(true);
      l.ws->async_write(asio::buffer(queue.front()),
                        [this](error_code ec, size_t) {
                          ASSERT_FALSE(ec) << ec.message();
                          for (; in_flight > 0; --in_flight)
                            queue.pop_front();
                          write_next();
                        });
    }
    if (rider.taken) {
      in_flight += rider.count;
      rode += rider.count;
    }
  }
};

TEST(WriteRider, FramesOfEveryLengthEncoding) {
  write_rider r;
  r.add_text("a");
  r.add_text(std::string(125, 'b'));
  r.add_text(std::string(126, 'c'));
  r.add_text(std::string(65535, 'd'));
  r.add_text(std::string(65536, 'e'));
  EXPECT_EQ(r.count, 5u);
  EXPECT_EQ(r.frames, frame(0x1, "a", true, false)
                        + frame(0x1, std::string(125, 'b'), true, false)
                        + frame(0x1, std::string(126, 'c'), true, false)
                        + frame(0x1, std::string(65535, 'd'), true, false)
                        + frame(0x1, std::string(65536, 'e'), true, false));
}

TEST(WriteRider, QueuedMessagesFollowTheFirstInOneWrite) {
  loopback l;
  queue_writer w(l);
  for (int i = 0; i < 40; ++i)
    w.queue.push_back(message(i));
  w.write_next();
  EXPECT_EQ(w.rode, 39u); // all behind the first, on its write
  l.run_until([&] { return w.queue.empty(); });
  EXPECT_EQ(w.writes, 1u);
  for (int i = 0; i < 40; ++i)
    EXPECT_EQ(read_frame(l.client), (server_frame{0x1, message(i)}));
}

TEST(WriteRider, NoRiderWithoutAnOfferOrOnAnotherBuffer) {
  loopback l;
  std::string first = message(0);
  std::string copy = first; // the same bytes elsewhere: not Beast's write
  write_rider rider;
  rider.first = copy.data();
  rider.first_size = copy.size();
  rider.add_text(message(1));
  bool done = false;
  {
    rider_offer offer(&rider);
    l.ws->text(true);
    l.ws->async_write(asio::buffer(first),
                      [&](error_code ec, size_t) { done = !ec; });
  }
  EXPECT_FALSE(rider.taken);
  EXPECT_EQ(offered_rider, nullptr); // the offer ended with its scope
  l.run_until([&] { return done; });
  EXPECT_EQ(read_frame(l.client), (server_frame{0x1, message(0)}));
}

TEST(WriteRider, NoRiderWhileAnotherBeastWriteHoldsItsLock) {
  loopback l;
  // A control frame Beast writes (here a ping; a pong or a close from its
  // read operation alike) holds Beast's write lock until its completion
  // runs, which is not before this thread returns to the io_context.
  bool pinged = false;
  l.ws->async_ping("hold", [&](error_code ec) { pinged = !ec; });
  queue_writer w(l);
  for (int i = 0; i < 5; ++i)
    w.queue.push_back(message(i));
  w.write_next();
  EXPECT_EQ(w.rode, 0u); // Beast writes the first later, after the ping
  l.run_until([&] { return pinged && w.queue.empty(); });
  std::vector<server_frame> got;
  for (int i = 0; i < 6; ++i)
    got.push_back(read_frame(l.client));
  EXPECT_EQ(got[0], (server_frame{0x9, "hold"}));
  for (int i = 0; i < 5; ++i) // in order: the first alone, then the rest
    EXPECT_EQ(got[i + 1], (server_frame{0x1, message(i)}));
  EXPECT_EQ(w.writes, 2u);
  EXPECT_EQ(w.rode, 3u);
}

TEST(WriteRider, AFirstMessageLargerThanOneWriteTakesNoRider) {
  loopback l;
  queue_writer w(l);
  w.queue.push_back(std::string(200 * 1024, 'y')); // asio writes 64 KiB a go
  w.queue.push_back(message(1));
  w.write_next();
  EXPECT_EQ(w.rode, 0u);
  std::vector<server_frame> got;
  std::thread reader([&] {
    for (int i = 0; i < 2; ++i)
      got.push_back(read_frame(l.client));
  });
  l.run_until([&] { return w.queue.empty(); });
  reader.join();
  EXPECT_EQ(got[0], (server_frame{0x1, std::string(200 * 1024, 'y')}));
  EXPECT_EQ(got[1], (server_frame{0x1, message(1)}));
}

TEST(WriteRider, PingsWhileBatchesGoOutGetWholePongsBetweenWholeMessages) {
  loopback l;
  queue_writer w(l);
  // The server's read loop answers the client's pings (Beast writes the
  // pongs under its write lock, from the read operation).
  std::function<void()> read_loop = [&] {
    l.ws->async_read(l.buffer, [&](error_code ec, size_t) {
      if (!ec) {
        l.buffer.consume(l.buffer.size());
        read_loop();
      }
    });
  };
  read_loop();
  constexpr int rounds = 200;
  constexpr int per_round = 7;
  std::string pings;
  for (int r = 0; r < rounds; ++r)
    pings += frame(0x9, "p" + std::to_string(r));
  std::thread pinger([&] { // pings in pieces, while the batches go out
    for (size_t at = 0; at < pings.size(); at += 37)
      l.send(pings.substr(at, 37));
  });
  std::vector<server_frame> got;
  std::atomic<bool> all_read{false};
  std::thread reader([&] {
    for (int i = 0; i < rounds * per_round + rounds; ++i)
      got.push_back(read_frame(l.client));
    all_read = true;
  });
  int next = 0;
  for (int r = 0; r < rounds; ++r) {
    for (int k = 0; k < per_round; ++k)
      w.queue.push_back(message(next++));
    w.write_next();
    l.io.restart();
    l.io.poll();
  }
  pinger.join();
  l.run_until([&] { return w.queue.empty() && all_read; });
  reader.join();
  EXPECT_GT(w.rode, 0u);
  int text = 0;
  int pongs = 0;
  for (const auto& f : got) {
    if (f.opcode == 0x1)
      EXPECT_EQ(f.payload, message(text++)); // in order, none cut
    else if (f.opcode == 0xA)
      EXPECT_EQ(f.payload, "p" + std::to_string(pongs++));
    else
      ADD_FAILURE() << "opcode " << int{f.opcode};
  }
  EXPECT_EQ(text, rounds * per_round);
  EXPECT_EQ(pongs, rounds);
}

TEST(WriteRider, ACloseDuringBatchesIsAnsweredAfterWholeMessages) {
  loopback l;
  queue_writer w(l);
  bool closed = false;
  l.ws->async_read(l.buffer, [&](error_code ec, size_t) {
    closed = ec == websocket::error::closed;
  });
  for (int i = 0; i < 30; ++i)
    w.queue.push_back(message(i));
  w.write_next();
  l.send(frame(0x8, std::string("\x03\xe8", 2)));
  l.client.shutdown(tcp::socket::shutdown_send); // the teardown's end
  l.run_until([&] { return closed; });
  std::vector<server_frame> got;
  for (;;) {
    got.push_back(read_frame(l.client));
    if (got.back().opcode == 0x8)
      break;
  }
  EXPECT_EQ(got.back().payload, std::string("\x03\xe8", 2));
  ASSERT_EQ(got.size(), 31u); // the batch (one write), then the close
  for (int i = 0; i < 30; ++i)
    EXPECT_EQ(got[i], (server_frame{0x1, message(i)}));
}

} // namespace
